"""Mirror a member's digest reaction into the feed: the channel digest's 👍/👎 teach the personal feed too.

The digest keeps each member's current vote on a posted paper (``digest_feedback``, kept by
index.storage.digest_votes); the feed keeps one vote per member and paper (``feed_votes``). After the digest
records a reaction, :func:`mirror_digest_vote` copies the member's vote as it now stands, in one write
transaction that reads and writes together, so two reactions handled at once can never leave the older state.
"""

from __future__ import annotations

from datetime import UTC, datetime

from index.feed.store import FeedStore
from index.storage import PaperStore


def mirror_digest_vote(store: PaperStore, message_id: int, user_id: int, member: str) -> int | None:
    """Copy ``user_id``'s current digest vote on the paper of ``message_id`` to the feed as ``member``.

    Returns the vote now in the feed (1, -1, or 0 for none), or None when the message is no digest entry.
    """
    FeedStore(store)  # the feed's tables exist even where no feed front end ever ran
    with store.transaction() as db:
        found = db.execute(
            "SELECT e.channel_id, e.paper_id, s.topic FROM digest_entries e LEFT JOIN subscriptions s "
            "ON s.id = e.sub_id WHERE e.message_id=?",
            (message_id,),
        ).fetchall()
        if not found:
            return None
        channel_id, paper_id, topic = found[0]
        row = db.execute(
            "SELECT value FROM digest_feedback WHERE channel_id=? AND paper_id=? AND user_id=?",
            (channel_id, paper_id, user_id),
        ).fetchall()
        value = int(row[0][0]) if row else 0
        if value:
            db.execute(
                "INSERT INTO feed_votes(member, paper_id, value, channel, topic, voted_at) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (member, paper_id) DO UPDATE SET value=excluded.value, channel=excluded.channel, "
                "topic=excluded.topic, voted_at=excluded.voted_at",
                (member, paper_id, value, str(channel_id), topic or "", datetime.now(UTC).isoformat()),
            )
        else:
            db.execute("DELETE FROM feed_votes WHERE member=? AND paper_id=?", (member, paper_id))
    return value
