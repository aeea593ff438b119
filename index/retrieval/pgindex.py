"""The vector-index interface over pgvector (backend `postgres`): search is SQL in the store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.retrieval.vectors import IndexParams


class PgVectorIndex:
    """The same interface over pgvector: vectors live in the papers table (written with the metadata),
    so there is nothing to add, remove, save or reconcile here; search is SQL through the HNSW index."""

    kind = "pgvector-hnsw"
    tombstones = 0

    def __init__(self, store: Any, column: str, dim: int, params: IndexParams) -> None:
        self.store, self.column, self.dim, self.params = store, column, dim, params
        self.generation = 0

    def __len__(self) -> int:
        return int(self.store.vector_count(self.column))

    def live(self) -> dict[int, bytes]:
        return dict(self.store.live_hashes(self.column))

    def add(self, rowids: Sequence[int], hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Nothing to do: the store wrote the vectors in the paper's own transaction."""

    def remove(self, rowids: Sequence[int] | np.ndarray) -> int:
        return 0

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None, vectors_of: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k through pgvector (exact scores already: ``vectors_of`` is not needed)."""
        found: tuple[np.ndarray, np.ndarray] = self.store.dense_search(
            self.column, queries, k, allowed, self.params.ef_search
        )
        return found
