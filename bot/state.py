"""In-process bot state: per-user cooldowns and chat threads' context."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class Cooldowns:
    """At most ``rate`` uses per ``per`` seconds per user (a sliding window)."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.per, self.clock = rate, per, clock
        self._uses: dict[int, deque[float]] = {}

    def hit(self, user_id: int) -> float | None:
        """Record a use; return None if allowed, else the seconds to wait."""
        now = self.clock()
        uses = self._uses.setdefault(user_id, deque())
        while uses and now - uses[0] >= self.per:
            uses.popleft()
        if len(uses) >= self.rate:
            return self.per - (now - uses[0])
        uses.append(now)
        return None


class Conversations:
    """The papers discussed in each chat thread (most recent threads kept), for follow-up questions."""

    def __init__(self, limit: int = 1000, papers_per_thread: int = 5) -> None:
        self.limit, self.per_thread = limit, papers_per_thread
        self._threads: OrderedDict[int, list[str]] = OrderedDict()

    def __contains__(self, thread_id: int) -> bool:
        return thread_id in self._threads

    def papers(self, thread_id: int) -> list[str]:
        return list(self._threads.get(thread_id, []))

    def remember(self, thread_id: int, paper_ids: list[str]) -> None:
        old = self._threads.pop(thread_id, [])
        merged = list(dict.fromkeys(paper_ids + old))[: self.per_thread]
        self._threads[thread_id] = merged
        while len(self._threads) > self.limit:
            self._threads.popitem(last=False)
