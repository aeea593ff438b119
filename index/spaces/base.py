"""The vector-space protocol: what the writer, the retriever and maintenance need of one embedding space.
Two implementations: FAISS files beside an embedded store (:class:`~index.spaces.faiss_space.FaissSpace`)
and pgvector inside PostgreSQL (:class:`~index.spaces.pg_space.PgSpace`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from index.spaces.model import SpaceModel


class VectorSpace(Protocol):
    """One embedding space's searchable vectors, kept in step with the store (the source of truth).

    Concurrency: :meth:`search` holds the shared lock's read side; every method that changes the index
    holds (or is called under) its write side.
    """

    model: SpaceModel

    @property
    def loaded(self) -> bool:
        """Whether the index is in memory (a server warms every space before its first request)."""
        ...

    @property
    def kind(self) -> str:
        """The index type (flat, hnsw, ivf, pgvector-hnsw)."""
        ...

    def fresh(self) -> None:
        """Load the index on first use and catch it up with writes made by other processes."""

    def dim(self) -> int: ...

    def count(self) -> int:
        """Live vectors in the space."""
        ...

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rowids), safe while another thread writes."""
        ...

    def added(
        self,
        rowids: Sequence[int],
        hashes: Sequence[str],
        vectors: np.ndarray,
        before: int,
        after: int,
        ours: int,
    ) -> None:
        """A committed batch's vectors (the writer holds the write lock). ``before``/``after`` are the store
        generations around the commit and ``ours`` the bump the commit itself made: the index stays in
        step only if nothing else moved the store meanwhile."""

    def save(self, *, only_dirty: bool = False) -> None:
        """Write the index file if there is one (every loaded one, or only what a repair changed)."""

    def rebuild(self) -> None:
        """Forget the index and every stored vector's derived state; re-embed from the store (write lock)."""

    def check(self, want: dict[int, str]) -> dict[str, Any]:
        """Compare the persisted index with the store's text hashes, without repairing."""
        ...
