"""An embedding space in PostgreSQL + pgvector (backend ``postgres``): the vectors live in the papers table,
written in the paper's own transaction, and search is SQL through an HNSW index. There is nothing to add,
remove, save or reconcile outside the database; loading embeds what has no vector yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from index.retrieval.vectors import IndexParams
from index.rwlock import RWLock
from index.spaces.model import SpaceModel, StoredVectors
from index.storage import PaperStore


class PgVectorStore(PaperStore, Protocol):
    """A PaperStore whose papers table holds pgvector columns (the PostgreSQL store)."""

    def vector_count(self, column: str) -> int: ...

    def dense_search(
        self, column: str, q: np.ndarray, k: int, allowed: np.ndarray | None, ef_search: int
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def live_hashes(self, column: str) -> dict[int, bytes]: ...


class PgSpace:
    """One embedding space as a pgvector column with its HNSW index."""

    kind_name = "pgvector-hnsw"

    def __init__(self, model: SpaceModel, store: PgVectorStore, params: IndexParams, lock: RWLock) -> None:
        self.model, self.store, self.params, self._lock = model, store, params, lock
        self.stored = StoredVectors(store, model)
        self._dim: int | None = None

    @property
    def loaded(self) -> bool:
        return self._dim is not None

    @property
    def kind(self) -> str:
        return self.kind_name

    def fresh(self) -> None:
        if self._dim is not None:
            return
        with self._lock.write():
            if self._dim is None:
                self.stored.adopt_model()
                dim = self.stored.dim()
                self.store.prepare_vectors(self.model.column, dim)
                self.stored.embed_missing(set(self.store.hashes()))
                self._dim = dim

    def dim(self) -> int:
        self.fresh()
        assert self._dim is not None
        return self._dim

    def count(self) -> int:
        self.fresh()
        return int(self.store.vector_count(self.model.column))

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k through pgvector (exact scores already, nothing to re-score)."""
        self.fresh()
        with self._lock.read():
            found: tuple[np.ndarray, np.ndarray] = self.store.dense_search(
                self.model.column, queries, k, allowed, self.params.ef_search
            )
            return found

    def added(
        self,
        rowids: Sequence[int],
        hashes: Sequence[str],
        vectors: np.ndarray,
        before: int,
        after: int,
        ours: int,
    ) -> None:
        """Nothing to do: the store wrote the vectors in the papers' own transaction."""

    def save(self, *, only_dirty: bool = False) -> None:
        """Nothing to write: the database is the index."""

    def rebuild(self) -> None:
        with self._lock.write():
            self.stored.reset()
            self._dim = None
            self.fresh()

    def check(self, want: dict[int, str]) -> dict[str, Any]:
        self.fresh()
        live = self.store.live_hashes(self.model.column)
        have = {r: h.decode() for r, h in live.items()}
        return {"vectors": len(have), "agree": have == want}
