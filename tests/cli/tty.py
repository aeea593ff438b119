"""Run the real `paperlens` process on a pseudo-terminal, as a person's terminal would: keystrokes in after
the text they answer, everything the screen received out (ANSI codes stripped for assertions)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]")


def plain(screen: str) -> str:
    """What the screen shows, without colours, cursor moves or bracketed-paste switches."""
    return ANSI.sub("", screen).replace("\r\n", "\n")


def env_for(data: Path, **extra: str) -> dict[str, str]:
    e = {**os.environ, "PAPERLENS_DATA_DIR": str(data), "TERM": "xterm-256color", **extra}
    for key in ("DISCORD_TOKEN", "NO_COLOR", "COLUMNS", "LINES"):
        e.pop(key, None)
    return e


def on_tty(
    args: list[str],
    env: dict[str, str],
    keys: Sequence[tuple[str, str]] = (),
    cols: int = 120,
    timeout: float = 180,
) -> tuple[int, str]:
    """Run `python -m cli.main ARGS` with a terminal of ``cols`` columns as stdin, stdout and stderr.

    ``keys`` are (text to wait for, keystrokes to type) pairs, typed in order, each once its text has
    appeared on the screen. Returns the exit status and the raw screen output.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    screen, pending, seen = b"", list(keys), 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the process closed its terminal
                    break
                if not chunk:
                    break
                screen += chunk
            if pending:
                wait_for, typed = pending[0]
                at = screen.find(wait_for.encode(), seen)
                if at >= 0:
                    seen = at + len(wait_for.encode())
                    os.write(master, typed.encode())
                    pending.pop(0)
            elif not ready and proc.poll() is not None:
                break
        else:
            proc.kill()
            raise AssertionError(f"still running after {timeout} s; the screen:\n{plain(screen.decode())}")
        return proc.wait(timeout=30), screen.decode("utf-8", "replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
