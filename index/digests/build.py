"""build_digest(index, summarizer, topic, day) -> Digest: a pure function of the store (no Discord), shared by
the bot's scheduled posts and previews, the terminal session, the API and the exports (digests/export.py)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from index.answers.summarize import Summarizer
from index.digests.schedule import ArxivCalendar
from index.errors import ConfigError, PaperNotFoundError
from index.models import Digest, DigestEntry, Filters, Paper
from index.paperindex import PaperIndex
from index.topics import Topic, find_topic

log = logging.getLogger(__name__)

FEEDBACK_WEIGHT = 0.3


# Where a paper came from, as a digest names it.
_VENUE_SOURCES = {"cvf": "proceedings", "openreview": "OpenReview", "miccai": "proceedings"}
_SERVERS = {"medrxiv": "medRxiv", "biorxiv": "bioRxiv", "arxiv": "arXiv", "arxiv-snapshot": "arXiv snapshot"}


def origin_of(p: Paper, added: bool) -> str:
    """'arXiv', 'CVPR 2024 proceedings', 'arXiv · CVPR 2024' (a preprint a proceedings page named) or
    'imported: cvpr2020-medical-zh' (the list it was imported from)."""
    if p.source in _VENUE_SOURCES:
        return f"{p.venue} {_VENUE_SOURCES[p.source]}" if p.venue else _VENUE_SOURCES[p.source]
    if p.source in _SERVERS:
        name = _SERVERS[p.source]
        return f"{name} · {p.venue}" if added and p.venue else name
    return "imported" if p.source == "import" else f"imported: {p.source}"


def _window(day: date, days: int) -> tuple[datetime, datetime]:
    """The UTC times of the ``days`` days ending on ``day``: [first day 00:00, the day after 00:00)."""
    start = datetime.combine(day - timedelta(days=days - 1), time(), tzinfo=UTC)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def candidates(index: PaperIndex, topic: Topic, day: date, days: int) -> list[tuple[int, Paper]]:
    """The topic's papers new in the ``days`` days ending on ``day``: published then (arXiv's announcements),
    or filed under the topic then by an import or a venue fetch (a group's list, a conference's papers),
    whatever their publication date."""
    return [(r, p) for r, p, _ in _candidates(index, topic, day, days)]


def _candidates(index: PaperIndex, topic: Topic, day: date, days: int) -> list[tuple[int, Paper, bool]]:
    """As :func:`candidates`, each with True when it is there because it was added (not published) then."""
    rowids = index.filter_rowids(Filters(topic=topic.name, since=day - timedelta(days=days - 1), until=day))
    added = [r for r in index.added_to_topic(topic.name, *_window(day, days)) if r not in rowids]
    papers = index.get_by_rowids(sorted({*rowids, *added}))
    # A year-only or month-only date says nothing about the day: such a paper is never "published on" a digest's
    # date (it is new when it is added).
    out = [
        (r, papers[r], False) for r in sorted(rowids) if r in papers and papers[r].published_precision == 3
    ]
    # An arXiv paper filed late (an ingest reaching back) is not new; one a venue fetch named is.
    return out + [
        (r, p, True) for r in added if (p := papers.get(r)) is not None and (p.source != "arxiv" or p.venue)
    ]


def why_empty(index: PaperIndex, topic: Topic, day: date, days: int) -> str:
    """Why a topic's digest for a date lists nothing: what was added when, and when arXiv was last read."""
    start, _ = _window(day, days)
    last_run = index.topic_last_run(topic.name)
    fetched = last_run.date().isoformat() if last_run else "never"
    span = day.isoformat() if days == 1 else f"{start.date().isoformat()}..{day.isoformat()}"
    return (
        f"no papers published on {span} or added to topic {topic.name!r} since {start.date().isoformat()}; "
        f"last arXiv fetch {fetched}"
    )


def rank(
    index: PaperIndex, topic: Topic, rows: list[tuple[int, Paper]], feedback: dict[str, int] | None = None
) -> list[tuple[Paper, float]]:
    """Relevance to the topic's description, nudged towards papers like the ones this channel liked."""
    if not rows:
        return []
    vecs = index.english_vectors([r for r, _ in rows])
    topic_vec = index.query_embedder.encode([topic.ranking_text()])[0]
    liked = disliked = None
    if feedback:
        rid = {pid: got[0] for pid in feedback if (got := index.get(pid))}
        fvecs = index.english_vectors(list(rid.values()))
        up = [fvecs[rid[p]] for p, v in feedback.items() if v > 0 and rid.get(p) in fvecs]
        down = [fvecs[rid[p]] for p, v in feedback.items() if v < 0 and rid.get(p) in fvecs]
        liked = np.vstack(up) if up else None
        disliked = np.vstack(down) if down else None
    scored = []
    for r, p in rows:
        v = vecs.get(r)
        if v is None:
            v = index.embedder.encode([p.embed_text()])[0]
        s = float(v @ topic_vec)
        if liked is not None:
            s += FEEDBACK_WEIGHT * float(np.max(liked @ v))
        if disliked is not None:
            s -= FEEDBACK_WEIGHT * float(np.max(disliked @ v))
        scored.append((p, s))
    return sorted(scored, key=lambda x: (-x[1], x[0].id))


def build_digest(
    index: PaperIndex,
    summarizer: Summarizer,
    topic: Topic,
    day: date,
    *,
    days: int = 1,
    exclude: set[str] | None = None,
    feedback: dict[str, int] | None = None,
    max_shown: int = 5,
    max_entries: int | None = None,
    summarize_rest: bool = True,
    lang: str = "en",
    calendar: ArxivCalendar | None = None,
) -> Digest:
    """The digest of a topic for a date.

    Args:
        index: the paper index.
        summarizer: writes each entry's TL;DR and takeaways.
        topic: the topic (its description ranks the papers).
        day: the digest date.
        days: how many days of publications, ending on ``day``, the digest covers.
        exclude: paper ids already posted where this digest goes (never posted twice).
        feedback: paper id -> net votes in that channel (re-ranks).
        max_shown: papers in the post itself; the rest go to ``Digest.rest``.
        max_entries: at most this many papers in all (the most relevant); ``total_new`` still counts all.
        summarize_rest: False builds only the shown entries (a preview pays for no summary it won't show).
        lang: summary language, 'en' or 'zh'.
        calendar: arXiv's announcement calendar (default: the bundled holidays).
    """
    cal = calendar or ArxivCalendar()
    found = [(r, p, a) for r, p, a in _candidates(index, topic, day, days) if p.id not in (exclude or set())]
    was_added = {p.id: a for _, p, a in found}
    ranked = rank(index, topic, [(r, p) for r, p, _ in found], feedback)
    kept = ranked[:max_entries] if max_entries is not None else ranked
    if not summarize_rest:
        kept = kept[:max_shown]
    entries = []
    for p, score in kept:
        s = summarizer.summarize(p.id, lang)
        entries.append(
            DigestEntry(
                paper=p,
                score=round(score, 4),
                tldr=s.content.tldr,
                takeaways=s.content.takeaways,
                summary_provider=s.provider,
                summary_fallback=s.fallback,
                translated=s.translated,
                origin=origin_of(p, was_added.get(p.id, False)),
            )
        )
    return Digest(
        topic=topic.name,
        date=day,
        lang="zh" if lang == "zh" else "en",
        announced=cal.has_announcement(day),
        note=cal.reason(day) or None,
        total_new=len(ranked),
        shown=entries[:max_shown],
        rest=entries[max_shown:],
        empty_reason=None if ranked else why_empty(index, topic, day, days),
    )


def latest_date(index: PaperIndex, topic: Topic) -> date | None:
    """The most recent publication date among the topic's papers."""
    return index.latest_published(topic.name)


def held_topic(index: PaperIndex, topics: list[Topic], name: str) -> Topic:
    """The configured topic of that name, else a topic only imports have filed papers under (an imported list's
    --topic), ranked by its name; an unknown name raises find_topic's ConfigError."""
    try:
        return find_topic(topics, name)
    except ConfigError:
        held = next((t for t in index.topic_counts() if t.lower() == name.strip().lower()), None)
        if held is None:
            raise
        return Topic(name=held, keywords=(held,))


def topic_digest(
    index: PaperIndex,
    summarizer: Summarizer,
    topics: list[Topic],
    name: str,
    day: date | None = None,
    *,
    days: int = 1,
    lang: str = "en",
) -> Digest:
    """The whole digest (no post limit) of a named topic on a date, by default the latest day a paper of it was
    published or filed under it (an import today makes today's digest list it).

    Raises:
        ConfigError: a topic neither configured nor held; PaperNotFoundError: the topic has no papers yet.
    """
    topic = held_topic(index, topics, name)
    added = index.last_added(topic.name)
    known = [d for d in (latest_date(index, topic), added.astimezone(UTC).date() if added else None) if d]
    when = day or (max(known) if known else None)
    if when is None:
        raise PaperNotFoundError(
            f'No papers for topic {topic.name!r} yet: run `paperlens ingest --topic "{topic.name}"`.'
        )
    return build_digest(index, summarizer, topic, when, days=days, lang=lang, max_shown=10_000)
