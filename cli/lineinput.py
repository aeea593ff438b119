"""Line editing for the interactive session: history kept between sessions, and Tab completion.

Only a person at a terminal gets this (a piped session reads plain lines). The history lives in the XDG
state directory (``~/.local/state/paperlens/history``), at most :data:`HISTORY_LENGTH` lines; without
``readline`` (some platforms lack it) the session still works, with neither.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import platformdirs

log = logging.getLogger(__name__)

HISTORY_LENGTH = 1000


def history_path() -> Path:
    """Where the session's line history is kept (honours XDG_STATE_HOME)."""
    return platformdirs.user_state_path("paperlens", appauthor=False) / "history"


def completions(line: str, commands: Sequence[str], topics: Callable[[], Sequence[str]]) -> list[str]:
    """Every completion of the line typed so far: a command name, or after `digest ` a topic name.

    Whole lines are completed (readline's word breaks are off), so topic names with spaces complete too.
    """
    head, sep, rest = line.partition(" ")
    if not sep:
        return [f"{c} " for c in commands if c.startswith(head.lower())]
    if head.lower() == "digest":
        folded = rest.lstrip().casefold()
        return [f"digest {t}" for t in topics() if t.casefold().startswith(folded)]
    return []


class LineInput:
    """readline set up for one session: history loaded on entry, saved (bounded) on exit."""

    def __init__(self, commands: Sequence[str], topics: Callable[[], Sequence[str]]) -> None:
        self.commands, self.topics = commands, topics
        self.path = history_path()
        self._matches: list[str] = []
        self._rl: ModuleType | None
        try:
            import readline
        except ImportError:  # pragma: no cover - platforms without readline
            self._rl = None
        else:
            self._rl = readline

    def __enter__(self) -> LineInput:
        rl = self._rl
        if rl is None:
            return self
        rl.set_history_length(HISTORY_LENGTH)
        try:
            rl.read_history_file(self.path)
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("could not read the session history %s: %s", self.path, e)
        rl.set_completer_delims("")
        rl.set_completer(self._complete)
        libedit = "libedit" in (rl.__doc__ or "")
        rl.parse_and_bind("bind ^I rl_complete" if libedit else "tab: complete")
        return self

    def __exit__(self, *exc: object) -> None:
        rl = self._rl
        if rl is None:
            return
        rl.set_completer(None)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            rl.write_history_file(self.path)
        except OSError as e:
            log.warning("could not save the session history to %s: %s", self.path, e)

    def _complete(self, text: str, state: int) -> str | None:
        if state == 0:
            try:
                self._matches = completions(text, self.commands, self.topics)
            except Exception as e:  # a completion must never end the session
                log.debug("completion failed: %s", e)
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None
