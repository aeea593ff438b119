"""Weekly recap of a topic: the week's papers grouped by theme, each group a short extractive synthesis.

Groups come from k-means on the stored vectors (k-means++ start, fixed seed: the same week always gives the
same groups). A group's synthesis is one sentence from each of its papers nearest the group's centre: the
sentence (by index.answers.sentences) closest to that centre, each citing its paper as [n]; numbers map to
paper ids in ``Recap.citations``. Nothing is written by a language model. Each group also names its
most-👍 papers, and the recap carries the channel's reading list.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict

from index.answers.sentences import is_boilerplate, split_sentences
from index.feed.feed import Feed
from index.models import Filters, Paper
from index.topics import Topic

MAX_GROUPS = 6
SENTENCES_PER_GROUP = 3
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{3,}")
_STOP_WORDS = (
    "with from that this these their based using via into over under between through towards toward while "
    "paper method methods approach model models framework network networks novel propose proposed results "
    "learning deep image images medical data task tasks performance state-of-the-art"
)
_STOP = frozenset(_STOP_WORDS.split())


class RecapGroup(BaseModel):
    """One theme of the week."""

    model_config = ConfigDict(frozen=True)

    label: str
    paper_ids: list[str]
    synthesis: str
    cited: list[int]
    top_liked: list[tuple[str, int]]


class Recap(BaseModel):
    """A topic's week: themes, the citations they use, and the reading list."""

    model_config = ConfigDict(frozen=True)

    topic: str
    start: date
    end: date
    groups: list[RecapGroup]
    citations: dict[int, str]
    reading: list[str]


def kmeans(x: np.ndarray, k: int, seed: int = 0, iters: int = 50) -> np.ndarray:
    """Cluster labels of the rows of ``x`` (unit vectors) into ``k`` groups; deterministic for a seed."""
    n = len(x)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    centres = [x[int(rng.integers(n))]]
    for _ in range(1, k):
        d = np.min([1.0 - x @ c for c in centres], axis=0).clip(min=0)
        total = float(d.sum())
        centres.append(x[int(rng.choice(n, p=d / total))] if total > 1e-12 else x[int(rng.integers(n))])
    c = np.vstack(centres)
    labels = np.zeros(n, dtype=int)
    for _ in range(iters):
        new = (x @ c.T).argmax(axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                m = members.mean(axis=0)
                c[j] = m / (np.linalg.norm(m) or 1.0)
    return labels


def default_groups(n: int) -> int:
    """About one group per five papers, at most MAX_GROUPS."""
    return max(1, min(MAX_GROUPS, math.ceil(n / 5)))


def _label(group: list[Paper], others: list[Paper]) -> str:
    """The group's two most distinctive title words (frequent in its titles, rarer in the other groups')."""

    def words(ps: list[Paper]) -> Counter[str]:
        return Counter(w.lower() for p in ps for w in set(_WORD.findall(p.title)) if w.lower() not in _STOP)

    mine, rest = words(group), words(others)
    ranked = sorted(mine, key=lambda w: (-(mine[w] / len(group) - rest[w] / max(1, len(others))), w))
    return ", ".join(ranked[:2]) or group[0].title


def recap(
    feed: Feed,
    topic: Topic,
    end: date,
    *,
    channel: str | None = None,
    groups: int | None = None,
    seed: int = 0,
) -> Recap:
    """The recap of a topic's papers published in the seven days ending on ``end``."""
    start = end - timedelta(days=6)
    index = feed.index
    rowids = sorted(index.filter_rowids(Filters(topic=topic.name, since=start, until=end)))
    by_row = index.get_by_rowids(rowids)
    rows = [r for r in rowids if r in by_row and not by_row[r].published_year_only]
    reading = feed.reading_ids("channel", channel) if channel else []
    if not rows:
        return Recap(topic=topic.name, start=start, end=end, groups=[], citations={}, reading=reading)
    papers = [by_row[r] for r in rows]
    vecs = feed.vectors(rows, papers)
    labels = kmeans(vecs, groups or default_groups(len(papers)), seed)
    liked = feed.paper_votes([p.id for p in papers], channel)
    citations: dict[int, str] = {}
    out = []
    # Groups in order of size, then of their first paper id, so numbering is stable.
    order = sorted(
        set(labels.tolist()),
        key=lambda j: (-int((labels == j).sum()), min(papers[i].id for i in np.where(labels == j)[0])),
    )
    for j in order:
        idx = [int(i) for i in np.where(labels == j)[0]]
        centre = vecs[idx].mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        idx.sort(key=lambda i: (-float(vecs[i] @ centre), papers[i].id))
        parts, cited = [], []
        for i in idx[:SENTENCES_PER_GROUP]:
            sentence = _closest_sentence(feed, papers[i], centre)
            if sentence is None:
                continue
            n = len(citations) + 1
            citations[n] = papers[i].id
            cited.append(n)
            parts.append(f"{sentence} [{n}]")
        group_papers = [papers[i] for i in idx]
        ids = [p.id for p in group_papers]
        top = sorted(
            ((p.id, liked[p.id]) for p in group_papers if liked.get(p.id)), key=lambda t: (-t[1], t[0])
        )
        out.append(
            RecapGroup(
                label=_label(group_papers, [p for p in papers if p.id not in set(ids)]),
                paper_ids=ids,
                synthesis=" ".join(parts),
                cited=cited,
                top_liked=top[:3],
            )
        )
    return Recap(topic=topic.name, start=start, end=end, groups=out, citations=citations, reading=reading)


def _closest_sentence(feed: Feed, paper: Paper, centre: np.ndarray) -> str | None:
    """The paper's abstract sentence nearest the group's centre (links and code notes left out)."""
    sentences = [s for s in split_sentences(paper.abstract) if not is_boilerplate(s) and len(s.split()) >= 5]
    if not sentences:
        return None
    vecs = feed.index.embedder.encode(sentences)
    return sentences[int(np.argmax(vecs @ centre))]
