"""The embedded SQLite store: the one module that owns the data directory's files.

Papers, their embeddings (as float32 blobs, written in the same transaction as the metadata),
per-topic ingest state and cached summaries live in ``papers.db``. Derived files (the FAISS
index, the BM25 cache) are written through :meth:`SqliteStore.write_atomic` so a crash never leaves a
half-written file: the store is the source of truth and everything else is rebuilt from it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.models import Filters, Paper
from index.storage.files import DataDirFiles, prepare_data_dir, quick_check, sqlite_error
from index.storage.filters import filter_sql
from index.storage.migrations import (
    LEGACY_VENUE_ROWS,
    MOVE_LEGACY_VENUE,
    legacy_venue_updates,
    sqlite_add_columns,
)
from index.storage.rows import Existing, Row, added_now, blob, chunks, paper_from_row, paper_values
from index.storage.schema import COLUMNS, SCHEMA, TOPIC_ADDED, UPDATE_PAPER
from index.storage.shared import PortableQueries
from index.storage.sqlite_vectors import SqliteVectors
from index.storage.vector_writes import VectorWrites

log = logging.getLogger(__name__)


class SqliteStore(SqliteVectors, PortableQueries, DataDirFiles, VectorWrites):
    """SQLite metadata and vectors for one data directory. Thread-safe (one lock per store)."""

    dialect: Literal["sqlite", "postgres"] = "sqlite"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / "papers.db"
        prepare_data_dir(self.data_dir, self.path)  # read-only storage is refused here, said as what it is
        self._lock = threading.RLock()
        self._depth = 0  # transactions this thread has open (nested ones are part of the outermost)
        self._verified = False
        # Writers wait for each other (BEGIN IMMEDIATE) rather than fail: an import's batch commits in well
        # under a second, but two imports, a server and a digest may all write at once.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=60)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            sqlite_add_columns(self._db, self.path, self._move_venues)
        except sqlite3.DatabaseError as e:
            self._db.close()
            err = sqlite_error(e, self.data_dir, self.path, writing=False)
            if err is e:
                raise
            raise err from e

    def _move_venues(self) -> None:
        """Venues an earlier version kept in comments ('Venue: X | ...') move into the venue column."""
        with self.transaction() as db:
            moves = legacy_venue_updates(db.execute(LEGACY_VENUE_ROWS).fetchall())
            db.executemany(MOVE_LEGACY_VENUE, moves)
            if moves:
                self._bump(db)

    # ----- transactions and meta -----
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from its start (BEGIN IMMEDIATE), so what it
        reads no other process changes before it commits. A transaction opened inside another one on the
        same thread is part of the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as e:
                raise self._explain(e) from e
            self._depth = 1
            try:
                yield self._db
            except BaseException as e:
                if self._db.in_transaction:  # some errors (a full disk) have already rolled it back
                    self._db.execute("ROLLBACK")
                if isinstance(e, sqlite3.DatabaseError):
                    raise self._explain(e) from e
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.DatabaseError as e:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise self._explain(e) from e
            finally:
                self._depth = 0

    def write_lock(self) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction that holds the database's write lock from its start: two processes' writers take
        turns, so a check made inside it (is this paper already held?) still holds when it commits."""
        return self.transaction()

    def _explain(self, e: sqlite3.DatabaseError) -> Exception:
        return sqlite_error(e, self.data_dir, self.path)

    def verify(self) -> None:
        """Refuse to write into a damaged database: SQLite's quick_check, once per store, before its first
        write of papers (a write into a corrupt page spreads the damage and reports success)."""
        if not self._verified:
            with self._lock:
                quick_check(self._db, self.path)
                self._verified = True

    def prepare_vectors(self, column: str, dim: int) -> None:
        """Nothing to do: SQLite keeps vectors as blobs and FAISS indexes them."""

    def ensure_schema(self, sql: str) -> None:
        """Create tables another module of index/ keeps in this database (digests)."""
        with self._lock:
            self._db.executescript(sql)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only statement."""
        with self._lock:
            return [tuple(r) for r in self._db.execute(sql, args).fetchall()]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        """Bumped by every write that changes papers; derived files record the one they match."""
        return int(self.get_meta("generation") or 0)

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # ----- papers -----
    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM papers").fetchone()[0])

    def existing(self, ids: Sequence[str]) -> dict[str, Existing]:
        """What is stored for these ids (absent ids are missing from the result)."""
        out: dict[str, Existing] = {}
        with self._lock:
            for chunk in chunks(list(ids), 500):
                marks = ",".join("?" * len(chunk))
                for r in self._db.execute(
                    f"SELECT id, rowid, version, text_hash, vector IS NOT NULL, mvector IS NOT NULL, venue IS NOT NULL "
                    f"FROM papers WHERE id IN ({marks})",
                    chunk,
                ):
                    out[r[0]] = Existing(r[1], r[2], r[3], bool(r[4]), bool(r[5]), bool(r[6]))
        return out

    def upsert(self, rows: Sequence[Row]) -> list[tuple[int, str]]:
        """Insert or update papers and their vectors in one transaction.

        A newer version replaces the row in place (same rowid, so the same vector id); an older
        version than the stored one never downgrades it, but its topics are still recorded.

        Returns:
            (rowid, outcome) per row, outcome one of ``added``, ``updated``, ``unchanged``.
        """
        results: list[tuple[int, str]] = []
        self.verify()
        now = added_now()
        with self.transaction() as db:
            changed = False
            for row in rows:
                p = row.paper
                cur = db.execute(
                    "SELECT rowid, version, title, authors, abstract, categories, primary_category, published, "
                    "updated, comment, links, abstract_zh, source, venue, text_hash FROM papers WHERE id=?",
                    (p.id,),
                ).fetchone()
                values = paper_values(p)
                if cur is None:
                    rowid = db.execute(
                        "INSERT INTO papers(id, version, title, authors, abstract, categories, primary_category, "
                        "published, updated, comment, links, abstract_zh, source, venue, text_hash, vector, mvector) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (*values, self._vec(row.vector), self._vec(row.mvector)),
                    ).lastrowid
                    assert rowid is not None
                    outcome, changed = "added", True
                else:
                    rowid = cur[0]
                    same = tuple(cur[1:]) == values[1:]
                    if cur[1] > p.version or (same and row.vector is None and row.mvector is None):
                        outcome = "unchanged"
                    else:
                        db.execute(
                            UPDATE_PAPER,
                            self.update_args(p, values, self._vec(row.vector), self._vec(row.mvector), rowid),
                        )
                        outcome, changed = ("unchanged" if same else "updated"), True
                for t in p.topics:
                    n = db.execute(
                        TOPIC_ADDED.replace("INSERT", "INSERT OR IGNORE"), (rowid, t, now)
                    ).rowcount
                    changed = changed or n > 0
                results.append((rowid, outcome))
            if changed:
                self._bump(db)
        return results

    @staticmethod
    def _vec(v: np.ndarray | None) -> bytes | None:
        return blob(v)

    def _topics(self, rowids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for chunk in chunks(list(rowids), 500):
            marks = ",".join("?" * len(chunk))
            for rid, t in self._db.execute(
                f"SELECT paper_rowid, topic FROM paper_topics WHERE paper_rowid IN ({marks}) ORDER BY topic",
                chunk,
            ):
                out.setdefault(rid, []).append(t)
        return out

    def get_by_rowids(self, rowids: Sequence[int]) -> dict[int, Paper]:
        out: dict[int, Paper] = {}
        with self._lock:
            topics = self._topics(rowids)
            for chunk in chunks(list(rowids), 500):
                marks = ",".join("?" * len(chunk))
                for r in self._db.execute(f"SELECT {COLUMNS} FROM papers WHERE rowid IN ({marks})", chunk):
                    out[r[0]] = paper_from_row(r, tuple(topics.get(r[0], ())))
        return out

    def get(self, paper_id: str) -> tuple[int, Paper] | None:
        with self._lock:
            r = self._db.execute(f"SELECT {COLUMNS} FROM papers WHERE id=?", (paper_id,)).fetchone()
            if r is None:
                return None
            return r[0], paper_from_row(r, tuple(self._topics([r[0]]).get(r[0], ())))

    def titles(self) -> list[tuple[int, str, str]]:
        """(rowid, id, title) of every paper, for fuzzy title lookup."""
        with self._lock:
            return [tuple(r) for r in self._db.execute("SELECT rowid, id, title FROM papers")]

    def filter_rowids(self, f: Filters) -> set[int]:
        """Rows matching every active filter."""
        sql, args = filter_sql(
            f, "(primary_category = ? OR EXISTS (SELECT 1 FROM json_each(categories) WHERE value = ?))"
        )
        with self._lock:
            return {r[0] for r in self._db.execute(sql, args)}

    def integrity_check(self) -> list[str]:
        """SQLite's PRAGMA integrity_check: ["ok"] or the problems it lists."""
        return [str(r[0]) for r in self.query("PRAGMA integrity_check")]

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.data_dir.iterdir() if f.is_file())

    def close(self) -> None:
        with self._lock:
            self._db.close()
