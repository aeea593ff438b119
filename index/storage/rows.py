"""Papers as rows: the values a paper is written with, a paper read back from its row, what is held for an
id (enough to decide whether to re-embed), and batches of rows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from index.models import Links, Paper


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


def blob(v: np.ndarray | None) -> bytes | None:
    return None if v is None else np.ascontiguousarray(v, dtype=np.float32).tobytes()


def parse_date(s: str | None) -> date | None:
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
        published=parse_date(r[8]),
        published_year_only=bool(r[8]) and len(r[8]) == 4,
        published_month_only=bool(r[8]) and len(r[8]) == 7,
        updated=parse_date(r[9]),
        comment=r[10],
        links=Links.model_validate_json(r[11]),
        abstract_zh=r[12],
        source=r[13],
        venue=r[14],
        topics=topics,
    )


def chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
