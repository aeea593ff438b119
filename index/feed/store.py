"""FeedStore: what members told the feed, in the paper store's database (SQLite or PostgreSQL).

One current vote per (member, paper): a new vote replaces the old one (last one wins), and removing it
leaves no trace. Seeds, follows, mutes, reading-list entries and the digest opt-in are rows a member (or a
channel) can list and remove one by one; :meth:`FeedStore.forget` removes everything of one member.
Every write is one transaction of the store, so concurrent writers in several processes take turns.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from index.feed.schema import SCHEMA, SCHEMA_POSTGRES
from index.storage import PaperStore

OwnerKind = Literal["member", "channel"]


@dataclass(frozen=True)
class Vote:
    """A member's current vote on a paper (+1 or -1), and where it was cast."""

    member: str
    paper_id: str
    value: int
    channel: str
    topic: str
    voted_at: datetime


@dataclass(frozen=True)
class ReadingEntry:
    """A paper on a member's or a channel's reading list; ``done_at`` once it was read."""

    paper_id: str
    added_by: str
    added_at: datetime
    done_at: datetime | None


def _now(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).isoformat()


def _key(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a keyword."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(folded.replace(".", " ").split())


def author_key(name: str) -> str:
    """One form for an author however a source spells the name: "Su, Hao", "Hao Su" and "hao  su" match."""
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return _key(name)


def _check_member(member: str) -> str:
    if not isinstance(member, str) or not member.strip():
        raise ValueError(f"A member key must be a non-empty string, not {member!r}.")
    return member


class FeedStore:
    """Votes and preferences of the feed, kept in tables of the paper store."""

    def __init__(self, store: PaperStore) -> None:
        self.store = store
        store.ensure_schema(SCHEMA_POSTGRES if store.dialect == "postgres" else SCHEMA)

    # ----- votes -----
    def vote(
        self,
        member: str,
        paper_id: str,
        value: int,
        *,
        channel: str = "",
        topic: str = "",
        now: datetime | None = None,
    ) -> None:
        """Record a 👍 (``value`` > 0) or 👎 (< 0); 0 removes the vote. The newest vote replaces any older one."""
        _check_member(member)
        if value == 0:
            self.unvote(member, paper_id)
            return
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO feed_votes(member, paper_id, value, channel, topic, voted_at) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (member, paper_id) DO UPDATE SET value=excluded.value, channel=excluded.channel, "
                "topic=excluded.topic, voted_at=excluded.voted_at",
                (member, paper_id, 1 if value > 0 else -1, channel, topic, _now(now)),
            )

    def unvote(self, member: str, paper_id: str) -> bool:
        """Remove a member's vote on a paper; False when there was none."""
        with self.store.transaction() as db:
            n = db.execute(
                "DELETE FROM feed_votes WHERE member=? AND paper_id=?", (member, paper_id)
            ).rowcount
        return bool(n)

    _VOTE_COLS = "member, paper_id, value, channel, topic, voted_at"

    @staticmethod
    def _vote(r: tuple[Any, ...]) -> Vote:
        return Vote(r[0], r[1], int(r[2]), r[3], r[4], datetime.fromisoformat(r[5]))

    def votes(self, member: str) -> list[Vote]:
        """A member's current votes, newest first."""
        rows = self.store.query(
            f"SELECT {self._VOTE_COLS} FROM feed_votes WHERE member=? ORDER BY voted_at DESC, paper_id",
            (member,),
        )
        return [self._vote(r) for r in rows]

    def channel_votes(self, channel: str) -> dict[str, int]:
        """Paper id -> net votes cast in a channel by its members (the channel's taste)."""
        return {
            p: int(v)
            for p, v in self.store.query(
                "SELECT paper_id, SUM(value) FROM feed_votes WHERE channel=? GROUP BY paper_id", (channel,)
            )
        }

    def paper_votes(self, paper_ids: list[str], channel: str | None = None) -> dict[str, int]:
        """Paper id -> count of 👍 among these papers (in one channel, or everywhere)."""
        if not paper_ids:
            return {}
        marks = ",".join("?" * len(paper_ids))
        sql = f"SELECT paper_id, COUNT(*) FROM feed_votes WHERE value=1 AND paper_id IN ({marks})"
        args: list[Any] = list(paper_ids)
        if channel is not None:
            sql += " AND channel=?"
            args.append(channel)
        return {p: int(n) for p, n in self.store.query(sql + " GROUP BY paper_id", args)}

    # ----- seed papers -----
    def add_seed(self, topic: str, paper_id: str, *, channel: str = "", added_by: str = "") -> bool:
        """Make a paper a seed of a topic (in one channel, or for the topic everywhere); False if it was."""
        with self.store.transaction() as db:
            n = db.execute(
                "INSERT INTO feed_seeds(topic, channel, paper_id, added_by, added_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT DO NOTHING",
                (topic.lower(), channel, paper_id, added_by, _now()),
            ).rowcount
        return bool(n)

    def remove_seed(self, topic: str, paper_id: str, *, channel: str = "") -> bool:
        with self.store.transaction() as db:
            n = db.execute(
                "DELETE FROM feed_seeds WHERE topic=? AND channel=? AND paper_id=?",
                (topic.lower(), channel, paper_id),
            ).rowcount
        return bool(n)

    def seeds(self, topic: str, channel: str = "") -> list[str]:
        """Seed paper ids of a topic: the topic-wide ones and, given a channel, that channel's own."""
        rows = self.store.query(
            "SELECT paper_id FROM feed_seeds WHERE topic=? AND (channel='' OR channel=?) ORDER BY added_at, paper_id",
            (topic.lower(), channel),
        )
        return list(dict.fromkeys(r[0] for r in rows))

    # ----- followed authors -----
    def follow(self, member: str, author: str) -> bool:
        """Follow an author (any spelling of the name); False if already followed."""
        _check_member(member)
        key = author_key(author)
        if not key:
            raise ValueError("An author to follow needs a name.")
        with self.store.transaction() as db:
            n = db.execute(
                "INSERT INTO feed_follows(member, author_key, author, added_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                (member, key, " ".join(author.split()), _now()),
            ).rowcount
        return bool(n)

    def unfollow(self, member: str, author: str) -> bool:
        with self.store.transaction() as db:
            n = db.execute(
                "DELETE FROM feed_follows WHERE member=? AND author_key=?", (member, author_key(author))
            ).rowcount
        return bool(n)

    def follows(self, member: str) -> dict[str, str]:
        """Normalised author key -> the name as the member wrote it."""
        rows = self.store.query(
            "SELECT author_key, author FROM feed_follows WHERE member=? ORDER BY author", (member,)
        )
        return {k: a for k, a in rows}

    # ----- muted keywords -----
    def mute(self, member: str, keyword: str) -> bool:
        """Hide papers whose title or abstract holds this keyword or phrase; False if already muted."""
        _check_member(member)
        key = _key(keyword)
        if not any(c.isalnum() for c in key):  # "!!!" would be kept but could never match a paper
            raise ValueError("A keyword to mute needs at least one letter or digit.")
        with self.store.transaction() as db:
            n = db.execute(
                "INSERT INTO feed_mutes(member, keyword_key, keyword, added_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                (member, key, keyword.strip(), _now()),
            ).rowcount
        return bool(n)

    def unmute(self, member: str, keyword: str) -> bool:
        with self.store.transaction() as db:
            n = db.execute(
                "DELETE FROM feed_mutes WHERE member=? AND keyword_key=?", (member, _key(keyword))
            ).rowcount
        return bool(n)

    def mutes(self, member: str) -> dict[str, str]:
        """Normalised keyword -> the keyword as the member wrote it."""
        rows = self.store.query(
            "SELECT keyword_key, keyword FROM feed_mutes WHERE member=? ORDER BY keyword", (member,)
        )
        return {k: w for k, w in rows}

    # ----- reading lists -----
    def add_reading(self, kind: OwnerKind, owner: str, paper_id: str, added_by: str = "") -> bool:
        """Put a paper on a member's or a channel's reading list (again unread if it was done)."""
        with self.store.transaction() as db:
            n = db.execute(
                "INSERT INTO feed_reading(owner_kind, owner, paper_id, added_by, added_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (owner_kind, owner, paper_id) DO UPDATE SET done_at=NULL WHERE feed_reading.done_at "
                "IS NOT NULL",
                (kind, owner, paper_id, added_by, _now()),
            ).rowcount
        return bool(n)

    def mark_done(self, kind: OwnerKind, owner: str, paper_id: str, done: bool = True) -> bool:
        """Mark a listed paper read (or unread again); False when it is not on the list."""
        with self.store.transaction() as db:
            n = db.execute(
                "UPDATE feed_reading SET done_at=? WHERE owner_kind=? AND owner=? AND paper_id=?",
                (_now() if done else None, kind, owner, paper_id),
            ).rowcount
        return bool(n)

    def remove_reading(self, kind: OwnerKind, owner: str, paper_id: str) -> bool:
        with self.store.transaction() as db:
            n = db.execute(
                "DELETE FROM feed_reading WHERE owner_kind=? AND owner=? AND paper_id=?",
                (kind, owner, paper_id),
            ).rowcount
        return bool(n)

    def reading(self, kind: OwnerKind, owner: str, *, include_done: bool = False) -> list[ReadingEntry]:
        """A reading list, oldest first; read papers only when asked."""
        sql = "SELECT paper_id, added_by, added_at, done_at FROM feed_reading WHERE owner_kind=? AND owner=?"
        if not include_done:
            sql += " AND done_at IS NULL"
        rows = self.store.query(sql + " ORDER BY added_at, paper_id", (kind, owner))
        return [
            ReadingEntry(
                r[0], r[1], datetime.fromisoformat(r[2]), datetime.fromisoformat(r[3]) if r[3] else None
            )
            for r in rows
        ]

    # ----- personal digest -----
    def set_digest(self, member: str, enabled: bool) -> None:
        """Opt a member in to (or out of) a personal digest."""
        _check_member(member)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO feed_digest(member, enabled, updated_at) VALUES (?,?,?) ON CONFLICT (member) DO UPDATE "
                "SET enabled=excluded.enabled, updated_at=excluded.updated_at",
                (member, int(enabled), _now()),
            )

    def digest_enabled(self, member: str) -> bool:
        rows = self.store.query("SELECT enabled FROM feed_digest WHERE member=?", (member,))
        return bool(rows and rows[0][0])

    def digest_members(self) -> list[str]:
        """Members who opted in to a personal digest (the scheduler's view, never shown to a user)."""
        return [
            r[0] for r in self.store.query("SELECT member FROM feed_digest WHERE enabled=1 ORDER BY member")
        ]

    # ----- everything of one member -----
    def preferences(self, member: str) -> dict[str, Any]:
        """Everything the feed keeps about a member, for a "what do you know about me" view."""
        return {
            "votes": [(v.paper_id, v.value) for v in self.votes(member)],
            "follows": sorted(self.follows(member).values()),
            "mutes": sorted(self.mutes(member).values()),
            "reading": [e.paper_id for e in self.reading("member", member, include_done=True)],
            "digest": self.digest_enabled(member),
        }

    def forget(self, member: str) -> int:
        """Remove every vote and preference of a member (channel lists and seeds stay); rows removed."""
        with self.store.transaction() as db:
            n = 0
            for sql in (
                "DELETE FROM feed_votes WHERE member=?",
                "DELETE FROM feed_follows WHERE member=?",
                "DELETE FROM feed_mutes WHERE member=?",
                "DELETE FROM feed_reading WHERE owner_kind='member' AND owner=?",
                "DELETE FROM feed_digest WHERE member=?",
            ):
                n += db.execute(sql, (member,)).rowcount
        return n
