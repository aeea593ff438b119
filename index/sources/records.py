"""One imported record (a JSONL object, a table row) as a Paper: ids, authors, dates as precise as given,
links, a DOI, the venue and the code links."""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

from index.ids import arxiv_links, parse_arxiv_id
from index.models import Links, Paper
from index.sources.lines import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, clean_text, version_number
from index.venue import code_links, not_yet_published, venue_from


def slug(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].strip("-") or "untitled"


def authors_of(value: Any) -> tuple[str, ...]:
    """Authors from a list or from one string ('A, B and C')."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(clean_text(a) for a in value if clean_text(a))
    text = re.sub(r"\s+and\s+", ", ", clean_text(value))
    return tuple(a.strip() for a in text.split(",") if a.strip())


def read_date(value: Any) -> date | None:
    """A date as imports write it: ISO, an e-mail date, a year ('2020') or a month ('2020-06') as its first day."""
    if not value:
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        pass
    if _YEAR.fullmatch(text):
        return date(int(text[:4]), 1, 1)
    if _MONTH.fullmatch(text):
        return date(int(text[:4]), int(text[5:7]), 1)
    raise ValueError(f"unreadable date {text!r}")


_YEAR = re.compile(r"(1[89]|2[0-9])\d{2}(\.0)?")
_MONTH = re.compile(r"(1[89]|2[0-9])\d{2}[-/.](0[1-9]|1[0-2])")


def month_only(value: Any) -> bool:
    """True for a date given only as a year and month ('2020-06', '2020/06')."""
    return value is not None and bool(_MONTH.fullmatch(str(value).strip()))


def year_only(value: Any) -> bool:
    """True for a date given only as a year ('2020', 2020)."""
    return value is not None and bool(_YEAR.fullmatch(str(value).strip()))


def _links_for(pid: str, version: int | None, url: str | None) -> Links:
    if parse_arxiv_id(pid) is not None:
        abs_url, pdf_url = arxiv_links(pid, None)
        return Links(abs=abs_url, pdf=pdf_url, other=(url,) if url and "arxiv.org" not in url else ())
    if url:
        return Links(pdf=url) if url.lower().endswith(".pdf") else Links(abs=url)
    return Links()


def _id_venue(pid: str, parsed: object) -> str | None:
    """The conference an import's id prefix names ('cvpr2020:slug' -> 'CVPR 2020'), for an id not from arXiv."""
    return table_venue(None, pid.split(":", 1)[0]) if parsed is None and ":" in pid else None


def paper_from_json(obj: dict[str, Any], default_source: str = "import") -> Paper:
    """A Paper from a JSONL object (the bundled sample's shape, or a Paper dump)."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    raw_id = clean_text(obj.get("id"), 200, "id")
    title = clean_text(obj.get("title"), MAX_TITLE_CHARS, "title")
    abstract = clean_text(obj.get("abstract") or obj.get("summary"), MAX_ABSTRACT_CHARS, "abstract")
    if not title:
        raise ValueError("missing title")
    if not abstract:
        raise ValueError("missing abstract")
    version = obj.get("version")
    parsed = parse_arxiv_id(raw_id) if raw_id else None
    if parsed:
        pid, v = parsed
        version = version or v
    elif raw_id:
        pid = raw_id
    else:
        pid = f"{default_source}:{slug(title)}"
    topics = obj.get("topics") or ([obj["topic"]] if obj.get("topic") else [])
    links = obj.get("links")
    cats = obj.get("categories") or []
    if isinstance(cats, str):
        cats = cats.split()
    links_value = (
        Links.model_validate(links) if isinstance(links, dict) else _links_for(pid, None, obj.get("url"))
    )
    doi = re.sub(
        r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", clean_text(obj.get("doi"), 300, "doi"), flags=re.I
    )
    if doi and f"https://doi.org/{doi}" not in links_value.other:
        links_value = links_value.model_copy(update={"other": (*links_value.other, f"https://doi.org/{doi}")})
    comment = clean_text(obj.get("comment")) or None
    # Code and project pages the abstract or comment links are the paper's links too (Paper.has_code).
    code = [u for u in code_links(f"{abstract}\n{comment or ''}") if u not in links_value.other]
    if code:
        links_value = links_value.model_copy(update={"other": (*links_value.other, *code)})
    return Paper(
        id=pid,
        version=version_number(version or 1),
        title=title,
        authors=authors_of(obj.get("authors")),
        abstract=abstract,
        categories=tuple(cats),
        primary_category=obj.get("primary_category") or (cats[0] if cats else None),
        published=read_date(obj.get("published")),
        published_year_only=bool(obj.get("published_year_only")) or year_only(obj.get("published")),
        published_month_only=bool(obj.get("published_month_only")) or month_only(obj.get("published")),
        updated=read_date(obj.get("updated")),
        comment=comment,
        links=links_value,
        abstract_zh=clean_text(obj.get("abstract_zh"), MAX_ABSTRACT_CHARS, "Chinese abstract") or None,
        source=clean_text(obj.get("source")) or default_source,
        # a "venue" given as null (a table row that says it was only submitted) is no venue, whatever the id says
        venue=clean_text(obj.get("venue"), 300, "venue")
        or venue_from(None, comment)
        or (_id_venue(pid, parsed) if "venue" not in obj else None),
        topics=tuple(str(t) for t in topics),
    )


def table_venue(cell: str | None, prefix: str) -> str | None:
    """A table row's venue: its venue cell ('CVPR2020' or 'Accepted to CVPR 2020' -> 'CVPR 2020', a journal
    as written; 'Submitted to ...' is none), else the conference and year the table's id prefix names
    ('cvpr2020' or 'cvpr2020-medical' -> 'CVPR 2020')."""
    text = clean_text(cell, 300, "venue")
    if text:
        return None if not_yet_published(text) else (venue_from(None, text) or text)
    named = venue_from(None, prefix.replace("-", " ").replace("_", " "))
    return named if named and any(c.isdigit() for c in named) else None
