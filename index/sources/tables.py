"""Markdown tables of papers (a group's conference list): header names in English or Chinese, one paper per row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from index.errors import ImportFormatError
from index.ids import parse_arxiv_id
from index.models import BadLine
from index.sources import Record
from index.sources.lines import bad_line, bad_reason, open_lines
from index.sources.records import paper_from_json, slug, table_venue
from index.venue import not_yet_published, venue_from

# Header names research groups write, in English or Chinese, for each column the importer reads.
_TABLE_ALIASES = {
    "year": ("year", "date", "published", "年份", "年", "发表年份", "日期", "发表时间", "时间"),
    "title": ("title", "paper", "paper title", "题目", "标题", "论文", "论文标题", "论文题目", "名称"),
    "authors": ("authors", "author", "作者", "作者列表"),
    "abstract": ("abstract", "summary", "english abstract", "摘要", "英文摘要", "摘要（英文）"),
    "abstract_zh": (
        "chinese abstract",
        "abstract (chinese)",
        "abstract_zh",
        "中文摘要",
        "摘要（中文）",
        "中文",
        "译文",
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
                # a venue cell that names no venue ('Submitted to CVPR 2025') is kept as the comment it is
                "comment": row.get("comment")
                or (row.get("venue") if not_yet_published(row.get("venue")) else None),
                # the venue column, else what the comment names (paper_from_json), else the prefix's conference
                "venue": table_venue(row.get("venue"), prefix)
                if row.get("venue")
                else (venue_from(None, row.get("comment")) or table_venue(None, prefix)),
                "doi": row.get("doi") or None,
                "topics": [t.strip() for t in re.split(r"[,;，；、]", row.get("topic", "")) if t.strip()],
            }
            yield n, paper_from_json(obj, prefix)
        except Exception as e:  # one bad row never ends the import
            yield bad_line(n, bad_reason(e))
