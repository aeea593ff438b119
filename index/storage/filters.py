"""Search filters as SQL: the rowids of papers matching every active filter."""

from __future__ import annotations

from typing import Any

from index.models import Filters
from index.paper import CODE_HOST_NAMES, PAGE_HOST_SUFFIXES

# What a code link's URL holds, as the stored links JSON shows it (Paper.has_code's hosts; a bare host with
# no path counts here, which no source stores).
_CODE_LIKE = (
    *(f"%//{www}{host}/%" for host in CODE_HOST_NAMES for www in ("", "www.")),
    *(f"%{suffix}%" for suffix in PAGE_HOST_SUFFIXES),
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
