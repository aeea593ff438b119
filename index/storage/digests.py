"""Digest state in the SQLite store: subscriptions, runs, per-paper intents, posted messages, feedback.

Exactly-once posting rests on two rules: a paper is reserved for a channel (an ``intent`` row, unique
per channel and paper) before anything is sent, and every sent message carries a marker naming its run
and paper, so after a crash the channel's recent messages tell which intents were delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from index.clock import parse_time, zone
from index.storage import PaperStore
from index.storage.digest_schema import SCHEMA, SCHEMA_POSTGRES
from index.storage.digest_votes import Votes


@dataclass(frozen=True)
class Subscription:
    id: int
    guild_id: int | None
    channel_id: int
    topic: str
    at: str
    tz: str
    quiet: bool
    enabled: bool
    disabled_reason: str | None
    created_by: int | None
    created_at: datetime


def _now() -> str:
    return datetime.now(UTC).isoformat()


def marker(sub_id: int, run_date: date, paper_id: str | None = None) -> str:
    """The text every digest message carries so a restart can tell what was delivered."""
    return f"digest {sub_id}/{run_date.isoformat()}" + (f"/{paper_id}" if paper_id else "")


class DigestStore:
    def __init__(self, store: PaperStore) -> None:
        self.store = store
        store.ensure_schema(SCHEMA_POSTGRES if store.dialect == "postgres" else SCHEMA)
        self.votes = Votes(store)

    # ----- subscriptions -----
    def subscribe(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        topic: str,
        at: str,
        tz: str,
        quiet: bool = False,
        created_by: int | None = None,
        now: datetime | None = None,
    ) -> Subscription:
        parse_time(at)
        zone(tz)
        created = (now or datetime.now(UTC)).isoformat()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO subscriptions(guild_id, channel_id, topic, at, tz, quiet, created_by, created_at) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(channel_id, topic) DO UPDATE SET at=excluded.at, "
                "tz=excluded.tz, quiet=excluded.quiet, enabled=1, disabled_reason=NULL",
                (guild_id, channel_id, topic, at, tz, int(quiet), created_by, created),
            )
        sub = self.find(channel_id, topic)
        assert sub is not None
        return sub

    def unsubscribe(self, channel_id: int, topic: str) -> bool:
        with self.store.transaction() as db:
            return bool(
                db.execute(
                    "DELETE FROM subscriptions WHERE channel_id=? AND lower(topic)=lower(?)",
                    (channel_id, topic),
                ).rowcount
                > 0
            )

    @staticmethod
    def _sub(r: tuple[Any, ...]) -> Subscription:
        created = datetime.fromisoformat(r[10])
        return Subscription(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]), r[8], r[9], created)

    _COLS = "id, guild_id, channel_id, topic, at, tz, quiet, enabled, disabled_reason, created_by, created_at"

    def find(self, channel_id: int, topic: str) -> Subscription | None:
        rows = self.store.query(
            f"SELECT {self._COLS} FROM subscriptions WHERE channel_id=? AND lower(topic)=lower(?)",
            (channel_id, topic),
        )
        return self._sub(rows[0]) if rows else None

    def get(self, sub_id: int) -> Subscription | None:
        rows = self.store.query(f"SELECT {self._COLS} FROM subscriptions WHERE id=?", (sub_id,))
        return self._sub(rows[0]) if rows else None

    def guild_subscriptions(self, guild_id: int) -> list[Subscription]:
        """One server's subscriptions. There is no "no filter" value: a missing guild (a DM) is refused,
        so a DM can never list every server's subscriptions."""
        if not isinstance(guild_id, int) or isinstance(guild_id, bool):
            raise ValueError(f"guild_subscriptions needs a server id, not {guild_id!r}")
        rows = self.store.query(
            f"SELECT {self._COLS} FROM subscriptions WHERE guild_id=? ORDER BY id", (guild_id,)
        )
        return [self._sub(r) for r in rows]

    def all_subscriptions(self, *, enabled_only: bool = False) -> list[Subscription]:
        """Every server's subscriptions: the scheduler's view, never shown to a user."""
        sql = f"SELECT {self._COLS} FROM subscriptions" + (" WHERE enabled=1" if enabled_only else "")
        return [self._sub(r) for r in self.store.query(sql + " ORDER BY id")]

    def disable(self, sub_id: int, reason: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE subscriptions SET enabled=0, disabled_reason=? WHERE id=?", (reason, sub_id))

    # ----- runs -----
    def run_state(self, sub_id: int, run_date: date) -> str | None:
        rows = self.store.query(
            "SELECT state FROM digest_runs WHERE sub_id=? AND run_date=?", (sub_id, run_date.isoformat())
        )
        return rows[0][0] if rows else None

    def start_run(
        self,
        sub: Subscription,
        run_date: date,
        paper_ids: list[str],
        owner: str = "",
        lease_until: datetime | None = None,
    ) -> list[str] | None:
        """Claim the run and record the intent to post these papers, in one transaction.

        Returns the papers reserved (a paper another topic already reserved or posted in this channel is
        left out, so it is never posted twice), or None when the run already exists: another process (or
        an earlier attempt) owns it, and this one must not post it.
        """
        reserved: list[str] = []
        lease = (lease_until or datetime.now(UTC)).isoformat()
        with self.store.transaction() as db:
            claimed = db.execute(
                "INSERT INTO digest_runs(sub_id, run_date, state, total, started_at, owner, lease_until) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                (sub.id, run_date.isoformat(), "sending", len(paper_ids), _now(), owner, lease),
            ).rowcount
            if not claimed:
                return None
            for pos, pid in enumerate(paper_ids):
                n = db.execute(
                    "INSERT INTO digest_entries(channel_id, paper_id, sub_id, run_date, position, state) "
                    "VALUES (?,?,?,?,?,'intent') ON CONFLICT DO NOTHING",
                    (sub.channel_id, pid, sub.id, run_date.isoformat(), pos),
                ).rowcount
                if n:
                    reserved.append(pid)
        return reserved

    def run_entries(self, sub_id: int, run_date: date) -> list[tuple[str, str, int | None]]:
        """(paper id, state, message id) of a run's entries in posting order."""
        return [
            (r[0], r[1], r[2])
            for r in self.store.query(
                "SELECT paper_id, state, message_id FROM digest_entries WHERE sub_id=? AND run_date=? ORDER BY position",
                (sub_id, run_date.isoformat()),
            )
        ]

    def header_sent(self, sub_id: int, run_date: date, message_id: int) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE digest_runs SET header_message_id=? WHERE sub_id=? AND run_date=?",
                (message_id, sub_id, run_date.isoformat()),
            )

    def header_message(self, sub_id: int, run_date: date) -> int | None:
        rows = self.store.query(
            "SELECT header_message_id FROM digest_runs WHERE sub_id=? AND run_date=?",
            (sub_id, run_date.isoformat()),
        )
        return rows[0][0] if rows else None

    def entry_sent(self, channel_id: int, paper_id: str, message_id: int) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE digest_entries SET state='sent', message_id=?, sent_at=? WHERE channel_id=? AND paper_id=?",
                (message_id, _now(), channel_id, paper_id),
            )

    def entry_rejected(self, channel_id: int, paper_id: str) -> None:
        """Discord refused this paper's message for good: keep it reserved (never retried) but not sent."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE digest_entries SET state='rejected' WHERE channel_id=? AND paper_id=? AND state='intent'",
                (channel_id, paper_id),
            )

    def release_intents(self, sub_id: int, run_date: date) -> None:
        """Forget a failed run's unsent reservations, so the papers can be posted later."""
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM digest_entries WHERE sub_id=? AND run_date=? AND state='intent'",
                (sub_id, run_date.isoformat()),
            )

    def finish_run(self, sub_id: int, run_date: date, state: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO digest_runs(sub_id, run_date, state, started_at, finished_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT(sub_id, run_date) DO UPDATE SET state=excluded.state, finished_at=excluded.finished_at",
                (sub_id, run_date.isoformat(), state, _now(), _now()),
            )

    def renew_lease(self, sub_id: int, run_date: date, owner: str, lease_until: datetime) -> bool:
        """Extend this owner's lease on a run it is still sending; False when another process took it over."""
        with self.store.transaction() as db:
            n = db.execute(
                "UPDATE digest_runs SET lease_until=? WHERE sub_id=? AND run_date=? AND owner=? AND state='sending'",
                (lease_until.isoformat(), sub_id, run_date.isoformat(), owner),
            ).rowcount
        return bool(n)

    def expire_lease(self, sub_id: int, run_date: date) -> None:
        """Make a half-sent run recoverable at once (a transient failure: the next tick finishes it)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE digest_runs SET lease_until=NULL WHERE sub_id=? AND run_date=? AND state='sending'",
                (sub_id, run_date.isoformat()),
            )

    def claim_unfinished(self, owner: str, now: datetime, lease_until: datetime) -> list[tuple[int, date]]:
        """Runs a crash left half-sent whose lease ran out, each claimed by exactly one process."""
        claimed = []
        for sub_id, day in self.store.query(
            "SELECT sub_id, run_date FROM digest_runs WHERE state='sending' AND (lease_until IS NULL OR "
            "lease_until < ?) ORDER BY run_date",
            (now.isoformat(),),
        ):
            with self.store.transaction() as db:
                n = db.execute(
                    "UPDATE digest_runs SET owner=?, lease_until=? WHERE sub_id=? AND run_date=? AND "
                    "state='sending' AND (lease_until IS NULL OR lease_until < ?)",
                    (owner, lease_until.isoformat(), sub_id, day, now.isoformat()),
                ).rowcount
            if n:
                claimed.append((int(sub_id), date.fromisoformat(day)))
        return claimed

    def posted_ids(self, channel_id: int) -> set[str]:
        return {
            r[0]
            for r in self.store.query("SELECT paper_id FROM digest_entries WHERE channel_id=?", (channel_id,))
        }

    # ----- feedback -----
    def paper_for_message(self, message_id: int) -> tuple[int, str] | None:
        rows = self.store.query(
            "SELECT channel_id, paper_id FROM digest_entries WHERE message_id=?", (message_id,)
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def set_feedback(self, channel_id: int, paper_id: str, user_id: int, value: int) -> None:
        """Set (1, -1) or clear (0) a member's vote directly (see :meth:`Votes.set_feedback`)."""
        self.votes.set_feedback(channel_id, paper_id, user_id, value)

    def react(self, channel_id: int, paper_id: str, user_id: int, value: int, added: bool) -> None:
        """A member added or removed a 👍 (1) or 👎 (-1) (see :meth:`Votes.react`)."""
        self.votes.react(channel_id, paper_id, user_id, value, added)

    def feedback(self, channel_id: int) -> dict[str, int]:
        """Paper id -> net votes in this channel."""
        return self.votes.feedback(channel_id)

    def stats(self, channel_id: int) -> dict[str, Any]:
        posted = self.store.query(
            "SELECT COUNT(*), COUNT(DISTINCT run_date) FROM digest_entries WHERE channel_id=? AND state='sent'",
            (channel_id,),
        )[0]
        fb = self.feedback(channel_id)
        return {
            "papers_posted": int(posted[0]),
            "digest_days": int(posted[1]),
            "liked": sorted(p for p, v in fb.items() if v > 0),
            "disliked": sorted(p for p, v in fb.items() if v < 0),
        }
