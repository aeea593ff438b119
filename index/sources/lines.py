"""Reading import files safely: numbered lines read in bounded pieces, strict UTF-8, fields cleaned and
bounded, and any failure of one line turned into that line's BadLine (never the import's end)."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from index.errors import ImportFormatError
from index.models import BadLine, Paper
from index.sources import Record
from index.text import INVISIBLE, clean_line

log = logging.getLogger(__name__)

# Bounds checked before anything is embedded: one record can never exhaust memory or overflow a column.
MAX_LINE_BYTES = 1 << 20  # 1 MiB: a real abstract is a few kB
MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 50_000
MAX_FIELD_CHARS = 10_000  # authors, comment, links, a Chinese abstract
MAX_VERSION = 10_000
WARN_BAD_LINES = 20  # bad lines logged one by one; the rest are counted
_CONTROL = INVISIBLE  # the one set (index/text.py): search ignores the same characters in a query


def clean_text(text: Any, limit: int = MAX_FIELD_CHARS, what: str = "field") -> str:
    """One line of text: control and invisible characters (terminal escapes, bidi overrides, zero-width
    and filler characters) removed, white space folded, and a length bound (ValueError past it)."""
    out = clean_line(text)
    if len(out) > limit:
        raise ValueError(f"{what} of {len(out):,} characters (at most {limit:,})")
    return out


_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def open_regular(path: Path) -> BinaryIO:
    """The file opened for reading, if it is a regular file once links are followed.

    A pipe, a device (``/dev/zero``, perhaps behind a link) or a socket never ends or never starts: an import
    of one would never return. The file is opened without blocking and checked as opened, so it cannot be
    swapped for a pipe between the check and the read.

    Raises:
        ImportFormatError: no such file, or not a regular file (the message says what it is).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as e:
        raise ImportFormatError(f"No such file: {path}") from e
    except PermissionError as e:
        raise ImportFormatError(f"No permission to read {path}: check its mode and owner.") from e
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        target = f" (a link to {path.resolve()})" if path.is_symlink() else ""
        raise ImportFormatError(
            f"{path}{target} is {kind}, not a regular file: import reads files. Save the data to a file first."
        )
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def open_lines(path: Path) -> Iterator[tuple[int, str | BadLine]]:
    """Numbered lines of a regular file (see :func:`open_regular`), read in bounded pieces: a line over
    MAX_LINE_BYTES, or one that is not valid UTF-8, comes back as a BadLine (the rest of it skipped without
    being held in memory)."""
    with open_regular(path) as fh:
        n = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            n += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                size = len(raw)
                while raw and not raw.endswith(b"\n"):
                    raw = fh.readline(MAX_LINE_BYTES)
                    size += len(raw)
                yield n, BadLine(line=n, reason=f"line of {size:,} bytes (at most {MAX_LINE_BYTES:,})")
                continue
            try:
                yield n, raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield n, BadLine(line=n, reason=f"not valid UTF-8 (byte {e.start})")


def bad_line(n: int, reason: str) -> Record:
    """Line ``n`` as a bad record (logged, boundedly, by :func:`warn_bad`)."""
    return n, BadLine(line=n, reason=reason)


def warn_bad(records: Iterator[Record], source: str, limit: int = WARN_BAD_LINES) -> Iterator[Record]:
    """The records, with a warning for each of the first ``limit`` bad lines and one for how many more: a
    file of millions of bad lines must not print millions of messages."""
    bad = 0
    for rec in records:
        if isinstance(rec[1], BadLine):
            bad += 1
            if bad <= limit:
                log.warning("%s: line %d skipped: %s", source, rec[0], rec[1].reason)
        yield rec
    if bad > limit:
        log.warning(
            "%s: %d more bad lines skipped (the import's report counts them all)", source, bad - limit
        )


def version_number(value: Any) -> int:
    """An arXiv version: a whole number from 1 to MAX_VERSION (1e309, 10**30 or 'v2x' are bad lines)."""
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise ValueError(f"version {value!r} is not a whole number")
    try:
        v = int(str(value).lstrip("vV")) if not isinstance(value, float) else int(value)
    except (ValueError, OverflowError) as e:
        raise ValueError(f"version {str(value)[:20]!r} is not a whole number") from e
    if not 1 <= v <= MAX_VERSION:
        raise ValueError(f"version {str(value)[:20]} is out of range (1 to {MAX_VERSION})")
    return v


def bad_reason(e: BaseException) -> str:
    """What a bad line's report says: the first line of the error, bounded."""
    if isinstance(e, json.JSONDecodeError):
        return f"invalid JSON ({e.msg})"
    if isinstance(e, RecursionError):
        return "JSON nested too deeply"
    text = (str(e).splitlines() or [type(e).__name__])[0]
    return text[:300]


def guarded(n: int, line: str | BadLine, parse: Callable[[str], Paper]) -> Record | None:
    """Parse one line; any failure becomes that line's BadLine, never the batch's end."""
    if isinstance(line, BadLine):
        return n, line
    if not line.strip():
        return None
    try:
        return n, parse(line)
    except Exception as e:  # RecursionError, OverflowError, pydantic, ...: the line is bad, the file goes on
        return bad_line(n, bad_reason(e))
