"""Rich rendering for a terminal: search results as a table, `stats` and `check` as panels, digests as cards.

Used only when standard output is a terminal (:func:`terminal_console`); a pipe gets the plain text of
cli/text.py and cli/sections.py, unchanged, so scripts keep working. Every string reaches rich as a
:class:`rich.text.Text` built from :func:`index.text.terminal_text`: rich never parses a stored title as
markup, and no stored field can carry an escape sequence to the screen.
"""

from __future__ import annotations

import os
from typing import TextIO

from rich import box
from rich.console import Console, ConsoleRenderable, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cli.sections import Section
from cli.text import authors_line, match_label
from index.digests.export import provenance
from index.models import Digest, SearchHit
from index.text import terminal_text


def terminal_console(stream: TextIO) -> Console | None:
    """A rich console writing to ``stream`` when it is a terminal (and TERM is not 'dumb'), else None."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return None
    if not tty or os.environ.get("TERM") == "dumb":
        return None
    return Console(file=stream, highlight=False, emoji=False, markup=False)


def _t(text: str, style: str = "") -> Text:
    return Text(terminal_text(text), style=style)


def hits_table(hits: list[SearchHit]) -> Table:
    """Rank, relevance, the paper (title; id and authors; link), venue, date and whether it links code."""
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=True, header_style="bold", leading=1)
    t.add_column("#", justify="right", style="dim", no_wrap=True)
    t.add_column("Relevance", justify="right", no_wrap=True)
    t.add_column("Paper", ratio=1, min_width=24, overflow="fold")
    t.add_column("Venue", max_width=18)
    t.add_column("Date", no_wrap=True)
    t.add_column("Code", justify="center", no_wrap=True)
    for h in hits:
        p = h.paper
        cell = _t(p.title, "bold")
        cell.append_text(_t(f"\n{p.id} · {authors_line(p, 3)}", "dim"))
        if p.url:
            cell.append_text(_t(f"\n{p.url}", "cyan"))
        strong = h.relevance is not None and h.relevance >= 50
        t.add_row(
            str(h.rank),
            _t(match_label(h), "green" if strong else ""),
            cell,
            _t(p.venue or "–"),
            _t(p.published_label or "–"),
            Text("✓", style="green") if p.has_code else _t("–", "dim"),
        )
    return t


def sections_view(sections: list[Section]) -> Group:
    """Each section as a panel of aligned label/value rows."""
    panels = []
    for head, rows in sections:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(_t(label), _t(value))
        panels.append(Panel(grid, title=_t(head, "bold"), title_align="left", box=box.ROUNDED, expand=False))
    return Group(*panels)


def check_view(papers: int, problems: list[str], sections: list[Section]) -> Group:
    """The check's verdict (a green tick, or each problem in red), then its sections."""
    if problems:
        head = _t(f"✗ {papers} papers: {len(problems)} problem(s)", "bold red")
        body: list[ConsoleRenderable] = [head, *(_t(f"  • {p}", "red") for p in problems)]
    else:
        body = [_t(f"✓ {papers} papers; store and indexes agree, database intact", "bold green")]
    return Group(*body, sections_view(sections))


def digest_view(d: Digest) -> Group:
    """A digest as a heading and one card per paper: authors, provenance, link, TL;DR and takeaways."""
    parts: list[ConsoleRenderable] = [
        _t(f"{d.topic} — {d.date.isoformat()} · {d.total_new} new papers", "bold underline")
    ]
    if not d.entries:
        why = "; ".join(x for x in (d.note, d.empty_reason) if x)
        parts.append(_t(f"No new {d.topic} papers." + (f" ({why})" if why else ""), "yellow"))
    for i, e in enumerate(d.entries, 1):
        p = e.paper
        body = _t(p.title, "bold")
        body.append_text(_t(f"\n{authors_line(p, 6)}\n{provenance(e)}", "dim"))
        if p.url:
            body.append_text(_t(f"\n{p.url}", "cyan"))
        body.append_text(_t("\n\nTL;DR ", "bold"))
        body.append_text(_t(e.tldr))
        for take in e.takeaways:
            body.append_text(_t(f"\n  • {take}"))
        parts.append(Panel(body, title=_t(str(i), "bold"), title_align="left", box=box.ROUNDED))
    return Group(*parts)
