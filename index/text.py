"""Plain-text rendering of papers and hits for the terminal (the bot has its own embeds)."""

from __future__ import annotations

import textwrap

from index.models import Paper, SearchHit


def authors_line(p: Paper, limit: int = 6) -> str:
    a = list(p.authors)
    return ", ".join(a[:limit]) + (f" and {len(a) - limit} more" if len(a) > limit else "")


def hit_line(h: SearchHit) -> str:
    p = h.paper
    date = p.published.isoformat() if p.published else "n.d."
    return f"{h.rank:>2}. [{h.score:.3f}] {p.title}\n    {p.id} · {date} · {authors_line(p, 3)}"


def hits_text(hits: list[SearchHit]) -> str:
    return "\n".join(hit_line(h) for h in hits) if hits else "No papers matched."


def paper_text(p: Paper, width: int = 100) -> str:
    lines = [
        p.title,
        f"id: {p.id}" + (f"v{p.version}" if p.source == "arxiv" else ""),
        f"authors: {authors_line(p, 12)}",
    ]
    if p.published:
        lines.append(
            f"published: {p.published.isoformat()}" + (f" · updated {p.updated}" if p.updated else "")
        )
    if p.categories:
        lines.append("categories: " + ", ".join(p.categories))
    if p.comment:
        lines.append(f"comment: {p.comment}")
    if p.topics:
        lines.append("topics: " + ", ".join(p.topics))
    for name, url in (("abs", p.links.abs), ("pdf", p.links.pdf)):
        if url:
            lines.append(f"{name}: {url}")
    lines += ["", textwrap.fill(p.abstract, width)]
    if p.abstract_zh:
        lines += ["", p.abstract_zh]
    return "\n".join(lines)
