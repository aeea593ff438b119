"""The terminal session of `make run`: one command per line, from a person or a pipe.

Commands: search, similar, show, ask, summarize, digest, stats, help, quit — the same library calls the
`paperlens` commands, the bot and the API make. It exits cleanly on EOF, `quit` or Ctrl-C.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, ConsoleRenderable

from cli.lineinput import LineInput
from cli.render import digest_view, hits_table, sections_view
from cli.sections import digest_text, sections_text, stats_sections
from cli.text import answer_text, hits_text, paper_text, summary_text
from index.config import LLMSettings
from index.errors import PaperLensError
from index.models import SearchHit
from index.paperindex import PaperIndex
from index.text import terminal_text

log = logging.getLogger(__name__)

COMMANDS = ("search", "similar", "show", "ask", "summarize", "digest", "stats", "help", "quit")

HELP = """Commands:
  search QUERY        hybrid search (English or Chinese)
  similar PAPER       papers similar to one (id, URL or title)
  show PAPER          metadata and abstract
  ask QUESTION        a cited answer (English or Chinese)
  summarize PAPER     TL;DR, takeaways and analysis (summarize zh PAPER for Chinese)
  digest TOPIC        the topic's latest digest
  stats               what the index holds
  help                this text
  quit                leave (or Ctrl-D)

At a terminal, Tab completes commands and topic names, and the arrow keys recall earlier lines."""


Reply = str | ConsoleRenderable | None


class Shell:
    """A line-oriented session over a PaperIndex; drawn with rich when given a console (a terminal)."""

    def __init__(
        self, index: PaperIndex, llm: LLMSettings, k: int = 5, console: Console | None = None
    ) -> None:
        from index.services import build_services

        self.index = index
        self.k = k
        self.console = console
        core = build_services(index.settings, llm, index=index)
        self.answerer, self.summarizer = core.answerer, core.summarizer

    def handle(self, line: str) -> Reply:
        """Run one line; returns what to print (text, or a rich renderable on a terminal), None to quit."""
        cmd, _, rest = line.strip().partition(" ")
        cmd, rest = cmd.lower(), rest.strip()
        if not cmd or cmd.startswith("#"):
            return ""
        if cmd in ("quit", "exit"):
            return None
        try:
            if cmd == "help":
                return HELP
            if cmd == "search":
                return self.hits(self.index.search(rest, k=self.k))
            if cmd == "similar":
                return self.hits(self.index.similar(rest, k=self.k))
            if cmd == "show":
                return paper_text(self.index.resolve(rest))
            if cmd == "ask":
                return answer_text(self.answerer.ask(rest))
            if cmd == "summarize":
                lang, _, ref = rest.partition(" ")
                if lang in ("zh", "en") and ref.strip():
                    return summary_text(self.summarizer.summarize(ref, lang=lang))
                return summary_text(self.summarizer.summarize(rest))
            if cmd == "digest":
                return self.digest(rest)
            if cmd == "stats":
                sections = stats_sections(self.index.stats())
                return sections_view(sections) if self.console else sections_text(sections)
        except PaperLensError as e:
            return f"error: {e}"
        return f"Unknown command {cmd!r}. Type 'help'."

    def hits(self, hits: list[SearchHit]) -> str | ConsoleRenderable:
        return hits_table(hits) if self.console and hits else hits_text(hits)

    def digest(self, topic_name: str) -> str | ConsoleRenderable:
        from index.digests.build import topic_digest
        from index.topics import load_topics

        topics = load_topics(self.index.settings.topics_file)
        d = topic_digest(self.index, self.summarizer, topics, topic_name)
        return digest_view(d) if self.console else digest_text(d)

    def topic_names(self) -> list[str]:
        from index.topics import load_topics

        return [t.name for t in load_topics(self.index.settings.topics_file)]

    def loop(self, stdin: TextIO, stdout: TextIO) -> int:
        """Read and answer lines until EOF, `quit` or Ctrl-C. A person at a terminal gets a prompt, line
        editing, history and completion; piped input is echoed before each answer instead."""
        interactive = stdin.isatty()
        editing = interactive and stdin is sys.stdin and stdout is sys.stdout  # input() reads sys.stdin
        if interactive:
            stdout.write("PaperLens — type 'help' for commands, Tab to complete, Ctrl-D to leave.\n")
        try:
            if editing:
                with LineInput(COMMANDS, self.topic_names):
                    self._run(lambda: _read_edited(), stdout)
            else:
                self._run(lambda: _read_plain(stdin, stdout, interactive), stdout)
        except KeyboardInterrupt:
            stdout.write("\n")
        return 0

    def _run(self, read: Callable[[], str], stdout: TextIO) -> None:
        while line := read():
            out = self.handle(line)
            if out is None:
                return
            if isinstance(out, str):
                if out:
                    stdout.write(out + "\n")
            elif self.console is not None:
                self.console.print(out)
            stdout.flush()


def _read_edited() -> str:
    """One line through readline (history, completion); '' at EOF."""
    try:
        return input("paperlens> ") + "\n"
    except EOFError:
        print()  # Ctrl-D leaves the prompt's line: end it
        return ""


def _read_plain(stdin: TextIO, stdout: TextIO, prompt: bool) -> str:
    """One line from a pipe (echoed, so a transcript shows which answer is whose) or a bare terminal."""
    if prompt:
        stdout.write("paperlens> ")
        stdout.flush()
    line = stdin.readline()
    if not prompt and line.strip():
        stdout.write(f"paperlens> {terminal_text(line.strip())}\n")
    return line
