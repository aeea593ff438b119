"""Importers: JSONL papers, Markdown tables (conference lists: tables.py), arXiv metadata snapshots; streamed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from index.errors import ImportFormatError
from index.ids import arxiv_links, parse_arxiv_id
from index.models import Links, Paper
from index.sources import Record
from index.sources.lines import (
    MAX_ABSTRACT_CHARS,
    MAX_TITLE_CHARS,
    clean_text,
    guarded,
    open_lines,
    open_regular,
    version_number,
    warn_bad,
)
from index.sources.records import authors_of, paper_from_json, read_date, slug
from index.sources.tables import header_name, split_row, table_records

log = logging.getLogger(__name__)

ImportFormat = Literal["jsonl", "table", "arxiv-snapshot"]


def jsonl_records(path: Path, source: str = "import") -> Iterator[Record]:
    for n, line in open_lines(path):
        rec = guarded(n, line, lambda text: paper_from_json(json.loads(text), source))
        if rec is not None:
            yield rec


def paper_from_snapshot(obj: Any) -> Paper:
    """A Paper from one line of the arXiv metadata snapshot (Kaggle)."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    parsed = parse_arxiv_id(str(obj.get("id", ""))[:100])
    if parsed is None:
        raise ValueError(f"not an arXiv id: {str(obj.get('id'))[:40]!r}")
    pid = parsed[0]
    versions = obj.get("versions") or []
    version = max((version_number(v.get("version", "v1")) for v in versions), default=1)
    created = read_date(versions[0].get("created")) if versions else None
    cats = clean_text(obj.get("categories"), 1000, "categories").split()
    abs_url, pdf_url = arxiv_links(pid, None)
    return Paper(
        id=pid,
        version=version,
        title=clean_text(obj.get("title"), MAX_TITLE_CHARS, "title") or _raise("missing title"),
        authors=authors_of(obj.get("authors")),
        abstract=clean_text(obj.get("abstract"), MAX_ABSTRACT_CHARS, "abstract")
        or _raise("missing abstract"),
        categories=tuple(cats),
        primary_category=cats[0] if cats else None,
        published=created or read_date(obj.get("update_date")),
        updated=read_date(obj.get("update_date")),
        comment=clean_text(obj.get("comments")) or None,
        links=Links(abs=abs_url, pdf=pdf_url),
        source="arxiv-snapshot",
    )


def snapshot_records(path: Path) -> Iterator[Record]:
    """The arXiv metadata snapshot (Kaggle) JSONL: id, title, authors, abstract, categories, versions, ..."""
    for n, line in open_lines(path):
        rec = guarded(n, line, lambda text: paper_from_snapshot(json.loads(text)))
        if rec is not None:
            yield rec


def _raise(msg: str) -> str:
    raise ValueError(msg)


def with_topics(records: Iterator[Record], topics: tuple[str, ...]) -> Iterator[Record]:
    """Every good record also filed under these topics (so an imported list reaches the topics' digests)."""
    for n, rec in records:
        if isinstance(rec, Paper):
            rec = rec.model_copy(update={"topics": tuple(dict.fromkeys((*rec.topics, *topics)))})
        yield n, rec


def records_for(
    path: Path, fmt: str, id_prefix: str | None = None, topics: tuple[str, ...] = ()
) -> Iterator[Record]:
    """The record stream for a file in one of the import formats, each paper also under ``topics``."""
    path = Path(path)
    open_regular(path).close()  # a missing file, a pipe or a device is refused now, not at the first read
    if topics:
        return with_topics(records_for(path, fmt, id_prefix), topics)
    if fmt == "jsonl":
        return warn_bad(jsonl_records(path, id_prefix or "import"), path.name)
    if fmt == "table":
        return warn_bad(table_records(path, id_prefix), path.name)
    if fmt == "arxiv-snapshot":
        return warn_bad(snapshot_records(path), path.name)
    raise ImportFormatError(f"Unknown import format {fmt!r}: use jsonl, table or arxiv-snapshot.")


__all__ = [
    "header_name",
    "paper_from_json",
    "records_for",
    "slug",
    "split_row",
    "table_records",
    "with_topics",
]
