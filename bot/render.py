"""Pure functions from PaperLens models to Discord embeds and messages.

Every text that came from a paper is escaped (markdown and mentions) and every field is cut to
Discord's limits, so no paper can break a message or ping anyone.
"""

from __future__ import annotations

import re

import discord

from index.links import safe_url
from index.models import Answer, Paper, SearchHit, Summary
from index.topics import Topic
from index.venue import recorded_venue

# Discord's limits on an embed's parts, on all the embeds of one message, and on its number of fields.
TITLE, DESCRIPTION, FIELD_NAME, FIELD_VALUE, FOOTER, AUTHOR, TOTAL, FIELDS = 256, 4096, 256, 1024, 2048, 256, 6000, 25  # fmt: skip
MESSAGE = 2000
MAX_LINK = 400  # a longer link is shown as its label: a card's field holds 1,024 characters
MAX_EMBEDS = 10
NO_MENTIONS = discord.AllowedMentions.none()
COLOR = discord.Colour(0x2B6CB0)


def web_url(url: str | None) -> str | None:
    """``url`` as an embed may carry it (http(s) with a host, Markdown-safe), else None. Discord refuses the
    whole message (400 Invalid Form Body) when an embed url has another scheme; the model already drops
    such links, and this guard keeps one that reached the bot another way (an old row, a model built
    without validation) from costing the whole message."""
    return safe_url(url)


def cut(text: str, limit: int) -> str:
    """Truncate to ``limit`` characters with an ellipsis, between words where one ends near the limit (so a
    figure such as "17.3%" is never cut to "17.")."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - 1)]
    space = head.rfind(" ")
    if space >= 0.6 * limit:
        head = head[:space]
    return head.rstrip(" ,;:") + "…"


def safe(text: str | None, limit: int) -> str:
    """Escape markdown and mentions, then cut (escaping first, so the cut never splits an escape badly)."""
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(" ".join((text or "").split())))
    return cut(escaped, limit)


def link(title: str, url: str | None, limit: int = 300) -> str:
    """A markdown link to an http(s) URL; the bare title for any other link (never a clickable ``javascript:``)."""
    t = safe(title, limit).replace("[", "(").replace("]", ")")
    good = web_url(url)
    return f"[{t}]({good})" if good else t


def authors(p: Paper, limit: int = 3, width: int = 200) -> str:
    """The first authors, cut to ``width``, always keeping the count of the others."""
    a = list(p.authors)
    more = f" +{len(a) - limit}" if len(a) > limit else ""
    return (safe(", ".join(a[:limit]), width - len(more)) + more) or "unknown authors"


def code_link(url: str, limit: int = 80) -> str:
    """A code link as a card shows it: 'github.com/owner/repo' linked to the repository (the label cut to
    ``limit``; a link too long for a card is shown as its label alone)."""
    label = re.sub(r"^https?://(?:www\.)?", "", url, flags=re.I).rstrip("/")
    return link(label, url if len(url) <= MAX_LINK else None, limit)


def badges(p: Paper, origin: str | None = None) -> str:
    """The venue, a 'has code' mark with the first code link, and where a digest's paper came from, in one
    line ('CVPR 2020 · has code: github.com/x/y +1 · from CVPR 2020 proceedings'); '' when there is none."""
    parts = []
    venue = recorded_venue(p)
    if venue:
        parts.append(safe(venue, 120))
    code = p.code_links
    if code:
        more = f" +{len(code) - 1}" if len(code) > 1 else ""
        parts.append(f"has code: {code_link(code[0])}{more}")
    if origin:
        parts.append(f"from {safe(origin, 120)}")
    return " · ".join(parts)


def add_provenance(e: discord.Embed, p: Paper, origin: str | None = None) -> discord.Embed:
    """Add a 'Venue · code · source' field to a paper's card when there is anything to say (a digest entry
    passes its ``origin``); the embed, for chaining."""
    line = badges(p, origin)
    if line and len(e.fields) < FIELDS:
        e.add_field(name="Venue · code · source", value=cut(line, FIELD_VALUE), inline=False)
    return e


def embed_size(e: discord.Embed) -> int:
    return len(e)


def fit(e: discord.Embed) -> discord.Embed:
    """One embed within the 6,000-character total (see :func:`fit_message`)."""
    return fit_message([e])[0]


def fit_message(embeds: list[discord.Embed], floor: int = 200) -> list[discord.Embed]:
    """Make a message's embeds fit Discord together: at most 10, and 6,000 characters across all of them
    (the limit is per message, not per embed). The longest text (a description or a field value) is cut
    first, down to ``floor`` characters, so every section keeps its start; only then are trailing fields
    dropped."""
    embeds = list(embeds[:MAX_EMBEDS])
    while (over := sum(len(e) for e in embeds) - TOTAL) > 0:
        pieces = [(len(e.description or ""), e, -1) for e in embeds]
        pieces += [(len(f.value or ""), e, i) for e in embeds for i, f in enumerate(e.fields)]
        size, e, i = max(pieces, key=lambda p: p[0])
        if size > floor:
            keep = max(floor, size - over)
            if i < 0:
                e.description = cut(e.description or "", keep)
            else:
                f = e.fields[i]
                e.set_field_at(i, name=f.name or "", value=cut(f.value or "", keep), inline=bool(f.inline))
        else:
            victim = max(embeds, key=len)
            if victim.fields:
                victim.remove_field(len(victim.fields) - 1)
            else:
                embeds.remove(victim)
    return embeds


def hits_embed(
    query: str, hits: list[SearchHit], page: int, pages: int, tldrs: dict[str, str]
) -> discord.Embed:
    """One page of search hits: linked title, authors, date, score and a one-line TL;DR each."""
    e = discord.Embed(title=cut(f"Search: {query}", TITLE), colour=COLOR)
    if not hits:
        e.description = "No papers matched. Try other words, or remove filters."
        return e
    for h in hits[:FIELDS]:
        p = h.paper
        date = p.published_label
        name = cut(f"{h.rank}. {p.title}", FIELD_NAME)
        tldr = safe(tldrs.get(p.id, ""), 400)
        match = f"{h.relevance}% match" if h.relevance is not None else f"BM25 {h.score:.1f}"
        line = badges(p)
        # the venue and code line before the TL;DR: a cut to the field's limit takes the TL;DR's end first
        value = f"{link('open', p.url)} · {authors(p)} · {date} · {match}" + (f"\n{line}" if line else "")
        value += f"\n{tldr}"
        e.add_field(name=safe(name, FIELD_NAME), value=cut(value, FIELD_VALUE), inline=False)
    e.set_footer(text=f"page {page + 1}/{pages} · ids: " + cut(", ".join(h.paper.id for h in hits), 1500))
    return fit(e)


def paper_embed(p: Paper, summary: Summary | None = None) -> discord.Embed:
    """A paper's metadata, links, TL;DR and key takeaways."""
    e = discord.Embed(title=safe(p.title, TITLE), url=web_url(p.url), colour=COLOR)
    e.description = safe(summary.content.tldr if summary else p.abstract, 1500)
    e.add_field(name="Authors", value=authors(p, 12), inline=False)
    meta = [f"id `{p.id}`"]
    venue = recorded_venue(p)
    if venue:
        meta.append(venue)
    if p.published:
        meta.append(f"published {p.published_label}")
    if p.categories:
        meta.append(", ".join(p.categories[:5]))
    e.add_field(name="Details", value=safe(" · ".join(meta), FIELD_VALUE), inline=False)
    if p.comment:
        e.add_field(name="Comment", value=safe(p.comment, FIELD_VALUE), inline=False)
    links = " · ".join(
        f"[{n}]({u})" for n, u in (("abs", web_url(p.links.abs)), ("pdf", web_url(p.links.pdf))) if u
    )
    if links:
        e.add_field(name="Links", value=cut(links, FIELD_VALUE), inline=False)
    code = ""
    for u in p.code_links:  # whole links only, as many as the field holds
        shown = code_link(u)
        if len(code) + len(shown) + 3 > FIELD_VALUE:
            break
        code = f"{code} · {shown}" if code else shown
    if code:
        e.add_field(name="Code", value=code, inline=False)
    if summary:
        bullets = "\n".join(f"• {safe(t, 300)}" for t in summary.content.takeaways)
        label = "要点" if summary.lang == "zh" else "Key takeaways"
        e.add_field(name=label, value=cut(bullets, FIELD_VALUE), inline=False)
        e.set_footer(text=_summary_note(summary))
    return fit(e)


def _summary_note(s: Summary) -> str:
    note = f"summary: {s.provider}" + (" (cached)" if s.cached else "")
    if s.fallback:
        note += " · model unavailable, extractive summary"
    if not s.translated:
        note += " · not translated (no language model configured)"
    return cut(note, FOOTER)


def analysis_embed(s: Summary) -> discord.Embed:
    """The full structured analysis of a paper."""
    zh = s.lang == "zh"
    heads = (
        ("背景", "已有工作及其问题", "方法", "结果", "结论")
        if zh
        else ("Background", "Prior work and its problem", "Method", "Results", "Conclusion")
    )
    a = s.content.analysis
    e = discord.Embed(title=safe(s.paper.title, TITLE), url=web_url(s.paper.url), colour=COLOR)
    e.description = safe(s.content.tldr, 1000)
    for h, body in zip(heads, (a.background, a.prior_work, a.method, a.results, a.conclusion), strict=True):
        e.add_field(name=h, value=safe(body, FIELD_VALUE) or "—", inline=False)
    e.set_footer(text=_summary_note(s))
    return fit(e)


def summary_embed(s: Summary) -> discord.Embed:
    e = paper_embed(s.paper, s)
    e.description = safe(s.content.tldr, 1500)
    return e


def answer_embed(a: Answer) -> discord.Embed:
    """A cited answer; sources as numbered links."""
    e = discord.Embed(title=safe(a.question, TITLE), colour=COLOR)
    e.description = safe(a.text, 3000)
    cites = a.citations or []
    if cites:
        label = (
            ("最接近的论文" if a.lang == "zh" else "Nearest papers")
            if a.weak_evidence
            else ("来源" if a.lang == "zh" else "Sources")
        )
        lines = [f"[{c.n}] {link(c.title, c.url, 150)}" for c in cites]
        e.add_field(name=label, value=cut("\n".join(lines), FIELD_VALUE), inline=False)
    note = f"answer: {a.provider}"
    if a.fallback:
        note += " · model unavailable, extractive answer"
    e.set_footer(text=note)
    return fit(e)


def topics_embed(topics: list[Topic], counts: dict[str, int]) -> discord.Embed:
    e = discord.Embed(title="Topics", colour=COLOR)
    for t in topics[:FIELDS]:
        value = f"{counts.get(t.name, 0)} papers\n`{cut(t.arxiv_query(), 900)}`"
        e.add_field(name=safe(t.name, FIELD_NAME), value=cut(value, FIELD_VALUE), inline=False)
    if not topics:
        e.description = "No topics configured."
    return fit(e)


HELP = [
    ("/search query [k] [since] [category] [mode]", "Semantic search over the indexed papers"),
    ("/paper id_or_title [lang]", "A paper's details, TL;DR and takeaways; button for the full analysis"),
    ("/ask question [paper]", "A short answer that cites the papers it came from (English or 中文)"),
    ("/similar paper", "Papers like this one"),
    ("/summary paper [lang]", "TL;DR, key takeaways and a structured analysis"),
    ("/topics", "Configured topics and their arXiv queries"),
    ("/digest subscribe|unsubscribe|list|preview|stats", "Daily topic digests in a channel"),
]


def help_embed(chat: bool) -> discord.Embed:
    e = discord.Embed(title="PaperLens", colour=COLOR, description="Search and discuss research papers.")
    for name, value in HELP:
        e.add_field(name=name, value=value, inline=False)
    if chat:
        e.add_field(
            name="Chat",
            value="Mention me with a question: I answer in a thread and remember the papers "
            "we discussed for follow-ups.",
            inline=False,
        )
    return e


def error_embed(message: str) -> discord.Embed:
    return discord.Embed(title="Sorry", description=safe(message, 2000), colour=discord.Colour.red())


def split_message(text: str, limit: int = MESSAGE) -> list[str]:
    """Split text into messages of at most ``limit`` characters, at line or word boundaries."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        at = rest.rfind("\n", 0, limit)
        if at <= 0:
            at = rest.rfind(" ", 0, limit)
        if at <= 0:
            at = limit
        parts.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        parts.append(rest)
    return parts
