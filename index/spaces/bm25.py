"""The BM25 index of every paper's text, cached in a file beside the store and rebuilt when the store's
generation moves on. A built :class:`~index.retrieval.lexical.LexicalIndex` is never changed, only replaced,
so a search keeps the one it took while a writer swaps in the next."""

from __future__ import annotations

import logging
import threading

import numpy as np

from index.retrieval.lexical import LexicalIndex
from index.rwlock import RWLock
from index.storage import PaperStore

log = logging.getLogger(__name__)

BM25_FILE = "bm25.npz"


class Bm25Space:
    """BM25 over the store's texts, for the store's current generation."""

    def __init__(self, store: PaperStore, lock: RWLock) -> None:
        self.store, self._lock = store, lock
        self._index: LexicalIndex | None = None
        self._dirty = False
        self._save_lock = threading.Lock()

    def current(self) -> LexicalIndex:
        """The index for the store's current generation (built, or read from its cache, when stale)."""
        lex = self._index
        if lex is not None and lex.generation == self.store.generation:
            return lex
        with self._lock.write():
            gen = self.store.generation
            if self._index is None or self._index.generation != gen:
                self._index = self._load(gen)
            return self._index

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.current().search(query, k, allowed)

    def _load(self, gen: int) -> LexicalIndex:
        self.store.remove_file("bm25.pkl")  # the old pickled cache: never read, derived, so just removed
        path = self.store.file(BM25_FILE)
        if path.exists():
            try:
                cached = LexicalIndex.loads(path.read_bytes())
                if cached.generation == gen:
                    return cached
            except Exception as e:  # a damaged cache is rebuilt, never fatal
                log.warning("BM25 cache is damaged (%s); rebuilding", e)
        lex = LexicalIndex.build(self.store.iter_texts(), gen)
        self._dirty = True
        return lex

    def save(self) -> None:
        """Write a rebuilt index to its cache file (a cache read back is not written again)."""
        lex = self._index
        if lex is None or not self._dirty:
            return
        with self._save_lock:
            self.store.write_atomic(BM25_FILE, lambda fh: fh.write(lex.dumps()))
            self._dirty = False

    def rebuild(self) -> None:
        with self._lock.write():
            self.store.remove_file(BM25_FILE)
            self._index = None
            self.current()
