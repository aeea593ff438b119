"""Importers: JSONL papers, Markdown tables (conference lists), arXiv metadata snapshots. All streamed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal

from index.errors import ImportFormatError
from index.ids import arxiv_links, parse_arxiv_id
from index.models import BadLine, Links, Paper
from index.sources import Record
from index.sources.lines import (
    MAX_ABSTRACT_CHARS,
    MAX_TITLE_CHARS,
    bad_line,
    bad_reason,
    clean_text,
    guarded,
    open_lines,
    open_regular,
    version_number,
    warn_bad,
)
from index.venue import code_links, not_yet_published, venue_from

log = logging.getLogger(__name__)

ImportFormat = Literal["jsonl", "table", "arxiv-snapshot"]


def slug(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].strip("-") or "untitled"


def _authors(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(clean_text(a) for a in value if clean_text(a))
    text = re.sub(r"\s+and\s+", ", ", clean_text(value))
    return tuple(a.strip() for a in text.split(",") if a.strip())


def _date(value: Any) -> date | None:
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
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", clean_text(obj.get("doi"), 300, "doi"), flags=re.I)
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
        authors=_authors(obj.get("authors")),
        abstract=abstract,
        categories=tuple(cats),
        primary_category=obj.get("primary_category") or (cats[0] if cats else None),
        published=_date(obj.get("published")),
        published_year_only=bool(obj.get("published_year_only")) or year_only(obj.get("published")),
        published_month_only=bool(obj.get("published_month_only")) or month_only(obj.get("published")),
        updated=_date(obj.get("updated")),
        comment=comment,
        links=links_value,
        abstract_zh=clean_text(obj.get("abstract_zh"), MAX_ABSTRACT_CHARS, "Chinese abstract") or None,
        source=clean_text(obj.get("source")) or default_source,
        # a "venue" given as null (a table row that says it was only submitted) is no venue, whatever the id says
        venue=clean_text(obj.get("venue"), 300, "venue") or venue_from(None, comment)
        or (_id_venue(pid, parsed) if "venue" not in obj else None),
        topics=tuple(str(t) for t in topics),
    )


def jsonl_records(path: Path, source: str = "import") -> Iterator[Record]:
    for n, line in open_lines(path):
        rec = guarded(n, line, lambda text: paper_from_json(json.loads(text), source))
        if rec is not None:
            yield rec


# Header names research groups write, in English or Chinese, for each column the importer reads.
_TABLE_ALIASES = {
    "year": ("year", "date", "published", "年份", "年", "发表年份", "日期", "发表时间", "时间"),
    "title": ("title", "paper", "paper title", "题目", "标题", "论文", "论文标题", "论文题目", "名称"),
    "authors": ("authors", "author", "作者", "作者列表"),
    "abstract": ("abstract", "summary", "english abstract", "摘要", "英文摘要", "摘要（英文）"),
    "abstract_zh": (
        "chinese abstract", "abstract (chinese)", "abstract_zh", "中文摘要", "摘要（中文）", "中文", "译文",
    ),
    "link": ("link", "links", "url", "pdf", "paper link", "链接", "论文链接", "地址", "网址", "原文"),
    "topic": ("topic", "topics", "主题", "方向", "研究方向", "分类", "类别"),
    "venue": ("venue", "conference", "journal", "会议", "期刊", "来源", "发表", "会议/期刊"),
    "comment": ("comment", "comments", "note", "notes", "备注", "说明"),
    "doi": ("doi",),
    "id": ("id", "arxiv", "arxiv id", "编号"),
}


def _header_key(cell: str) -> str:
    """Bold marks, colons, spaces and full-width brackets ignored: '**中文摘要**', 'Abstract (Chinese)'."""
    text = re.sub(r"[*_`:：\s]", "", cell).lower()
    return text.replace("（", "(").replace("）", ")")


_TABLE_COLUMNS = {_header_key(alias): column for column, names in _TABLE_ALIASES.items() for alias in names}


def header_name(cell: str) -> str:
    """A header cell as the column it names (unknown names are kept, and ignored)."""
    return _TABLE_COLUMNS.get(_header_key(cell), cell.strip().lower())


def split_row(line: str) -> list[str]:
    r"""Cells of a Markdown table row; ``\\|`` is a literal pipe."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = re.split(r"(?<!\\)\|", s)
    return [c.strip().replace("\\|", "|") for c in cells]


def _link_text(cell: str) -> str:
    """'[Title](url)' -> 'Title' (a title cell that links to the paper)."""
    m = re.fullmatch(r"\s*\[([^\]]+)\]\([^)]*\)\s*", cell)
    return m.group(1) if m else cell


def _link_target(cell: str) -> str | None:
    m = re.search(r"\]\(([^)\s]+)\)", cell) or re.search(r"(https?://\S+)", cell)
    return m.group(1) if m else (cell.strip() or None)


def table_venue(cell: str | None, prefix: str) -> str | None:
    """A table row's venue: its venue cell ('CVPR2020' or 'Accepted to CVPR 2020' -> 'CVPR 2020', a journal
    as written; 'Submitted to ...' is none), else the conference and year the table's id prefix names
    ('cvpr2020' or 'cvpr2020-medical' -> 'CVPR 2020')."""
    text = clean_text(cell, 300, "venue")
    if text:
        return None if not_yet_published(text) else (venue_from(None, text) or text)
    named = venue_from(None, prefix.replace("-", " ").replace("_", " "))
    return named if named and any(c.isdigit() for c in named) else None


def table_records(path: Path, id_prefix: str | None = None) -> Iterator[Record]:
    """Markdown table rows: year | title | authors | abstract | Chinese abstract | link (| venue | ...)."""
    prefix = id_prefix or slug(path.stem, 40)
    columns: list[str] | None = None
    for n, line in open_lines(path):
        if isinstance(line, BadLine):
            yield bad_line(n, line.reason)
            continue
        if not line.strip().startswith("|"):
            continue
        cells = split_row(line)
        if columns is None:
            columns = [header_name(c) for c in cells]
            missing = {"title", "abstract"} - set(columns)
            if missing:
                raise ImportFormatError(
                    f"{path}: the table header needs a title and an abstract column (found: {' | '.join(cells)}). "
                    "Accepted names include year/年份, title/题目, authors/作者, abstract/摘要, "
                    "Chinese abstract/中文摘要, link/链接, topic/主题, venue/会议, comment/备注, doi."
                )
            continue
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        if len(cells) != len(columns):
            yield bad_line(n, f"expected {len(columns)} cells, found {len(cells)}")
            continue
        row = dict(zip(columns, cells, strict=True))
        try:
            link = _link_target(row.get("link", ""))
            parsed = parse_arxiv_id(row.get("id") or link or "")
            year = row.get("year", "").strip()
            obj = {
                "id": parsed[0] if parsed else f"{prefix}:{slug(row.get('title', ''))}",
                "title": _link_text(row.get("title", "")),
                "authors": row.get("authors"),
                "abstract": row.get("abstract"),
                "abstract_zh": row.get("abstract_zh"),
                "published": year or None,
                "url": link,
                "comment": row.get("comment") or None,
                # the venue column, else what the comment names (paper_from_json), else the prefix's conference
                "venue": table_venue(row.get("venue"), prefix) if row.get("venue") else (
                    venue_from(None, row.get("comment")) or table_venue(None, prefix)
                ),
                "doi": row.get("doi") or None,
                "topics": [t.strip() for t in re.split(r"[,;，；、]", row.get("topic", "")) if t.strip()],
            }
            yield n, paper_from_json(obj, prefix)
        except Exception as e:  # one bad row never ends the import
            yield bad_line(n, bad_reason(e))


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
    created = _date(versions[0].get("created")) if versions else None
    cats = clean_text(obj.get("categories"), 1000, "categories").split()
    abs_url, pdf_url = arxiv_links(pid, None)
    return Paper(
        id=pid,
        version=version,
        title=clean_text(obj.get("title"), MAX_TITLE_CHARS, "title") or _raise("missing title"),
        authors=_authors(obj.get("authors")),
        abstract=clean_text(obj.get("abstract"), MAX_ABSTRACT_CHARS, "abstract") or _raise("missing abstract"),
        categories=tuple(cats),
        primary_category=cats[0] if cats else None,
        published=created or _date(obj.get("update_date")),
        updated=_date(obj.get("update_date")),
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
