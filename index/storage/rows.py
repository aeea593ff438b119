"""What both stores share: the papers schema (SQLite dialect), row conversions, derived-file writes."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from index.models import Filters, Links, Paper

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    abstract TEXT NOT NULL,
    categories TEXT NOT NULL,
    primary_category TEXT,
    published TEXT,
    updated TEXT,
    comment TEXT,
    links TEXT NOT NULL,
    abstract_zh TEXT,
    source TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB,
    mvector BLOB,
    venue TEXT
);
CREATE INDEX IF NOT EXISTS papers_published ON papers(published);
CREATE INDEX IF NOT EXISTS papers_title ON papers(lower(title));
CREATE TABLE IF NOT EXISTS paper_topics (
    paper_rowid INTEGER NOT NULL REFERENCES papers(rowid) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    added TEXT,
    PRIMARY KEY (paper_rowid, topic)
);
CREATE TABLE IF NOT EXISTS topic_state (
    topic TEXT PRIMARY KEY,
    last_published TEXT,
    last_run TEXT,
    seen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS summaries (
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    lang TEXT NOT NULL,
    provider TEXT NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (paper_id, version, lang, provider)
);
"""

LATEST_PUBLISHED = (
    "SELECT MAX(p.published) FROM papers p JOIN paper_topics t ON t.paper_rowid = p.rowid "
    "WHERE lower(t.topic) = lower(?)"
)
COLUMNS = (
    "rowid, id, version, title, authors, abstract, categories, primary_category, published, updated, "
    "comment, links, abstract_zh, source, venue"
)
# When a paper was filed under a topic: UTC, ISO 8601 to the second, so the text sorts as the time does.
TOPIC_ADDED = "INSERT INTO paper_topics(paper_rowid, topic, added) VALUES (?, ?, ?)"


def added_now() -> str:
    """The time a paper is filed under a topic, as paper_topics.added stores it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Existing:
    """What the store already holds for an id: enough to decide whether to re-embed."""

    rowid: int
    version: int
    text_hash: str
    has_vector: bool
    has_mvector: bool
    has_venue: bool = False


@dataclass(frozen=True)
class Row:
    """A paper ready to be written, with its embeddings (None keeps what is stored)."""

    paper: Paper
    vector: np.ndarray | None
    mvector: np.ndarray | None


def _blob(v: np.ndarray | None) -> bytes | None:
    return None if v is None else np.ascontiguousarray(v, dtype=np.float32).tobytes()


def _date(s: str | None) -> date | None:
    """A stored date: '2020-06-14', or '2020' ('2020-06'), a year-only (month-only) date, as its first day."""
    if not s:
        return None
    if len(s) == 4:
        return date(int(s), 1, 1)
    return date(int(s[:4]), int(s[5:7]), 1) if len(s) == 7 else date.fromisoformat(s)


def _published_text(p: Paper) -> str | None:
    """'2020-06-14', or '2020' ('2020-06') for a year-only (month-only) date: sorts before every day in it."""
    return p.published_label if p.published is not None else None


def paper_values(p: Paper) -> tuple[Any, ...]:
    """A paper as the column values of the papers table (id .. source, venue, text_hash), for either store."""
    return (
        p.id,
        p.version,
        p.title,
        json.dumps(list(p.authors), ensure_ascii=False),
        p.abstract,
        json.dumps(list(p.categories)),
        p.primary_category,
        _published_text(p),
        p.updated.isoformat() if p.updated else None,
        p.comment,
        p.links.model_dump_json(),
        p.abstract_zh,
        p.source,
        p.venue,
        p.text_hash(),
    )


def paper_from_row(r: Sequence[Any], topics: tuple[str, ...] = ()) -> Paper:
    """A Paper from a row selected as COLUMNS (rowid first), for either store."""
    return Paper(
        id=r[1],
        version=r[2],
        title=r[3],
        authors=tuple(json.loads(r[4])),
        abstract=r[5],
        categories=tuple(json.loads(r[6])),
        primary_category=r[7],
        published=_date(r[8]),
        published_year_only=bool(r[8]) and len(r[8]) == 4,
        published_month_only=bool(r[8]) and len(r[8]) == 7,
        updated=_date(r[9]),
        comment=r[10],
        links=Links.model_validate_json(r[11]),
        abstract_zh=r[12],
        source=r[13],
        venue=r[14],
        topics=topics,
    )


def fsync_dir(path: Path) -> None:
    """Fsync a directory so a rename inside it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DataDirFiles:
    """Derived files (index caches) in the data directory, written atomically. Shared by both stores."""

    data_dir: Path

    def file(self, name: str) -> Path:
        """Path of a derived file in the data directory (read side)."""
        return self.data_dir / name

    def write_atomic(self, name: str, write: Callable[[BinaryIO], object]) -> None:
        """Write a derived file atomically: temp file, fsync, rename, fsync the directory. The temporary file
        is locked while it is written, so a killed save's leftover can be told from a save in progress."""
        target = self.data_dir / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.data_dir)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # while held, remove_stale_temps leaves the file alone
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            fsync_dir(self.data_dir)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove_file(self, name: str) -> None:
        (self.data_dir / name).unlink(missing_ok=True)


def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


# Replace a paper's row in place (same rowid, so the same vector id). A vector argument of NULL keeps the
# stored vector only while the text it was computed from is unchanged.
UPDATE_PAPER = (
    "UPDATE papers SET version=?, title=?, authors=?, abstract=?, categories=?, primary_category=?, published=?, "
    "updated=?, comment=?, links=?, abstract_zh=?, source=?, venue=?, text_hash=?, "
    "vector=COALESCE(?, CASE WHEN text_hash=? THEN vector END), "
    "mvector=COALESCE(?, CASE WHEN text_hash=? THEN mvector END) WHERE rowid=?"
)


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


# What a code link's URL holds, as the stored links JSON shows it (Paper.has_code's hosts; a bare host with
# no path counts here, which no source stores).
_CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "bitbucket.org", "codeberg.org")
_CODE_LIKE = (
    *(f"%//{www}{host}/%" for host in _CODE_HOSTS for www in ("", "www.")),
    "%.github.io%",
    "%.gitlab.io%",
)


def _like(text: str) -> str:
    r"""A substring pattern for LIKE ... ESCAPE '\\': % and _ in the text are literal characters."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_sql(f: Filters, category_test: str) -> tuple[str, list[Any]]:
    """``SELECT rowid`` of papers matching every active filter, with ? placeholders (dates inclusive,
    category and topic exact, author and venue substrings in any case, has_code a code host among the links).
    The category test is the one dialect-specific part."""
    where: list[str] = []
    args: list[Any] = []
    if (
        f.since
    ):  # a year-only ('2020') or month-only ('2020-06') date matches when its year or month reaches it
        where.append(
            "(published >= ? OR (length(published) = 4 AND published >= ?) OR (length(published) = 7 AND published >= ?))"
        )
        args += [f.since.isoformat(), str(f.since.year), f.since.isoformat()[:7]]
    if f.until:
        where.append("published <= ?")
        args.append(f.until.isoformat())
    if f.category:
        where.append(category_test)
        args += [f.category, f.category]
    if f.topic:
        where.append("rowid IN (SELECT paper_rowid FROM paper_topics WHERE lower(topic) = lower(?))")
        args.append(f.topic)
    if f.author:  # a substring: % and _ in the name are literal characters, not wildcards
        where.append("lower(authors) LIKE ? ESCAPE '\\'")
        args.append(_like(f.author))
    if f.venue:
        where.append("lower(venue) LIKE ? ESCAPE '\\'")
        args.append(_like(f.venue))
    if f.has_code:
        where.append("(" + " OR ".join(["lower(links) LIKE ?"] * len(_CODE_LIKE)) + ")")
        args += list(_CODE_LIKE)
    return "SELECT rowid FROM papers" + (" WHERE " + " AND ".join(where) if where else ""), args
