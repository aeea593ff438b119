"""Feed: the front door the bot, the command line and the HTTP API call (one object per PaperIndex).

It resolves what a member names (an arXiv id, a URL, a title) to stored papers, records votes and
preferences in the :class:`~index.feed.store.FeedStore`, and ranks a topic's papers with
:func:`index.feed.taste.rank` from the vectors the store already keeps (nothing is re-embedded except a
paper that has no stored vector, and the topic's description).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import numpy as np

from index.feed.store import FeedStore, OwnerKind
from index.feed.taste import Examples, FeedItem, Taste, rank
from index.models import Filters, Paper
from index.paperindex import PaperIndex
from index.topics import Topic

log = logging.getLogger(__name__)


class Feed:
    """A personal (or channel) feed over one paper index."""

    def __init__(self, index: PaperIndex, store: FeedStore | None = None) -> None:
        self.index = index
        self.store = store or FeedStore(index.store)  # the feed's tables live in the index's database

    # ----- a member's preferences (checked and normalised by the store) -----
    def follow(self, member: str, author: str) -> bool:
        """Follow an author (their papers rank higher in the member's feed); False if already followed."""
        return self.store.follow(member, author)

    def unfollow(self, member: str, author: str) -> bool:
        """Stop following an author; False if the member did not follow them."""
        return self.store.unfollow(member, author)

    def mute(self, member: str, keyword: str) -> bool:
        """Hide papers with a keyword from the member's feed; False if already muted."""
        return self.store.mute(member, keyword)

    def unmute(self, member: str, keyword: str) -> bool:
        """Show papers with a muted keyword again; False if it was not muted."""
        return self.store.unmute(member, keyword)

    def set_digest(self, member: str, enabled: bool) -> None:
        """Opt a member in to (or out of) the personal digest by direct message."""
        self.store.set_digest(member, enabled)

    def digest_enabled(self, member: str) -> bool:
        """Whether a member receives the personal digest."""
        return self.store.digest_enabled(member)

    def digest_members(self) -> list[str]:
        """Every member who receives the personal digest."""
        return self.store.digest_members()

    def preferences(self, member: str) -> dict[str, Any]:
        """Everything the feed holds about a member (what `/feed prefs` shows)."""
        return self.store.preferences(member)

    def forget(self, member: str) -> int:
        """Delete everything the feed holds about a member; how many records went."""
        return self.store.forget(member)

    # ----- what members say -----
    def vote(self, member: str, ref: str, value: int, *, channel: str = "", topic: str = "") -> Paper:
        """👍 (+1), 👎 (-1) or clear (0) a member's vote on the paper ``ref`` names; returns that paper.

        Raises:
            PaperNotFoundError: ``ref`` names no stored paper (the message says so, fit for users).
        """
        paper = self.index.resolve(ref)
        # A vote cast outside a topic (a /like) counts in the paper's own topic, so the member's digest covers it.
        self.store.vote(member, paper.id, value, channel=channel, topic=topic or next(iter(paper.topics), ""))
        return paper

    def unvote(self, member: str, ref: str) -> bool:
        """Remove a member's vote on a paper named by id, URL or title; False when there was none."""
        return self.store.unvote(member, self.index.resolve(ref).id)

    def seed(self, topic: Topic, ref: str, *, channel: str = "", added_by: str = "") -> Paper:
        """Make a paper a seed example of a topic (for one channel, or everywhere)."""
        paper = self.index.resolve(ref)
        self.store.add_seed(topic.name, paper.id, channel=channel, added_by=added_by)
        return paper

    def unseed(self, topic: Topic, ref: str, *, channel: str = "") -> bool:
        return self.store.remove_seed(topic.name, self.index.resolve(ref).id, channel=channel)

    def add_reading(self, kind: OwnerKind, owner: str, ref: str, added_by: str = "") -> Paper:
        """Put the paper ``ref`` names on a member's or a channel's reading list."""
        paper = self.index.resolve(ref)
        self.store.add_reading(kind, owner, paper.id, added_by)
        return paper

    def reading(self, kind: OwnerKind, owner: str, *, include_done: bool = False) -> list[Paper]:
        """The papers of a reading list, oldest first (entries whose paper left the store are skipped)."""
        out = []
        for e in self.store.reading(kind, owner, include_done=include_done):
            got = self.index.get(e.paper_id)
            if got is not None:
                out.append(got[1])
        return out

    def reading_ids(self, kind: OwnerKind, owner: str) -> list[str]:
        """The ids on a reading list still to read, oldest first (ids that left the store included)."""
        return [e.paper_id for e in self.store.reading(kind, owner)]

    def mark_done(self, kind: OwnerKind, owner: str, paper: Paper, done: bool = True) -> bool:
        """Mark a paper on a reading list read (or unread); False when it is not on the list."""
        return self.store.mark_done(kind, owner, paper.id, done)

    def remove_reading(self, kind: OwnerKind, owner: str, ref: str) -> bool:
        """Take the paper ``ref`` names off a reading list; False when it was not on it."""
        return self.store.remove_reading(kind, owner, self.index.resolve(ref).id)

    def paper_votes(self, paper_ids: list[str], channel: str | None = None) -> dict[str, int]:
        """Net votes per paper (in one channel, or everywhere)."""
        return self.store.paper_votes(paper_ids, channel)

    # ----- ranking -----
    def taste(self, topic: Topic, *, member: str | None = None, channel: str | None = None) -> Taste:
        """What ranks a feed: a member's own votes, follows and mutes, or (without a member) a channel's net
        votes; plus the topic's seed papers (topic-wide and the channel's own)."""
        if member is not None:
            votes = {v.paper_id: v.value for v in self.store.votes(member)}
        elif channel is not None:
            votes = self.store.channel_votes(channel)
        else:
            votes = {}
        return Taste(
            liked=self._examples([p for p, v in votes.items() if v > 0]),
            disliked=self._examples([p for p, v in votes.items() if v < 0]),
            seeds=self._examples(self.store.seeds(topic.name, channel or "")),
            follows=self.store.follows(member) if member is not None else {},
            mutes=self.store.mutes(member) if member is not None else {},
        )

    def rank(
        self,
        topic: Topic,
        *,
        member: str | None = None,
        channel: str | None = None,
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
    ) -> list[FeedItem]:
        """The ``k`` best papers of a topic (optionally published between ``since`` and ``until``) for a
        member, or for a channel when no member is given, each with the reason it is there."""
        rowids = sorted(self.index.filter_rowids(Filters(topic=topic.name, since=since, until=until)))
        papers = self.index.get_by_rowids(rowids)
        rows = [(r, papers[r]) for r in rowids if r in papers]
        if not rows:
            return []
        vectors = self.vectors([r for r, _ in rows], [p for _, p in rows])
        topic_vec = self.index.query_embedder.encode([topic.ranking_text()])[0]
        taste = self.taste(topic, member=member, channel=channel)
        return rank([p for _, p in rows], vectors, topic_vec, topic.name, taste, k)

    def member_feed(
        self,
        member: str,
        topics: list[Topic],
        *,
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
        exclude: set[str] | None = None,
        channel: str | None = None,
    ) -> list[tuple[str, FeedItem]]:
        """(topic name, item) pairs of a member's best ``k`` papers across ``topics``, best first, each paper
        once (under the topic where it scored best); papers in ``exclude`` are left out. Given the channel
        the member asks in, that channel's seed papers count too."""
        best: dict[str, tuple[str, FeedItem]] = {}
        for topic in topics:
            for item in self.rank(
                topic, member=member, channel=channel, k=k + len(exclude or ()), since=since, until=until
            ):
                pid = item.paper.id
                if pid in (exclude or ()) or (pid in best and best[pid][1].score >= item.score):
                    continue
                best[pid] = (topic.name, item)
        ranked = sorted(best.values(), key=lambda t: (-t[1].score, t[1].paper.id))
        return ranked[:k]

    def followed_topics(self, member: str, topics: list[Topic]) -> list[Topic]:
        """The topics a member's feed covers: those they voted in, else every configured topic."""
        return self.member_topics(member, topics) or list(topics)

    def member_topics(self, member: str, topics: list[Topic]) -> list[Topic]:
        """The configured topics a member voted in (most votes first), for a personal digest."""
        counts: dict[str, int] = {}
        for v in self.store.votes(member):
            counts[v.topic.lower()] = counts.get(v.topic.lower(), 0) + 1
        known = [t for t in topics if t.name.lower() in counts]
        return sorted(known, key=lambda t: (-counts[t.name.lower()], t.name.lower()))

    def personal_digest(
        self, member: str, topics: list[Topic], since: date, until: date, *, k: int = 5
    ) -> dict[str, list[FeedItem]]:
        """Topic name -> the member's best ``k`` papers of it published between ``since`` and ``until``, for
        the topics the member voted in; empty when the member has not opted in (``FeedStore.set_digest``)."""
        if not self.store.digest_enabled(member):
            return {}
        out = {}
        for topic in self.member_topics(member, topics):
            items = self.rank(topic, member=member, k=k, since=since, until=until)
            if items:
                out[topic.name] = items
        return out

    def _examples(self, paper_ids: list[str]) -> Examples:
        found = [(pid, got) for pid in paper_ids if (got := self.index.get(pid)) is not None]
        if len(found) < len(paper_ids):
            log.info("feed: %d voted or seed papers are no longer stored", len(paper_ids) - len(found))
        if not found:
            return Examples()
        vecs = self.vectors([g[0] for _, g in found], [g[1] for _, g in found])
        return Examples(tuple(pid for pid, _ in found), tuple(g[1].title for _, g in found), vecs)

    def vectors(self, rowids: list[int], papers: list[Paper]) -> np.ndarray:
        """Stored vectors of these rows, embedding any row that has none (an ingest still catching up)."""
        dim = self.index.vector_dim("dense")
        stored = self.index.english_vectors(rowids)
        missing = [i for i, r in enumerate(rowids) if r not in stored]
        out = np.zeros((len(rowids), dim), dtype=np.float32)
        for i, r in enumerate(rowids):
            if r in stored:
                out[i] = stored[r]
        if missing:
            out[missing] = self.index.embedder.encode([papers[i].embed_text() for i in missing])
        return out
