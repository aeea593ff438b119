"""Taste: rank a topic's papers for one member (or one channel) from the embeddings the store already keeps.

A pure function of vectors, so rankings are exact under a fake embedder. Each component is a z-score over
the candidates, so they add up on one scale whatever the embedding model's cosine range:

- topic: cosine to the topic's description (what the unpersonalised digest ranks by);
- taste: Rocchio with a kNN term: cosine to the direction from the candidates' mean towards the liked
  papers' mean, plus the cosine to the nearest liked paper, minus a share of the cosine to the nearest
  disliked one;
- seeds: cosine to the nearest seed paper of the topic (or channel);
- author: a fixed boost for a paper by a followed author.

At cold start (no votes, no seeds) only the topic term is left: the feed is the topic ranking. Muted
keywords remove a paper; papers the member voted on, and the seeds themselves, are not shown again.
Every item's reason names the component that added most to its score, and the paper or author behind it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from index.feed.store import _key, author_key
from index.models import Paper

# Chosen on the dev half of lab/data/feed's subjects (scripts/eval_feed.py --split dev), never on the test half.
W_TOPIC_WARM = 0.2  # the topic keeps a say once the member has votes (0 scored 4 points better on dev)
W_TASTE = 1.0
W_SEED = 0.6
W_AUTHOR = 3.0  # an explicit follow outweighs any similarity (about 3 standard deviations)
DISLIKE_SHARE = 0.5

ReasonKind = Literal["liked", "author", "seed", "topic"]


class Reason(BaseModel):
    """Why a paper is in the feed: the largest personal contribution to its score, or the topic itself."""

    model_config = ConfigDict(frozen=True)

    kind: ReasonKind
    text: str
    paper_id: str | None = None
    title: str | None = None
    author: str | None = None
    contributions: dict[str, float] = {}


class FeedItem(BaseModel):
    """One ranked paper of a feed."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    score: float
    reason: Reason


@dataclass(frozen=True)
class Examples:
    """Papers that teach the ranking (liked, disliked or seed papers): ids, titles and unit vectors."""

    ids: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Taste:
    """What one member (or a channel) told the feed."""

    liked: Examples = Examples()
    disliked: Examples = Examples()
    seeds: Examples = Examples()
    follows: dict[str, str] = field(default_factory=dict)  # author key -> name as written
    mutes: dict[str, str] = field(default_factory=dict)  # keyword key -> keyword as written

    @property
    def cold(self) -> bool:
        return not (len(self.liked) or len(self.disliked) or len(self.seeds))


def zscore(x: np.ndarray) -> np.ndarray:
    """Centred and scaled over the candidates (all zeros when every candidate scores alike)."""
    if x.size == 0:
        return x
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else v


def muted_by(paper: Paper, mutes: dict[str, str]) -> str | None:
    """The muted keyword (as the member wrote it) that the paper's title or abstract holds, if any."""
    if not mutes:
        return None
    text = f" {_key(paper.title + ' ' + paper.abstract)} "
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    text = f" {' '.join(text.split())} "
    for key, word in mutes.items():
        if f" {' '.join(re.sub(r'[^a-z0-9 ]', ' ', key).split())} " in text:
            return word
    return None


def followed_author(paper: Paper, follows: dict[str, str]) -> str | None:
    """The first of the paper's authors the member follows (as the member wrote the name), if any."""
    for a in paper.authors:
        name = follows.get(author_key(a))
        if name is not None:
            return name
    return None


def rank(
    papers: Sequence[Paper],
    vectors: np.ndarray,
    topic_vec: np.ndarray,
    topic_name: str,
    taste: Taste,
    k: int | None = None,
) -> list[FeedItem]:
    """Rank candidate papers (rows of ``vectors``, unit-length) for one taste; best first, ties by id."""
    shown = set(taste.liked.ids) | set(taste.disliked.ids) | set(taste.seeds.ids)
    keep = [i for i, p in enumerate(papers) if p.id not in shown and muted_by(p, taste.mutes) is None]
    if not keep:
        return []
    cand = [papers[i] for i in keep]
    V = np.asarray(vectors, dtype=np.float32)[keep]
    parts: dict[str, np.ndarray] = {}
    warm = len(taste.liked) + len(taste.disliked) > 0
    parts["topic"] = (W_TOPIC_WARM if warm or len(taste.seeds) else 1.0) * zscore(V @ topic_vec)
    nearest: np.ndarray | None = None
    if warm:
        raw = np.zeros(len(cand), dtype=np.float32)
        if len(taste.liked):
            sims = V @ taste.liked.vectors.T
            nearest = sims.argmax(axis=1)
            direction = _unit(taste.liked.vectors.mean(axis=0) - V.mean(axis=0))
            raw += sims.max(axis=1) + V @ direction
        if len(taste.disliked):
            raw -= DISLIKE_SHARE * (V @ taste.disliked.vectors.T).max(axis=1)
        parts["taste"] = W_TASTE * zscore(raw)
    seed_near: np.ndarray | None = None
    if len(taste.seeds):
        sims = V @ taste.seeds.vectors.T
        seed_near = sims.argmax(axis=1)
        parts["seed"] = W_SEED * zscore(sims.max(axis=1))
    authors = [followed_author(p, taste.follows) for p in cand]
    if any(authors):
        parts["author"] = np.array([W_AUTHOR if a else 0.0 for a in authors], dtype=np.float32)
    total = sum(parts.values())
    assert isinstance(total, np.ndarray)
    order = sorted(range(len(cand)), key=lambda i: (-float(total[i]), cand[i].id))
    items = []
    for i in order[: k if k is not None else len(order)]:
        contrib = {name: round(float(v[i]), 4) for name, v in parts.items()}
        items.append(
            FeedItem(
                paper=cand[i],
                score=round(float(total[i]), 4),
                reason=_reason(i, contrib, taste, topic_name, authors[i], nearest, seed_near),
            )
        )
    return items


def _reason(
    i: int,
    contrib: dict[str, float],
    taste: Taste,
    topic_name: str,
    author: str | None,
    nearest: np.ndarray | None,
    seed_near: np.ndarray | None,
) -> Reason:
    """The personal component that added most to this paper's score; the topic when none added anything."""
    personal = {k: v for k, v in contrib.items() if k != "topic" and v > 0}
    best = max(personal, key=lambda k: (personal[k], k)) if personal else "topic"
    if best == "author" and author:
        return Reason(
            kind="author", text=f"by {author}, whom you follow", author=author, contributions=contrib
        )
    if best == "taste" and nearest is not None:
        j = int(nearest[i])
        pid, title = taste.liked.ids[j], taste.liked.titles[j]
        return Reason(
            kind="liked", text=f"like '{title}' you 👍", paper_id=pid, title=title, contributions=contrib
        )
    if best == "seed" and seed_near is not None:
        j = int(seed_near[i])
        pid, title = taste.seeds.ids[j], taste.seeds.titles[j]
        return Reason(
            kind="seed",
            text=f"matches your topic's seed paper '{title}'",
            paper_id=pid,
            title=title,
            contributions=contrib,
        )
    return Reason(kind="topic", text=f"new in your topic '{topic_name}'", contributions=contrib)
