"""The personal digest's delivery log: exactly one direct message per member and day, across restarts.

The same two rules as the channel digests (index.storage.digests): a member's digest for a day is claimed
(an ``intent`` row, unique per member and day, holding the exact message to send and the papers it lists)
before anything is sent, and the message carries a marker naming the member's digest and day. After a crash
between sending and recording, the sender looks for the marker in the member's direct messages: found, the
row is marked sent without sending again; not found, the stored message is sent then. Papers a member was
sent are never sent to that member again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from index.storage import PaperStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_dm_runs (
    member TEXT NOT NULL, day TEXT NOT NULL, state TEXT NOT NULL, marker TEXT NOT NULL, payload TEXT NOT NULL,
    message_id TEXT, created_at TEXT NOT NULL, sent_at TEXT,
    PRIMARY KEY (member, day)
);
CREATE TABLE IF NOT EXISTS feed_dm_papers (
    member TEXT NOT NULL, paper_id TEXT NOT NULL, day TEXT NOT NULL,
    PRIMARY KEY (member, paper_id)
);
"""


def dm_marker(member: str, day: date) -> str:
    """The text a personal digest message carries so a restart can tell it was delivered."""
    return f"personal digest {day.isoformat()}/{member}"


@dataclass(frozen=True)
class PendingDM:
    """A claimed personal digest not yet recorded as sent."""

    member: str
    day: date
    marker: str
    payload: dict[str, Any]


class DMLog:
    """The feed_dm_runs and feed_dm_papers tables of one store."""

    def __init__(self, store: PaperStore) -> None:
        self.store = store
        store.ensure_schema(SCHEMA)

    def has_run(self, member: str, day: date) -> bool:
        """Whether the member's digest for ``day`` was claimed (sent, pending or empty)."""
        return bool(
            self.store.query("SELECT 1 FROM feed_dm_runs WHERE member=? AND day=?", (member, day.isoformat()))
        )

    def sent_papers(self, member: str) -> set[str]:
        """Papers already claimed for this member's digests (not shown again)."""
        return {
            r[0] for r in self.store.query("SELECT paper_id FROM feed_dm_papers WHERE member=?", (member,))
        }

    def claim(self, member: str, day: date, payload: dict[str, Any] | None, paper_ids: list[str]) -> bool:
        """Reserve the member's digest for ``day`` with the message to send (None: nothing to send, the day
        is done); False when another run (or another process) already claimed it."""
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as db:
            n = db.execute(
                "INSERT INTO feed_dm_runs(member, day, state, marker, payload, created_at) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT DO NOTHING",
                (
                    member,
                    day.isoformat(),
                    "intent" if payload else "empty",
                    dm_marker(member, day),
                    json.dumps(payload or {}),
                    now,
                ),
            ).rowcount
            if not n:
                return False
            for pid in paper_ids:
                db.execute(
                    "INSERT INTO feed_dm_papers(member, paper_id, day) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                    (member, pid, day.isoformat()),
                )
        return True

    def pending(self) -> list[PendingDM]:
        """Claimed digests not yet recorded as sent, oldest first."""
        rows = self.store.query(
            "SELECT member, day, marker, payload FROM feed_dm_runs WHERE state='intent' ORDER BY day, member"
        )
        return [PendingDM(r[0], date.fromisoformat(r[1]), r[2], json.loads(r[3])) for r in rows]

    def mark_sent(self, member: str, day: date, message_id: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE feed_dm_runs SET state='sent', message_id=?, sent_at=? WHERE member=? AND day=?",
                (message_id, datetime.now(UTC).isoformat(), member, day.isoformat()),
            )

    def mark_failed(self, member: str, day: date, reason: str) -> None:
        """Give up on a digest that cannot be delivered (the member closed their DMs): never retried."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE feed_dm_runs SET state=? WHERE member=? AND day=? AND state='intent'",
                (f"failed: {reason}"[:200], member, day.isoformat()),
            )

    def sent_count(self, member: str) -> int:
        rows = self.store.query(
            "SELECT COUNT(*) FROM feed_dm_runs WHERE member=? AND state='sent'", (member,)
        )
        return int(rows[0][0])
