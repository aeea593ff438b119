"""Members' 👍/👎 votes on digest papers, per channel: what re-ranks that channel's next digests.

A member's vote is their most recent reaction that is still there. Each reaction present is a row of
digest_reactions, so removing one (👍, then 👎, then removing the 👍) leaves the vote of the other; the
vote itself is a row of digest_feedback, which ranking reads. The tables are created by DigestStore.
"""

from __future__ import annotations

from datetime import UTC, datetime

from index.storage import PaperStore


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Votes:
    """The digest_feedback and digest_reactions tables of one store."""

    def __init__(self, store: PaperStore) -> None:
        self.store = store

    def set_feedback(self, channel_id: int, paper_id: str, user_id: int, value: int) -> None:
        """Set a member's vote to 1 or -1, or clear it (0, with the reactions it came from)."""
        with self.store.transaction() as db:
            if value == 0:
                for table in ("digest_feedback", "digest_reactions"):
                    db.execute(
                        f"DELETE FROM {table} WHERE channel_id=? AND paper_id=? AND user_id=?",
                        (channel_id, paper_id, user_id),
                    )
            else:
                db.execute(
                    "INSERT INTO digest_feedback VALUES (?,?,?,?) ON CONFLICT (channel_id, paper_id, user_id) "
                    "DO UPDATE SET value=excluded.value",
                    (channel_id, paper_id, user_id, 1 if value > 0 else -1),
                )

    def react(self, channel_id: int, paper_id: str, user_id: int, value: int, added: bool) -> None:
        """A member added or removed a 👍 (``value`` 1) or 👎 (-1) on a paper's message.

        The vote is the member's most recent reaction that is still there: 👍, then 👎, then removing the
        👍 leaves -1; removing the last one removes the vote.
        """
        vote = 1 if value > 0 else -1
        key = (channel_id, paper_id, user_id)
        with self.store.transaction() as db:
            if added:
                db.execute(
                    "INSERT INTO digest_reactions VALUES (?,?,?,?,?) ON CONFLICT (channel_id, paper_id, user_id, "
                    "value) DO UPDATE SET added_at=excluded.added_at",
                    (*key, vote, _now()),
                )
            else:
                db.execute(
                    "DELETE FROM digest_reactions WHERE channel_id=? AND paper_id=? AND user_id=? AND value=?",
                    (*key, vote),
                )
            left = db.execute(
                "SELECT value FROM digest_reactions WHERE channel_id=? AND paper_id=? AND user_id=? "
                "ORDER BY added_at DESC LIMIT 1",
                key,
            ).fetchall()
            if left:
                db.execute(
                    "INSERT INTO digest_feedback VALUES (?,?,?,?) ON CONFLICT (channel_id, paper_id, user_id) "
                    "DO UPDATE SET value=excluded.value",
                    (*key, int(left[0][0])),
                )
            else:
                db.execute("DELETE FROM digest_feedback WHERE channel_id=? AND paper_id=? AND user_id=?", key)

    def feedback(self, channel_id: int) -> dict[str, int]:
        """Paper id -> net votes in this channel."""
        return {
            p: int(v)
            for p, v in self.store.query(
                "SELECT paper_id, SUM(value) FROM digest_feedback WHERE channel_id=? GROUP BY paper_id",
                (channel_id,),
            )
        }
