"""Vector writes both stores share: storing, re-storing and clearing a space's vectors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from index.models import Paper


class VectorWrites(ABC):
    """Vector writes shared by both stores; each store says how a vector value is encoded."""

    @abstractmethod
    def _vec(self, v: np.ndarray | None) -> Any:
        """A vector as the database column takes it (None stays None)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def _bump(self, db: Any) -> None: ...

    def update_args(
        self, p: Paper, values: tuple[Any, ...], vec: Any, mvec: Any, rowid: int
    ) -> tuple[Any, ...]:
        """The arguments of UPDATE_PAPER (``values`` from paper_values, vectors already encoded)."""
        return (*values[1:], vec, p.text_hash(), mvec, p.text_hash(), rowid)

    def set_vectors(self, items: Iterable[tuple[int, str, np.ndarray | None, np.ndarray | None]]) -> None:
        """Store (re-)computed vectors for rows whose text hash is still the one they were computed for."""
        with self.transaction() as db:
            for rowid, text_hash, v, mv in items:
                db.execute(
                    "UPDATE papers SET vector=COALESCE(?, vector), mvector=COALESCE(?, mvector) "
                    "WHERE rowid=? AND text_hash=?",
                    (self._vec(v), self._vec(mv), rowid, text_hash),
                )
            self._bump(db)

    def clear_vectors(self, column: str | None = None) -> None:
        """Forget every stored vector, or those of one column (a rebuild with another model)."""
        if column not in (None, "vector", "mvector"):
            raise ValueError(column)
        sets = f"{column}=NULL" if column else "vector=NULL, mvector=NULL"
        with self.transaction() as db:
            db.execute(f"UPDATE papers SET {sets}")  # the column is one of two names
            self._bump(db)
