"""Reads of the SQLite store's vectors and texts (the FAISS and BM25 builds), in rowid order and in batches."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from index.storage.rows import chunks


class SqliteVectors:
    """Mixed into SqliteStore, which supplies the connection and the lock (as PgVectors is into PgStore)."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def iter_texts(self, batch: int = 2000) -> Iterator[list[tuple[int, str]]]:
        """(rowid, title + abstract) in rowid order, in batches (BM25 build)."""
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT rowid, title, abstract FROM papers WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(r[0], f"{r[1]}. {r[2]}") for r in rows]

    def hashes(self) -> dict[int, str]:
        """Rowid -> text hash of every paper (index reconciliation)."""
        with self._lock:
            return dict(self._db.execute("SELECT rowid, text_hash FROM papers").fetchall())

    def vectors(self, column: str, rowids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Stored vectors (column 'vector' or 'mvector') for these rows; rows without one are absent."""
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        out: dict[int, np.ndarray] = {}
        with self._lock:
            for chunk in chunks(list(rowids), 500):
                marks = ",".join("?" * len(chunk))
                for rid, blob in self._db.execute(
                    f"SELECT rowid, {column} FROM papers WHERE rowid IN ({marks}) AND {column} IS NOT NULL",
                    chunk,
                ):
                    v = np.frombuffer(blob, dtype=np.float32)
                    if v.shape[0] == dim:
                        out[rid] = v
        return out

    def missing_vectors(self, column: str) -> list[tuple[int, str, str]]:
        """(rowid, text hash, text) of rows that still need an embedding in this column."""
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        with self._lock:
            return [
                (r[0], r[1], f"{r[2]}. {r[3]}")
                for r in self._db.execute(
                    f"SELECT rowid, text_hash, title, abstract FROM papers WHERE {column} IS NULL ORDER BY rowid"
                )
            ]
