"""Storage: the only code that touches the database or the data directory's files.

:class:`PaperStore` is the interface the rest of the library uses; :class:`~index.storage.sqlite.SqliteStore`
(backend ``embedded``) and :class:`~index.storage.postgres.PgStore` (backend ``postgres``) implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

import numpy as np

from index.config import IndexSettings
from index.errors import ConfigError
from index.models import Filters, Paper
from index.storage.files import remove_stale_temps
from index.storage.rows import Existing, Row


class PaperStore(Protocol):
    """Papers, their vectors, topic state, cached summaries, and the data directory's derived files."""

    dialect: Literal["sqlite", "postgres"]
    data_dir: Path

    # ----- transactions, raw reads (digest state), meta -----
    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction (the yielded handle takes ``execute(sql, args)`` with ? placeholders)."""

    def write_lock(self) -> AbstractContextManager[Any]:
        """A write transaction that writers of every process take in turn (SQLite: BEGIN IMMEDIATE;
        PostgreSQL: an advisory lock); transactions and reads inside it on this thread are part of it."""

    def ensure_schema(self, sql: str) -> None:
        """Create tables another part of the library keeps in this database (digest state)."""

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only statement with ? placeholders; rows as tuples."""

    def get_meta(self, key: str) -> str | None:
        """A value of the key/value meta table, or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the meta table."""

    @property
    def generation(self) -> int:
        """Bumped by every write that changes papers; derived indexes record the one they match."""
        ...

    # ----- papers -----
    def count(self) -> int:
        """How many papers the store holds."""

    def existing(self, ids: Sequence[str]) -> dict[str, Existing]:
        """What is stored for these ids (absent ids are left out): enough to decide whether to re-embed."""

    def upsert(self, rows: Sequence[Row]) -> list[tuple[int, str]]:
        """Insert or update papers and their vectors in one transaction; (rowid, added|updated|unchanged) each."""

    def by_titles(self, titles: Sequence[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Lower-cased title -> [(id, authors)] of held papers with these titles."""
        ...

    def same_titles(self) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Lower-cased title -> [(id, authors)] of every title held by more than one paper."""
        ...

    def by_dois(self, dois: Sequence[str]) -> dict[str, list[str]]:
        """Lower-cased DOI -> ids of held papers linking to it."""
        ...

    def get(self, paper_id: str) -> tuple[int, Paper] | None:
        """A paper and its rowid by stored id, or None."""

    def get_by_rowids(self, rowids: Sequence[int]) -> dict[int, Paper]:
        """Papers by rowid (missing rowids are left out)."""

    def titles(self) -> list[tuple[int, str, str]]:
        """(rowid, id, title) of every paper."""

    def iter_texts(self, batch: int = 2000) -> Iterator[list[tuple[int, str]]]:
        """(rowid, title + abstract) in rowid order, in batches (the BM25 build)."""

    def hashes(self) -> dict[int, str]:
        """Rowid -> text hash of every paper (index reconciliation)."""

    def filter_rowids(self, f: Filters) -> set[int]:
        """Rows matching every active filter."""

    def id_counts(self) -> dict[str, int]:
        """Rows per paper id (above 1 would be a duplicate)."""

    def latest_published(self, topic: str) -> date | None:
        """The most recent publication date among a topic's papers."""

    # ----- vectors -----
    def prepare_vectors(self, column: str, dim: int) -> None:
        """Make a vector column ready for ``dim``-wide vectors (PostgreSQL: type and HNSW index)."""

    def vectors(self, column: str, rowids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Stored vectors (column 'vector' or 'mvector') of these rows; rows without one are left out."""

    def missing_vectors(self, column: str) -> list[tuple[int, str, str]]:
        """(rowid, text hash, text) of rows that still need an embedding in this column."""

    def set_vectors(self, items: Iterable[tuple[int, str, np.ndarray | None, np.ndarray | None]]) -> None:
        """Store computed vectors for rows whose text hash is still the one they were computed for."""

    def clear_vectors(self, column: str | None = None) -> None:
        """Forget every stored vector, or those of one column (a rebuild with another model)."""

    # ----- topics and summaries -----
    def topic_state(self, topic: str) -> date | None:
        """The newest publication date an ingest of this topic has seen."""

    def set_topic_state(self, topic: str, last_published: date | None, seen: int) -> None:
        """Record a topic ingest: the newest date seen (never moves back) and how many papers."""

    def topic_counts(self) -> dict[str, int]:
        """Papers per topic."""

    def topic_last_run(self, topic: str) -> datetime | None:
        """When this topic was last fetched from arXiv, or None if never."""

    def added_to_topic(self, topic: str, start: datetime, end: datetime) -> list[int]:
        """Row ids of the papers filed under a topic in [start, end), oldest first."""

    def last_added(self, topic: str) -> datetime | None:
        """When a paper was last filed under the topic, or None."""

    def get_summary(self, paper_id: str, version: int, lang: str, provider: str) -> str | None:
        """A cached summary body, or None."""

    def put_summary(self, paper_id: str, version: int, lang: str, provider: str, body: str) -> None:
        """Cache a summary body per (paper, version, language, provider)."""

    # ----- derived files -----
    def file(self, name: str) -> Path:
        """Path of a derived file in the data directory (read side)."""

    def write_atomic(self, name: str, write: Callable[[BinaryIO], object]) -> None:
        """Write a derived file atomically: temp file, fsync, rename, fsync the directory."""

    def remove_file(self, name: str) -> None:
        """Delete a derived file if it exists."""

    def integrity_check(self) -> list[str]:
        """The database's own consistency check: ["ok"], or what it found wrong."""

    def size_bytes(self) -> int:
        """What the store occupies on disk (or in the database)."""

    def close(self) -> None:
        """Close the connections."""


def open_store(settings: IndexSettings) -> PaperStore:
    """The configured backend's store: SQLite in the data directory, or PostgreSQL; temporary files that a
    killed index save left in the data directory are removed."""
    store = _open(settings)
    remove_stale_temps(store.data_dir)
    return store


def _open(settings: IndexSettings) -> PaperStore:
    if settings.backend == "postgres":
        if settings.database_url is None:
            raise ConfigError(
                "The postgres backend needs PAPERLENS_DATABASE_URL (postgresql://user:pass@host/db)."
            )
        from index.storage.postgres import PgStore

        try:
            read = settings.database_read_url.get_secret_value() if settings.database_read_url else None
            return PgStore(settings.database_url.get_secret_value(), settings.data_dir, read)
        except Exception as e:  # psycopg's message can hold the URL: show only its kind
            raise ConfigError(
                f"Cannot connect to PostgreSQL ({type(e).__name__}); check PAPERLENS_DATABASE_URL."
            ) from e
    from index.storage.sqlite import SqliteStore

    return SqliteStore(settings.data_dir)
