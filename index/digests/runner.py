"""Posting digests on schedule, exactly once per paper and channel, across restarts and crashes.

Framework-free: the bot supplies a Poster (Discord), tests supply a fake one. The order of operations
is what makes it exactly-once:

1. record the intent (the run and one reserved row per paper) in one transaction;
2. send each message with a marker naming its run and paper;
3. record the message id.

A crash between 2 and 3 leaves an intent whose marker is in the channel: ``recover()`` reads the
channel's recent messages, records what was delivered, and sends only the rest.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from index.answers.summarize import Summarizer
from index.clock import parse_time
from index.digests.build import build_digest
from index.digests.posting import ChannelGone, MessageRejected, Outgoing, Poster
from index.digests.refresh import Refresh, TopicRefresher
from index.digests.schedule import ArxivCalendar, latest_occurrence, scheduled_at
from index.models import Digest, DigestEntry
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore, Subscription, marker
from index.topics import Topic, find_topic

log = logging.getLogger(__name__)
# The posting protocol lives in posting.py; these names stay importable from here, where callers found them.
__all__ = ["ChannelGone", "DigestRunner", "MessageRejected", "Outgoing", "Poster"]


class DigestRunner:
    def __init__(
        self,
        index: PaperIndex,
        summarizer: Summarizer,
        store: DigestStore,
        topics: list[Topic],
        poster: Poster,
        *,
        calendar: ArxivCalendar | None = None,
        max_shown: int = 5,
        max_entries: int = 25,
        lookback_days: int = 7,
        lag_grace: timedelta = timedelta(hours=3),
        refresh: Callable[[Topic], int] | None = None,
        refresh_every: timedelta = timedelta(minutes=30),
    ) -> None:
        self.index, self.summarizer, self.store, self.topics, self.poster = (
            index,
            summarizer,
            store,
            topics,
            poster,
        )
        self.calendar = calendar or ArxivCalendar()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(minutes=10)
        self.max_entries = max_entries
        self.max_shown, self.lookback_days, self.lag_grace = max_shown, lookback_days, lag_grace
        self.refresher = TopicRefresher(refresh, index.store, refresh_every) if refresh is not None else None

    # ----- scheduling -----
    def due(self, now: datetime) -> list[tuple[Subscription, date]]:
        """Subscriptions whose latest scheduled time has passed without a run (catch-up is once)."""
        out = []
        for sub in self.store.all_subscriptions(enabled_only=True):
            day = latest_occurrence(now, parse_time(sub.at), sub.tz, not_before=sub.created_at)
            if day is not None and self.store.run_state(sub.id, day) is None:
                out.append((sub, day))
        return out

    def tick(self, now: datetime) -> int:
        """Run every due digest; returns how many runs finished."""
        done = 0
        for sub, day in self.due(now):
            try:
                done += self.run(sub, day, now)
            except ChannelGone as e:
                self._gone(sub, day, e)
            except MessageRejected as e:
                self._rejected(sub, day, e)
            except Exception as e:  # Discord 5xx, a timeout: the next tick's recover() sends the rest
                self._transient(sub.id, day, e)
        return done

    def _transient(self, sub_id: int, day: date, e: Exception) -> None:
        log.warning(
            "digest %s for %s stopped part-way (%s: %s); it resumes on the next check, sending only what the "
            "channel does not already show",
            sub_id,
            day,
            type(e).__name__,
            e,
        )
        self.store.expire_lease(sub_id, day)

    # ----- one run -----
    def run(self, sub: Subscription, day: date, now: datetime) -> int:
        topic = find_topic(self.topics, sub.topic)
        if not self.calendar.has_announcement(day):
            return self._note(
                sub,
                day,
                f"{topic.name}: no new papers today — {self.calendar.reason(day)}.",
                "no-announcement",
            )
        # At most one arXiv query per topic per window, however many subscriptions and ticks ask.
        fresh: Refresh | None = self.refresher.refresh(topic, now) if self.refresher is not None else None
        digest = build_digest(
            self.index,
            self.summarizer,
            topic,
            day,
            days=self.lookback_days,
            exclude=self.store.posted_ids(sub.channel_id),
            feedback=self.store.feedback(sub.channel_id),
            max_shown=self.max_shown,
            max_entries=self.max_entries,
            calendar=self.calendar,
        )
        if not digest.entries:
            if now < scheduled_at(day, parse_time(sub.at), sub.tz) + self.lag_grace:
                log.info("no %s papers yet for %s; arXiv may be late, trying again later", topic.name, day)
                return 0
            if fresh is not None and not fresh.ok:  # an unreachable arXiv is not an empty one
                text = (
                    f"{topic.name}: arXiv could not be reached today, so today's papers are not known "
                    "yet; they will be in a later digest and in /search once arXiv answers."
                )
                return self._note(sub, day, text, "unreachable")
            return self._note(sub, day, f"{topic.name}: no new papers on arXiv today.", "empty")
        ids = [e.paper.id for e in digest.entries]
        if self.store.start_run(sub, day, ids, self.owner, now + self.lease) is None:
            return 0  # another process claimed this run first
        self._deliver(sub, day, digest)
        return 1

    def _note(self, sub: Subscription, day: date, text: str, state: str) -> int:
        if self.store.start_run(sub, day, [], self.owner, datetime.now(UTC) + self.lease) is None:
            return 0  # another process claimed this run first
        if not sub.quiet:
            mid = self.poster.send(sub.channel_id, Outgoing("note", marker(sub.id, day), text=text))
            self.store.header_sent(sub.id, day, mid)
        self.store.finish_run(sub.id, day, state)
        return 1

    def _deliver(self, sub: Subscription, day: date, digest: Digest) -> None:
        header = self.store.header_message(sub.id, day)
        if header is None:
            header = self.poster.send(sub.channel_id, Outgoing("header", marker(sub.id, day), digest=digest))
            self.store.header_sent(sub.id, day, header)
        by_id = {e.paper.id: e for e in digest.entries}
        refused: list[str] = []
        for pos, (pid, state, _) in enumerate(self.store.run_entries(sub.id, day)):
            if state != "intent":
                continue
            entry = by_id.get(pid) or self._entry(pid)
            out = Outgoing(
                "entry",
                marker(sub.id, day, pid),
                digest=digest,
                entry=entry,
                position=pos + 1,
                thread_of=header if pos >= self.max_shown else None,
            )
            try:
                mid = self.poster.send(sub.channel_id, out)
            except MessageRejected as e:  # this paper's message only: skip it, never retry it
                log.warning(
                    "digest %s for %s: Discord refused paper %s (%s); skipping it", sub.id, day, pid, e
                )
                self.store.entry_rejected(sub.channel_id, pid)
                refused.append(f"{pid} ({e})")
                continue
            self.store.entry_sent(sub.channel_id, pid, mid)
            # A long delivery keeps its claim; if another process took the run over, it finishes it.
            if not self.store.renew_lease(sub.id, day, self.owner, datetime.now(UTC) + self.lease):
                log.warning("digest %s for %s was taken over by another process; leaving it", sub.id, day)
                return
        self.store.finish_run(sub.id, day, "sent")
        if refused:
            self.poster.notify(
                sub.created_by,
                f"PaperLens posted the {sub.topic!r} digest to <#{sub.channel_id}> without {len(refused)} "
                f"paper(s) Discord refused: {'; '.join(refused)}"[:1900],
            )

    def _entry(self, pid: str) -> DigestEntry:
        p = self.index.resolve(pid)
        s = self.summarizer.summarize(pid)
        return DigestEntry(
            paper=p,
            score=0.0,
            tldr=s.content.tldr,
            takeaways=s.content.takeaways,
            summary_provider=s.provider,
            summary_fallback=s.fallback,
        )

    def _gone(self, sub: Subscription, day: date, e: ChannelGone) -> None:
        log.warning(
            "channel %s is gone or closed to the bot (%s): disabling subscription %s to %r",
            sub.channel_id,
            e,
            sub.id,
            sub.topic,
        )
        self.store.disable(sub.id, str(e))
        self.store.release_intents(sub.id, day)
        self.store.finish_run(sub.id, day, "failed")
        self.poster.notify(
            sub.created_by,
            f"PaperLens could not post the {sub.topic!r} digest to channel "
            f"<#{sub.channel_id}> ({e}); the subscription is paused. Subscribe again once the bot "
            "can post there.",
        )

    def _rejected(self, sub: Subscription, day: date, e: MessageRejected) -> None:
        """Discord refused the digest's header (or its note): the run fails today, visibly; the subscription
        stays on, since tomorrow's message is a different one."""
        log.warning("digest %s for %s failed: Discord refused its first message (%s)", sub.id, day, e)
        self.store.release_intents(sub.id, day)
        self.store.finish_run(sub.id, day, "failed")
        self.poster.notify(
            sub.created_by,
            f"PaperLens could not post today's {sub.topic!r} digest to <#{sub.channel_id}>: Discord refused "
            f"the message ({e}). The subscription stays on; tomorrow's digest will be tried as usual."[:1900],
        )

    # ----- after a crash -----
    def recover(self, now: datetime | None = None) -> int:
        """Finish runs a crash interrupted (their owner's lease ran out), sending only what the channel does
        not already show. Each such run is claimed by exactly one process."""
        finished = 0
        now = now or datetime.now(UTC)
        for sub_id, day in self.store.claim_unfinished(self.owner, now, now + self.lease):
            sub = self.store.get(sub_id)
            if sub is None:
                continue
            try:
                seen = self.poster.sent_markers(sub.channel_id)
                header = self.store.header_message(sub_id, day) or seen.get(marker(sub_id, day))
                if header is not None:
                    self.store.header_sent(sub_id, day, header)
                    seen |= self.poster.sent_markers(sub.channel_id, thread_of=header)
                entries = self.store.run_entries(sub_id, day)
                for pid, state, _ in entries:
                    mid = seen.get(marker(sub_id, day, pid))
                    if state == "intent" and mid is not None:
                        self.store.entry_sent(sub.channel_id, pid, mid)
                if not entries:  # a note: delivered if its marker is there, else send it again
                    if header is None:
                        self._retry_note(sub, day)
                    else:
                        self.store.finish_run(sub_id, day, "sent")
                    finished += 1
                    continue
                topic = find_topic(self.topics, sub.topic)
                digest = Digest(topic=topic.name, date=day, announced=True, total_new=len(entries), shown=[])
                self._deliver(sub, day, digest)
                finished += 1
            except ChannelGone as e:
                self._gone(sub, day, e)
            except MessageRejected as e:
                self._rejected(sub, day, e)
            except Exception as e:  # still failing: try again on the next tick
                self._transient(sub_id, day, e)
        if finished:
            log.warning("recovered %d digest runs interrupted by a restart", finished)
        return finished

    def _retry_note(self, sub: Subscription, day: date) -> None:
        text = f"{sub.topic}: no new papers today."
        mid = self.poster.send(sub.channel_id, Outgoing("note", marker(sub.id, day), text=text))
        self.store.header_sent(sub.id, day, mid)
        self.store.finish_run(sub.id, day, "sent")
