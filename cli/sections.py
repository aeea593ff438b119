"""What `stats`, `check` and the session's `digest` show, as named sections of labelled lines.

One structure, two renderings: :func:`sections_text` writes it as stable plain text (what a pipe or a script
reads) and cli/render.py draws it with rich on a terminal. Every value passes
:func:`index.text.terminal_text`; none is a Python repr.
"""

from __future__ import annotations

from typing import Any

from cli.text import authors_line
from index.digests.export import provenance, untranslated_note
from index.models import Digest
from index.text import terminal_text

Section = tuple[str, list[tuple[str, str]]]


def size_label(n: int) -> str:
    """Bytes as a person reads them: '467 KiB', '1.2 GiB'."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n:,} bytes" if unit == "bytes" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1024
    return f"{n:,} bytes"  # pragma: no cover - the loop always returns


def value_label(v: Any) -> str:
    """Any stats value as one line: a mapping as 'a: 1, b: 2', a list joined, nothing as '–'."""
    if v is None:
        return "–"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {value_label(x)}" for k, x in v.items()) or "–"
    if isinstance(v, list | tuple):
        return ", ".join(value_label(x) for x in v) or "–"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


_SHOWN = {"papers", "vectors", "multilingual_vectors", "index_type", "backend", "data_dir", "disk_bytes"}
_SHOWN |= {"model", "dim", "encoder_paths", "embed_dtype_setting", "dtype", "cpu", "topics"}


def stats_sections(st: dict[str, Any]) -> list[Section]:
    """`paperlens stats` as sections: the index, how it embeds, its topics (and any other field, as is)."""
    paths = st.get("encoder_paths") or {}
    multi = st.get("multilingual_vectors")
    index = [
        ("papers", value_label(st.get("papers"))),
        ("vectors", value_label(st.get("vectors"))),
        ("multilingual vectors", "off" if multi is None else value_label(multi)),
        ("index type", value_label(st.get("index_type"))),
        ("backend", value_label(st.get("backend"))),
        ("data directory", value_label(st.get("data_dir"))),
    ]
    if isinstance(st.get("disk_bytes"), int):
        index.append(("on disk", size_label(st["disk_bytes"])))
    embedding = [
        ("model", f"{value_label(st.get('model'))} ({value_label(st.get('dim'))} dimensions)"),
        ("documents", value_label(paths.get("documents", st.get("dtype")))),
        ("queries", value_label(paths.get("queries"))),
        ("dtype setting", value_label(st.get("embed_dtype_setting"))),
        ("CPU", value_label(st.get("cpu"))),
    ]
    topics = st.get("topics") or {}
    out: list[Section] = [
        ("Index", index),
        ("Embedding", embedding),
        ("Topics", [(name, f"{n:,} papers") for name, n in topics.items()] or [("none", "no topic filed")]),
    ]
    other = [(k.replace("_", " "), value_label(v)) for k, v in st.items() if k not in _SHOWN]
    if other:
        out.append(("Other", other))
    return out


def check_sections(state: dict[str, Any]) -> list[Section]:
    """`paperlens check` beyond its verdict: each index against the store."""
    rows = []
    for name, label in (("dense", "dense index"), ("multi", "multilingual index")):
        part = state.get(name)
        if part is not None:
            agrees = "agrees with the store" if part.get("agree") else "does not match the store"
            rows.append((label, f"{value_label(part.get('vectors'))} vectors, {agrees}"))
    rows.append(("duplicate rows", value_label(state.get("duplicate_ids") or "none")))
    return [("Indexes", rows)]


def check_verdict(papers: int, problems: list[str]) -> str:
    """The first line of `paperlens check` (scripts read it): agreement, or the problems one per line."""
    if not problems:
        return f"{papers} papers; store and indexes agree, database intact"
    return f"{papers} papers; problems:\n  " + "\n  ".join(problems)


def sections_text(sections: list[Section]) -> str:
    """Sections as plain text: a heading, then '  label   value' lines aligned within the section."""
    blocks = []
    for head, rows in sections:
        width = max((len(k) for k, _ in rows), default=0)
        blocks.append("\n".join([head, *(f"  {k:<{width}}  {v}" for k, v in rows)]))
    return terminal_text("\n\n".join(blocks))


def digest_text(d: Digest) -> str:
    """A digest to read in the terminal session: a heading, then per paper its title, authors, where it
    comes from, its link, TL;DR and takeaways (`paperlens digest` exports the Markdown and YAML)."""
    lines = [f"{d.topic} — {d.date.isoformat()} · {d.total_new} new papers"]
    untranslated = sum(not e.translated for e in d.entries)
    if untranslated:
        lines.append(untranslated_note(untranslated, len(d.entries)).removeprefix("> "))
    if not d.entries:
        why = "; ".join(x for x in (d.note, d.empty_reason) if x)
        lines.append(f"No new {d.topic} papers." + (f" ({why})" if why else ""))
    for i, e in enumerate(d.entries, 1):
        p = e.paper
        lines += ["", f"{i}. {p.title}", f"   {authors_line(p, 6)}", f"   {provenance(e)}"]
        if p.url:
            lines.append(f"   {p.url}")
        lines.append(f"   TL;DR: {e.tldr}")
        lines += [f"   - {t}" for t in e.takeaways]
    return terminal_text("\n".join(lines))
