"""The derived indexes of one data directory: a vector space per encoder and BM25, sharing one lock.

The store is the source of truth; these are derived from it and kept in step (see
:mod:`index.spaces.faiss_space`). Sharing: the bot's event loop, its worker threads, the digest refresh
and the HTTP API search at once. Searches hold the read side of an :class:`~index.rwlock.RWLock` while
they touch an index; writers (ingest, rebuild, a catch-up with another process's writes) hold the write
side, so no search reads vector storage an ``add`` is reallocating. Searches never write files.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import cast

import numpy as np

from index.retrieval.vectors import IndexParams
from index.rwlock import RWLock
from index.spaces.base import VectorSpace
from index.spaces.bm25 import BM25_FILE, Bm25Space
from index.spaces.faiss_space import FaissSpace
from index.spaces.model import BATCH, SpaceModel, space_vectors
from index.spaces.pg_space import PgSpace, PgVectorStore
from index.storage import PaperStore

__all__ = ["BATCH", "BM25_FILE", "SpaceModel", "Spaces", "VectorSpace", "space_vectors"]


class Spaces:
    """Every vector space of a data directory and its BM25 index, behind one readers-writer lock."""

    def __init__(self, store: PaperStore, params: IndexParams, models: list[SpaceModel]) -> None:
        self.lock = RWLock()
        self._spaces: dict[str, VectorSpace] = {}
        for m in models:  # the one backend choice: the PostgreSQL store keeps its vectors in pgvector columns
            if store.dialect == "postgres":
                self._spaces[m.name] = PgSpace(m, cast(PgVectorStore, store), params, self.lock)
            else:
                self._spaces[m.name] = FaissSpace(m, store, params, self.lock)
        self.bm25 = Bm25Space(store, self.lock)
        self.last_save = time.monotonic()

    def __getitem__(self, name: str) -> VectorSpace:
        return self._spaces[name]

    def __contains__(self, name: str) -> bool:
        return name in self._spaces

    def __iter__(self) -> Iterator[VectorSpace]:
        return iter(self._spaces.values())

    def items(self) -> Iterator[tuple[str, VectorSpace]]:
        return iter(self._spaces.items())

    # ----- what retrieval reads -----
    def dense_search(
        self, space: str, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rowids) in one embedding space, safe while another thread ingests."""
        return self._spaces[space].search(queries, k, allowed)

    def lexical_search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return self.bm25.search(query, k, allowed)

    def dim(self, space: str = "dense") -> int:
        return self._spaces[space].dim()

    def count(self, space: str = "dense") -> int:
        return self._spaces[space].count()

    # ----- maintenance -----
    def load_all(self) -> None:
        """Load every index now, saving any repair (a server warms before its first request)."""
        with self.lock.write():
            self._settle()
            self.bm25.current()
            self.save_dirty()

    def _settle(self) -> None:
        """Bring every space up to the store's generation. Vectors one space embeds while catching up move
        the generation the spaces before it recorded, so one pass per space leaves none behind (the first
        search would otherwise reconcile again and rewrite the file)."""
        for _ in self._spaces:
            for sp in self:
                sp.fresh()

    def save(self) -> None:
        """Write every loaded index (and a rebuilt BM25 cache) atomically."""
        with self.lock.read():
            for sp in self:
                sp.save()
            self.bm25.save()
            self.last_save = time.monotonic()

    def save_dirty(self) -> None:
        """Write what a repair or a rebuild changed in memory (the caller holds a lock)."""
        for sp in self:
            sp.save(only_dirty=True)
        self.bm25.save()

    def rebuild(self) -> None:
        """Re-derive every index from the store (its vectors cleared first by the caller)."""
        with self.lock.write():
            for sp in self:
                sp.rebuild()
            self._settle()
            self.bm25.rebuild()
            self.save_dirty()
