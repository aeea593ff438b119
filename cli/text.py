"""Plain-text rendering of papers and hits for the terminal (the bot has its own embeds).

Every text this module returns passes :func:`index.text.terminal_text`, and :func:`emit` escapes what JSON
would otherwise print raw: a stored field or a language model's answer can never put an escape sequence
(a live OSC 8 hyperlink, a screen clear, a C1 CSI) or a bidi override on the user's terminal.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from index.models import Answer, Paper, SearchHit, Summary
from index.paperindex import PaperIndex
from index.text import INVISIBLE_CHARS, terminal_text

# What json.dumps(ensure_ascii=False) leaves raw and a terminal may act on: C1 controls, bidi and invisible
# characters (C0 controls json already escapes).
_JSON_RAW = re.compile("[" + INVISIBLE_CHARS.replace("\x00-\x1f", "", 1) + "\u2028\u2029]")


def _json_escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code > 0xFFFF:  # a UTF-16 surrogate pair, as JSON writes characters outside the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def authors_line(p: Paper, limit: int = 6) -> str:
    a = list(p.authors)
    return ", ".join(a[:limit]) + (f" and {len(a) - limit} more" if len(a) > limit else "")


def match_label(h: SearchHit) -> str:
    """The relevance as every front end words it: '28% match', or the BM25 score in keyword-only mode."""
    return f"{h.relevance}% match" if h.relevance is not None else f"BM25 {h.score:.1f}"


def hit_line(h: SearchHit) -> str:
    p = h.paper
    date = p.published_label
    match = f"{h.relevance:>3}%" if h.relevance is not None else "   –"
    return terminal_text(f"{h.rank:>2}. [{match}] {p.title}\n    {p.id} · {date} · {authors_line(p, 3)}")


def hits_text(hits: list[SearchHit]) -> str:
    return terminal_text("\n".join(hit_line(h) for h in hits) if hits else "No papers matched.")


def empty_text(ix: PaperIndex) -> str:
    """No hits: say whether the index is empty, and where it is, so a wrong data directory is obvious."""
    if ix.count() == 0:
        return (
            f"The index in {ix.settings.data_dir} holds no papers. Import some (`paperlens import FILE --format "
            "jsonl|table`), fetch your topics (`paperlens ingest`), or point PAPERLENS_DATA_DIR at your index."
        )
    return "No papers matched. Try other words, or remove filters."


def paper_text(p: Paper, width: int = 100) -> str:
    lines = [
        p.title,
        f"id: {p.id}" + (f"v{p.version}" if p.source == "arxiv" else ""),
        f"authors: {authors_line(p, 12)}",
    ]
    if p.published:
        lines.append(f"published: {p.published_label}" + (f" · updated {p.updated}" if p.updated else ""))
    if p.venue:
        lines.append(f"Venue: {p.venue}")
    if p.code_links:
        lines.append("Code: " + " ".join(p.code_links))
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
    return terminal_text("\n".join(lines))


def answer_text(a: Answer) -> str:
    lines = [a.text, ""]
    label = "Nearest papers" if a.weak_evidence else "Sources"
    if a.citations:
        lines.append(f"{label}:")
        lines += [f"  [{c.n}] {c.title} — {c.url or c.id}" for c in a.citations]
    note = f"provider: {a.provider}"
    if a.fallback:
        note += f" (fell back to extractive: {a.fallback_reason})"
    return terminal_text("\n".join([*lines, note]))


def summary_text(s: Summary) -> str:
    p, c, zh = s.paper, s.content, s.lang == "zh"
    heads = (
        ("一句话总结", "要点", "背景", "已有工作及其问题", "方法", "结果", "结论")
        if zh
        else (
            "TL;DR",
            "Key takeaways",
            "Background",
            "Prior work and its problem",
            "Method",
            "Results",
            "Conclusion",
        )
    )
    lines = [
        p.title,
        f"{authors_line(p, 6)} · {p.published_label} · {p.url or p.id}",
        "",
        f"{heads[0]}: {c.tldr}",
        "",
        f"{heads[1]}:",
    ]
    lines += [f"  - {t}" for t in c.takeaways]
    a = c.analysis
    for h, body in zip(
        heads[2:], (a.background, a.prior_work, a.method, a.results, a.conclusion), strict=True
    ):
        lines += ["", f"{h}: {body}"]
    note = f"provider: {s.provider}" + (" (cached)" if s.cached else "")
    if s.fallback:
        note += f" (fell back to extractive: {s.fallback_reason})"
    if not s.translated:
        note += " — 没有配置语言模型，无法翻译：以上为英文原文摘录" if zh else " — not translated"
    return terminal_text("\n".join([*lines, "", note]))


def json_text(text: str) -> str:
    """A JSON document with every character a terminal would act on written as a JSON escape."""
    return _JSON_RAW.sub(_json_escape, text)


def emit(obj: Any) -> None:
    """One JSON document on stdout (what --json prints), with no character a terminal would act on."""
    print(json_text(json.dumps(obj, ensure_ascii=False, default=str)))
