"""The PostgreSQL store (backend `postgres`): papers, vectors (pgvector, HNSW) and digest state shared by
many processes (API replicas, bot shards). Same interface as the SQLite Store.

Concurrency: every write is one transaction; paper upserts lock the row (SELECT ... FOR UPDATE) or
insert with ON CONFLICT, so two processes ingesting the same papers never duplicate one. BM25 stays in
process (bm25s over the rows, cached locally per store generation): the same ranking as the embedded
backend, which PostgreSQL's ts_rank does not reproduce.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from index.models import Filters, Paper
from index.storage.files import DataDirFiles
from index.storage.filters import filter_sql
from index.storage.migrations import postgres_add_columns
from index.storage.pgvectors import PgVectors
from index.storage.rows import Existing, Row, added_now, paper_from_row, paper_values
from index.storage.schema import COLUMNS, TOPIC_ADDED, UPDATE_PAPER
from index.storage.schema import SCHEMA as SQLITE_SCHEMA
from index.storage.shared import PortableQueries
from index.storage.vector_writes import VectorWrites

log = logging.getLogger(__name__)

# The SQLite tables, in PostgreSQL: serial 64-bit row ids and pgvector columns instead of blobs.
SCHEMA = "CREATE EXTENSION IF NOT EXISTS vector;\n" + (
    SQLITE_SCHEMA.replace("rowid INTEGER PRIMARY KEY", "rowid BIGSERIAL PRIMARY KEY")
    .replace("paper_rowid INTEGER", "paper_rowid BIGINT")
    .replace("vector BLOB", "vector vector")
    .replace("mvector BLOB", "mvector vector")
)
_COLS = (
    "id, version, title, authors, abstract, categories, primary_category, published, updated, comment, "
    "links, abstract_zh, source, venue, text_hash"
)


def _q(sql: str) -> str:
    """SQLite-style ? placeholders (what index/ writes) to psycopg's %s."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Tx:
    """A cursor that takes ? placeholders, so portable SQL (digest state) runs on both stores."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.cur = cur

    def execute(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self.cur.execute(_q(sql), list(args))


class PgStore(PgVectors, PortableQueries, DataDirFiles, VectorWrites):
    """PostgreSQL + pgvector; derived caches (BM25) still go to the local data directory."""

    dialect: Literal["sqlite", "postgres"] = "postgres"
    greatest = "GREATEST"

    def __init__(self, url: str, data_dir: Path, read_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir
        self._lock = threading.RLock()
        self._db = psycopg.connect(url, autocommit=True)
        with self._db.transaction():
            # One process creates the schema; others wait for the lock rather than race the DDL.
            self._db.execute("SELECT pg_advisory_xact_lock(727210)")
            self._db.execute(SCHEMA)
            postgres_add_columns(self._db)
        register_vector(self._db)
        # Retrieval reads (search, lookups) may go to a read replica; writes and digest state never do,
        # so a lagging replica can make a search stale but never cause a double post.
        self._ro = self._db
        if read_url:
            self._ro = psycopg.connect(read_url, autocommit=True)
            register_vector(self._ro)

    # ----- transactions and meta -----
    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        with self._lock, self._db.transaction(), self._db.cursor() as cur:
            yield _Tx(cur)

    @contextmanager
    def write_lock(self) -> Iterator[_Tx]:
        """A transaction holding the papers' write lock (a transaction-scoped advisory lock): writers in
        every process take turns, so a check made inside it (is this paper already held under another id?)
        still holds when it commits. Readers are not blocked."""
        with self.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(727211)")
            yield db

    def ensure_schema(self, sql: str) -> None:
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(727210)")
            self._db.execute(sql)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A read on the primary (digest state and anything a write depends on)."""
        with self._lock:
            return [tuple(r) for r in self._db.execute(_q(sql), list(args)).fetchall()]

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A retrieval read, served by the read replica when one is configured."""
        with self._lock:
            return [tuple(r) for r in self._ro.execute(_q(sql), list(args)).fetchall()]

    def get_meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def _bump(self, db: _Tx) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
            "SET value = (CAST(meta.value AS BIGINT) + 1)::text"
        )

    # ----- papers -----
    def count(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM papers")[0][0])

    def existing(self, ids: Sequence[str]) -> dict[str, Existing]:
        rows = self.query(
            "SELECT id, rowid, version, text_hash, vector IS NOT NULL, mvector IS NOT NULL, venue IS NOT NULL "
            "FROM papers WHERE id = ANY(?)",
            (list(ids),),
        )
        return {r[0]: Existing(r[1], r[2], r[3], bool(r[4]), bool(r[5]), bool(r[6])) for r in rows}

    def upsert(self, rows: Sequence[Row]) -> list[tuple[int, str]]:
        """As Store.upsert; safe against another process upserting the same ids at the same time."""
        results: list[tuple[int, str]] = []
        with self.transaction() as db:
            changed = False
            for row in rows:
                p = row.paper
                values = paper_values(p)
                vec, mvec = self._vec(row.vector), self._vec(row.mvector)
                cur = db.execute(
                    f"SELECT rowid, {_COLS} FROM papers WHERE id=? FOR UPDATE", (p.id,)
                ).fetchone()
                if cur is None:
                    got = db.execute(
                        f"INSERT INTO papers({_COLS}, vector, mvector) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                        "ON CONFLICT (id) DO NOTHING RETURNING rowid",
                        (*values, vec, mvec),
                    ).fetchone()
                    if got is not None:
                        results.append((int(got[0]), "added"))
                        changed = True
                        self._topics_add(db, int(got[0]), p)
                        continue
                    cur = db.execute(
                        f"SELECT rowid, {_COLS} FROM papers WHERE id=? FOR UPDATE", (p.id,)
                    ).fetchone()
                assert cur is not None  # inserted by another process a moment ago, so it exists now
                rowid = int(cur[0])
                same = tuple(cur[1:]) == values
                if cur[2] > p.version or (same and vec is None and mvec is None):
                    outcome = "unchanged"
                else:
                    db.execute(UPDATE_PAPER, self.update_args(p, values, vec, mvec, rowid))
                    outcome, changed = ("unchanged" if same else "updated"), True
                changed = self._topics_add(db, rowid, p) or changed
                results.append((rowid, outcome))
            if changed:
                self._bump(db)
        return results

    @staticmethod
    def _topics_add(db: _Tx, rowid: int, p: Paper) -> bool:
        added = False
        now = added_now()
        for t in p.topics:
            added = db.execute(f"{TOPIC_ADDED} ON CONFLICT DO NOTHING", (rowid, t, now)).rowcount > 0 or added
        return added

    @staticmethod
    def _vec(v: np.ndarray | None) -> np.ndarray | None:
        return None if v is None else np.asarray(v, dtype=np.float32)

    def _topic_map(self, rowids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for rid, t in self.read(
            "SELECT paper_rowid, topic FROM paper_topics WHERE paper_rowid = ANY(?) ORDER BY topic",
            (list(rowids),),
        ):
            out.setdefault(int(rid), []).append(t)
        return out

    def get_by_rowids(self, rowids: Sequence[int]) -> dict[int, Paper]:
        topics = self._topic_map(rowids)
        rows = self.read(f"SELECT {COLUMNS} FROM papers WHERE rowid = ANY(?)", (list(rowids),))
        return {int(r[0]): paper_from_row(r, tuple(topics.get(int(r[0]), ()))) for r in rows}

    def get(self, paper_id: str) -> tuple[int, Paper] | None:
        rows = self.read(f"SELECT {COLUMNS} FROM papers WHERE id=?", (paper_id,))
        if not rows:
            return None
        rid = int(rows[0][0])
        return rid, paper_from_row(rows[0], tuple(self._topic_map([rid]).get(rid, ())))

    def titles(self) -> list[tuple[int, str, str]]:
        return [(int(r[0]), r[1], r[2]) for r in self.read("SELECT rowid, id, title FROM papers")]

    def iter_texts(self, batch: int = 2000) -> Iterator[list[tuple[int, str]]]:
        last = 0
        while True:
            rows = self.read(
                "SELECT rowid, title, abstract FROM papers WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, batch),
            )
            if not rows:
                return
            last = int(rows[-1][0])
            yield [(int(r[0]), f"{r[1]}. {r[2]}") for r in rows]

    def hashes(self) -> dict[int, str]:
        return {int(r[0]): r[1] for r in self.query("SELECT rowid, text_hash FROM papers")}

    def filter_rowids(self, f: Filters) -> set[int]:
        sql, args = filter_sql(f, "(primary_category = ? OR categories::jsonb @> jsonb_build_array(?::text))")
        with self._lock:
            return {int(r[0]) for r in self._ro.execute(_q(sql), args).fetchall()}

    def integrity_check(self) -> list[str]:
        """PostgreSQL checks its own pages; here, that the server answers and the papers table reads."""
        self.query("SELECT COUNT(*) FROM papers")
        return ["ok"]

    def size_bytes(self) -> int:
        return int(self.query("SELECT pg_database_size(current_database())")[0][0])

    def close(self) -> None:
        with self._lock:
            if self._ro is not self._db:
                self._ro.close()
            self._db.close()
