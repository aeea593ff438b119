"""Digest exports: the blog-post Markdown research groups publish, a Markdown table, and JSON."""

from __future__ import annotations

from index.links import safe_url
from index.models import Digest, DigestEntry, Paper


def pdf_link(p: Paper) -> str:
    """`[PDF](http://arxiv.org/abs/ID)` for arXiv papers (the format the groups use), else the paper's own link."""
    if p.source == "arxiv" or (p.links.abs or "").startswith("https://arxiv.org/abs/"):
        return f"[PDF](http://arxiv.org/abs/{p.id})"
    url = safe_url(p.url)  # never a javascript: link, whatever built the paper
    return f"[PDF]({url})" if url else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_markdown(d: Digest) -> str:
    day = d.date.isoformat()
    lines = [
        "---",
        f"title: {d.topic}",
        f"date: {day} 00:00:00",
        f"tags: [{d.topic}]",
        f"categories: {d.topic}",
        f'description: "Update in {day}, {d.total_new} {d.topic} papers"',
        "---",
        "",
        f"# {day}",
        "",
    ]
    untranslated = sum(not e.translated for e in d.entries)
    if untranslated:
        lines += [untranslated_note(untranslated, len(d.entries)), ""]
    if not d.entries:
        why = "; ".join(x for x in (d.note, d.empty_reason) if x)
        lines.append(f"No new {d.topic} papers." + (f" ({why})" if why else ""))
    for e in d.entries:
        p = e.paper
        lines += [
            f"## {_one_line(p.title)}",
            "",
            f"**Authors:{', '.join(p.authors)}**",
            "",
            provenance(e),
            "",
            _one_line(p.abstract),
            "",
        ]
        link = pdf_link(p)
        lines += [f"{link} {_one_line(p.comment or '')}".strip(), ""]
        lines += ["**Summary**", "", _one_line(e.tldr), "", "**Key Takeaways**", ""]
        lines += [f"- {_one_line(t)}" for t in e.takeaways]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def provenance(e: DigestEntry) -> str:
    """'Published: 2020 · Venue: CVPR 2020 · Source: imported: cvpr2020-medical-zh · Code: URL', as known."""
    p = e.paper
    parts = [f"Published: {p.published_label}"]
    if p.venue:
        parts.append(f"Venue: {_one_line(p.venue)}")
    parts.append(f"Source: {_one_line(e.origin)}")
    if p.code_links:
        parts.append(f"Code: {p.code_links[0]}")
    return " · ".join(parts)


def untranslated_note(n: int, total: int) -> str:
    """Said once, at the top, when Chinese was asked for and English is given."""
    return (
        f"> 注意：{n}/{total} 篇论文的总结与要点为英文原文摘录——没有导入中文摘要，也没有配置语言模型"
        "（设置 PAPERLENS_LLM_PROVIDER 后可生成中文）。Note: no language model is configured, so these "
        "summaries are English excerpts."
    )


def cell(text: str | None) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return _one_line(text or "").replace("\\", "\\\\").replace("|", "\\|")


def to_table(d: Digest, chinese: dict[str, str | None]) -> str:
    """`| year | title | authors | abstract | Chinese abstract | link |`, one row per paper."""
    rows = ["| year | title | authors | abstract | Chinese abstract | link |", "|---|---|---|---|---|---|"]
    missing = 0
    for e in d.entries:
        p = e.paper
        zh = chinese.get(p.id)
        missing += zh is None
        year = p.published_label if p.published else ""
        rows.append(
            f"| {year} | {cell(p.title)} | {cell(', '.join(p.authors))} | {cell(p.abstract)} | {cell(zh)} | "
            f"{cell(p.url or '')} |"
        )
    out = "\n".join(rows) + "\n"
    if missing:
        out += (
            f"\n_{missing} of {len(d.entries)} papers have no Chinese abstract: none was imported and no language "
            "model is configured (PAPERLENS_LLM_PROVIDER)._\n"
        )
    return out
