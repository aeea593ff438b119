"""A readers-writer lock: many searches at once, one writer alone, writers not starved.

FAISS and the BM25 arrays are not safe to read while another thread changes them (an ``add`` reallocates
the vector storage a concurrent exact search is multiplying against: a segmentation fault). Readers hold
:meth:`RWLock.read` for the duration of a search; writers hold :meth:`RWLock.write` to change an index.
Both are re-entrant for the thread that holds them, and a writer may also read; a reader must not ask
to write (that would wait for itself).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    """Writer-preferring readers-writer lock (a waiting writer holds back new readers)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._waiting = 0
        self._mine = threading.local()

    @contextmanager
    def read(self) -> Iterator[None]:
        me = threading.get_ident()
        held = getattr(self._mine, "reads", 0)
        if self._writer == me or held:
            self._mine.reads = held + 1  # re-entry: already protected
            try:
                yield
            finally:
                self._mine.reads -= 1
            return
        with self._cond:
            while self._writer is not None or self._waiting:
                self._cond.wait()
            self._readers += 1
        self._mine.reads = 1
        try:
            yield
        finally:
            self._mine.reads = 0
            with self._cond:
                self._readers -= 1
                if self._readers == 0:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        me = threading.get_ident()
        if getattr(self._mine, "reads", 0) and self._writer != me:
            raise RuntimeError("a reader cannot become a writer (it would wait for itself)")
        with self._cond:
            if self._writer == me:
                self._depth += 1
            else:
                self._waiting += 1
                try:
                    while self._writer is not None or self._readers:
                        self._cond.wait()
                finally:
                    self._waiting -= 1
                self._writer, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._writer = None
                    self._cond.notify_all()
