"""Fetching a topic's new papers from arXiv before its digest, at most once per topic per refresh window.

The scheduler looks for due digests every minute, and a digest whose papers have not arrived yet is looked
at again on every check of its grace period (arXiv's announcements can be late). Without a memory, each
check of each subscription queried arXiv again. The refresher remembers, per topic, when it last asked and
what happened, in the store's meta table: every subscription to a topic, every tick, every process sharing
the database, and a restarted bot see the same answer until the window has passed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.storage import PaperStore
from index.topics import Topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refresh:
    """The outcome of a topic's latest refresh."""

    at: datetime
    ok: bool
    added: int = 0
    error: str = ""


class TopicRefresher:
    """Runs ``fetch(topic)`` (one arXiv query for a quiet topic) at most once per ``every`` per topic."""

    def __init__(self, fetch: Callable[[Topic], int], store: PaperStore, every: timedelta) -> None:
        self.fetch, self.store, self.every = fetch, store, every

    @staticmethod
    def _key(topic: Topic) -> str:
        return f"digest_refresh:{topic.name}"

    def last(self, topic: Topic) -> Refresh | None:
        """The latest refresh of ``topic``, or None when it was never refreshed (or the record is unreadable)."""
        raw = self.store.get_meta(self._key(topic))
        if not raw:
            return None
        try:
            d = json.loads(raw)
            return Refresh(datetime.fromisoformat(d["at"]), bool(d["ok"]), int(d["added"]), str(d["error"]))
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable refresh record for topic %s; refreshing again", topic.name)
            return None

    def refresh(self, topic: Topic, now: datetime) -> Refresh:
        """Fetch the topic unless it was fetched (or tried) less than ``every`` before ``now``.

        A failure counts as a try: an unreachable arXiv is asked again after the window, not every minute.
        """
        last = self.last(topic)
        if last is not None and timedelta(0) <= now - last.at < self.every:
            return last
        try:
            outcome = Refresh(now, True, added=self.fetch(topic))
        except Exception as e:  # arXiv down or slow: the digest says so instead of "no new papers"
            log.warning("refreshing topic %s from arXiv failed: %s: %s", topic.name, type(e).__name__, e)
            outcome = Refresh(now, False, error=f"{type(e).__name__}: {e}"[:300])
        record = {"at": now.isoformat(), "ok": outcome.ok, "added": outcome.added, "error": outcome.error}
        self.store.set_meta(self._key(topic), json.dumps(record))
        return outcome
