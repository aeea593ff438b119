"""build_digest(index, summarizer, topic, day) -> Digest: a pure function of the store (no Discord), shared by
the bot's scheduled posts and previews, the terminal session, the API and the exports (digests/export.py)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np

from index.answers.summarize import Summarizer
from index.digests.schedule import ArxivCalendar
from index.errors import PaperNotFoundError
from index.models import Digest, DigestEntry, Filters, Paper
from index.paperindex import PaperIndex
from index.topics import Topic, find_topic

log = logging.getLogger(__name__)

FEEDBACK_WEIGHT = 0.3


def candidates(index: PaperIndex, topic: Topic, day: date, days: int) -> list[tuple[int, Paper]]:
    """The topic's papers published in the ``days`` days ending on ``day``."""
    rowids = index.store.filter_rowids(
        Filters(topic=topic.name, since=day - timedelta(days=days - 1), until=day)
    )
    papers = index.store.get_by_rowids(sorted(rowids))
    # A year-only date says nothing about the day: such a paper is never "new on" a digest's date.
    return [(r, papers[r]) for r in sorted(papers) if not papers[r].published_year_only]


def rank(
    index: PaperIndex, topic: Topic, rows: list[tuple[int, Paper]], feedback: dict[str, int] | None = None
) -> list[tuple[Paper, float]]:
    """Relevance to the topic's description, nudged towards papers like the ones this channel liked."""
    if not rows:
        return []
    dim = index.vector_dim("dense")
    vecs = index.store.vectors("vector", [r for r, _ in rows], dim)
    topic_vec = index.query_embedder.encode([topic.ranking_text()])[0]
    liked = disliked = None
    if feedback:
        rid = {pid: got[0] for pid in feedback if (got := index.store.get(pid))}
        fvecs = index.store.vectors("vector", list(rid.values()), dim)
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
    rows = [(r, p) for r, p in candidates(index, topic, day, days) if p.id not in (exclude or set())]
    ranked = rank(index, topic, rows, feedback)
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
    )


def latest_date(index: PaperIndex, topic: Topic) -> date | None:
    """The most recent publication date among the topic's papers."""
    return index.store.latest_published(topic.name)


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
    """The whole digest (no post limit) of a named topic on a date, by default its latest publication date.

    Raises:
        ConfigError: unknown topic; PaperNotFoundError: the topic has no papers yet.
    """
    topic = find_topic(topics, name)
    when = day or latest_date(index, topic)
    if when is None:
        raise PaperNotFoundError(
            f'No papers for topic {topic.name!r} yet: run `paperlens ingest --topic "{topic.name}"`.'
        )
    return build_digest(index, summarizer, topic, when, days=days, lang=lang, max_shown=10_000)
