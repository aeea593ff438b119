"""pgvector in the PostgreSQL store: vector columns with an HNSW index (inner product), their reads, and
dense search in SQL (exact within a filter's rows)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import psycopg

PG_EF_SEARCH_MAX = 1000  # pgvector's bound on hnsw.ef_search


class PgVectors:
    """Mixed into PgStore, which supplies the connections, the lock and ``query``."""

    _db: psycopg.Connection[Any]
    _ro: psycopg.Connection[Any]
    _lock: threading.RLock

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def prepare_vectors(self, column: str, dim: int) -> None:
        """Give the vector column its dimension and an HNSW index (inner product)."""
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(727211)")
            typ = self._db.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid='papers'::regclass "
                "AND attname=%s",
                (column,),
            ).fetchone()
            if typ and typ[0] != f"vector({dim})":
                self._db.execute(f"ALTER TABLE papers ALTER COLUMN {column} TYPE vector({dim})")
            self._db.execute(
                f"CREATE INDEX IF NOT EXISTS papers_{column}_hnsw ON papers "
                f"USING hnsw ({column} vector_ip_ops) WITH (m = 16, ef_construction = 64)"
            )

    def vectors(self, column: str, rowids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        rows = self.query(
            f"SELECT rowid, {column} FROM papers WHERE rowid = ANY(?) AND {column} IS NOT NULL",
            (list(rowids),),
        )
        out = {}
        for r, v in rows:
            arr = np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32)
            if arr.shape[0] == dim:
                out[int(r)] = arr
        return out

    def missing_vectors(self, column: str) -> list[tuple[int, str, str]]:
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        return [
            (int(r[0]), r[1], f"{r[2]}. {r[3]}")
            for r in self.query(
                f"SELECT rowid, text_hash, title, abstract FROM papers WHERE {column} IS NULL ORDER BY rowid"
            )
        ]

    def vector_count(self, column: str) -> int:
        return int(self.query(f"SELECT COUNT({column}) FROM papers")[0][0])

    def dense_search(
        self, column: str, q: np.ndarray, k: int, allowed: np.ndarray | None, ef_search: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product through pgvector's HNSW index (exact within a filter's rows)."""
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        scores, ids = [], []
        conn = self._ro
        with self._lock, conn.transaction():
            # pgvector refuses more than 1000 (and returns at most ef_search rows): clamp, never fail a search
            conn.execute(f"SET LOCAL hnsw.ef_search = {min(int(max(ef_search, k)), PG_EF_SEARCH_MAX)}")
            if allowed is not None:
                conn.execute("SET LOCAL enable_indexscan = off")  # exact over the filtered rows
            for qv in np.atleast_2d(q):
                vec = np.asarray(qv, dtype=np.float32)
                where = "AND rowid = ANY(%s)" if allowed is not None else ""
                args: list[Any] = [vec] + ([allowed.tolist()] if allowed is not None else []) + [vec, k]
                rows = conn.execute(
                    f"SELECT rowid, -({column} <#> %s) FROM papers WHERE {column} IS NOT NULL {where} "
                    f"ORDER BY {column} <#> %s LIMIT %s",
                    args,
                ).fetchall()
                ids.append([int(r[0]) for r in rows] + [-1] * (k - len(rows)))
                scores.append([float(r[1]) for r in rows] + [0.0] * (k - len(rows)))
        return np.asarray(scores, dtype=np.float32), np.asarray(ids, dtype=np.int64)

    def live_hashes(self, column: str) -> dict[int, bytes]:
        """Rowid -> text hash of every paper with a vector in this column (what a pgvector space holds)."""
        if column not in ("vector", "mvector"):
            raise ValueError(column)
        return {
            int(r): h.encode()
            for r, h in self.query(f"SELECT rowid, text_hash FROM papers WHERE {column} IS NOT NULL")
        }
