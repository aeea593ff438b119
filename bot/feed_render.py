"""Pure functions from the feed's models to Discord embeds: feed cards with their reasons, preferences with
how to undo each, reading lists, the personal digest and the weekly recap. Paper text is escaped and cut by
bot.render's helpers, so no title can break a message or ping anyone."""

from __future__ import annotations

from datetime import date
from typing import Any

import discord

from bot.render import (
    COLOR,
    FIELD_NAME,
    FIELD_VALUE,
    FIELDS,
    TITLE,
    authors,
    cut,
    fit,
    fit_message,
    link,
    safe,
)
from index.feed import FeedItem, Recap
from index.models import Paper

LIKE, DISLIKE = "👍", "👎"


def card_value(item: FeedItem, topic: str | None = None) -> str:
    """One feed card's body: link, authors, date, topic, and why the paper is there."""
    p = item.paper
    parts = [link("open", p.url)] if p.url else []
    parts += [authors(p)] if p.authors else []
    parts += [p.published_label] if p.published else []
    parts += [safe(topic, 80)] if topic else []
    parts.append(f"`{p.id}`")
    return cut(f"{' · '.join(parts)}\n**Why:** {safe(item.reason.text, 400)}", FIELD_VALUE)


def feed_embed(title: str, items: list[tuple[str, FeedItem]], empty: str) -> discord.Embed:
    """Ranked cards (topic, item), best first, each with its reason."""
    e = discord.Embed(title=cut(title, TITLE), colour=COLOR)
    if not items:
        e.description = empty
        return e
    for i, (topic, item) in enumerate(items[:FIELDS], start=1):
        e.add_field(
            name=safe(f"{i}. {item.paper.title}", FIELD_NAME), value=card_value(item, topic), inline=False
        )
    e.set_footer(text="/like or /dislike a paper id to teach your feed · /prefs shows what it knows")
    return fit(e)


def _titled(pid: str, titles: dict[str, str]) -> str:
    return f"{safe(titles.get(pid, pid), 90)} (`{pid}`)"


def _list_field(e: discord.Embed, name: str, lines: list[str], *, empty: str = "none") -> None:
    """A field listing one kind of preference, one per line, cut to Discord's field limit."""
    e.add_field(name=name, value=cut("\n".join(lines) or empty, FIELD_VALUE), inline=False)


def prefs_embed(prefs: dict[str, Any], titles: dict[str, str]) -> discord.Embed:
    """Every preference the feed keeps about a member, each with the command that undoes it."""
    e = discord.Embed(title="What your feed knows about you", colour=COLOR)
    votes = prefs.get("votes") or []
    _list_field(
        e,
        f"Votes ({len(votes)})",
        [
            f"{LIKE if v > 0 else DISLIKE} {_titled(pid, titles)} — undo: `/unvote paper:{pid}`"
            for pid, v in votes
        ],
    )
    follows = prefs.get("follows") or []
    _list_field(
        e,
        f"Followed authors ({len(follows)})",
        [f"{safe(a, 80)} — undo: `/unfollow author person:{a}`" for a in follows],
    )
    mutes = prefs.get("mutes") or []
    _list_field(
        e, f"Muted keywords ({len(mutes)})", [f"{safe(k, 80)} — undo: `/unmute keyword:{k}`" for k in mutes]
    )
    reading = prefs.get("reading") or []
    _list_field(
        e,
        f"Your reading list ({len(reading)})",
        [f"{_titled(pid, titles)} — undo: `/read done paper:{pid} personal:True`" for pid in reading],
        empty="empty",
    )
    on = bool(prefs.get("digest"))
    e.add_field(
        name="Personal digest by DM",
        value="on — undo: `/dmdigest off`" if on else "off — turn on: `/dmdigest on`",
        inline=False,
    )
    e.set_footer(text="/prefs forget:True removes all of it")
    return fit(e)


def reading_embed(title: str, papers: list[Paper], empty: str) -> discord.Embed:
    e = discord.Embed(title=cut(title, TITLE), colour=COLOR)
    lines = [f"{i}. {link(p.title, p.url, 150)} · `{p.id}`" for i, p in enumerate(papers, start=1)]
    e.description = cut("\n".join(lines), 4000) if lines else empty
    return e


def personal_digest_embed(day: date, digest: dict[str, list[FeedItem]], marker: str) -> discord.Embed:
    """A member's daily digest: the best new papers of each topic they vote in, with reasons."""
    e = discord.Embed(title=f"Your papers for {day.isoformat()}", colour=COLOR)
    n = 0
    for topic, items in digest.items():
        for item in items:
            if n >= FIELDS:
                break
            n += 1
            e.add_field(
                name=safe(f"{n}. {item.paper.title}", FIELD_NAME), value=card_value(item, topic), inline=False
            )
    e.set_footer(text=f"{marker} · /dmdigest off to stop")
    return fit(e)


def recap_embeds(r: Recap, papers: dict[str, Paper]) -> list[discord.Embed]:
    """The week's themes (each an extractive synthesis citing [n]), most-👍 papers, sources and reading list."""
    head = discord.Embed(title=cut(f"Weekly recap: {r.topic}", TITLE), colour=COLOR)
    head.description = f"{r.start.isoformat()} – {r.end.isoformat()} · " + (
        f"{sum(len(g.paper_ids) for g in r.groups)} papers in {len(r.groups)} themes"
        if r.groups
        else "no papers this week"
    )
    for g in r.groups[: FIELDS - 2]:
        liked = ", ".join(
            f"{_titled(pid, {pid: papers[pid].title} if pid in papers else {})} {LIKE}{n}"
            for pid, n in g.top_liked
        )
        value = safe(g.synthesis, 600) + (f"\n**Most {LIKE}:** {liked}" if liked else "")
        head.add_field(
            name=safe(f"{g.label} ({len(g.paper_ids)} papers)", FIELD_NAME),
            value=cut(value, FIELD_VALUE),
            inline=False,
        )
    if r.reading:
        lines = [_titled(pid, {pid: papers[pid].title} if pid in papers else {}) for pid in r.reading]
        head.add_field(name="Reading list", value=cut("\n".join(lines), FIELD_VALUE), inline=False)
    out = [fit(head)]
    if r.citations:
        src = discord.Embed(title="Sources", colour=COLOR)
        lines = [
            f"[{n}] {link(papers[pid].title, papers[pid].url, 150) if pid in papers else pid}"
            for n, pid in sorted(r.citations.items())
        ]
        src.description = cut("\n".join(lines), 4000)
        out.append(src)
    return fit_message(out)


def embed_text(embeds: list[discord.Embed]) -> str:
    """What a member reads in these embeds, as plain text (for examples and logs)."""
    parts: list[str] = []
    for e in embeds:
        d = e.to_dict()
        parts += [x for x in (d.get("title"), d.get("description")) if x]
        for f in d.get("fields", []):
            parts += [f"\n{f['name']}", f["value"]]
        if d.get("footer"):
            parts.append(f"— {d['footer']['text']}")
        parts.append("")
    return "\n".join(parts)
