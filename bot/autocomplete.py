"""Autocomplete for the cogs: configured topics, and paper titles ranked by rapidfuzz.

Paper autocomplete runs on every keystroke, so it must answer well inside Discord's 3-second deadline at
any corpus size and never run on the event loop: titles are loaded and pre-processed once per store
generation, ranked by rapidfuzz in a worker thread, and recent answers are cached.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict

import discord
from discord import app_commands
from rapidfuzz import fuzz, process, utils

from index.paperindex import PaperIndex

LIMIT = 25


class PaperTitles:
    """Titles and ids of every paper, cached per store generation, for ranked suggestions."""

    def __init__(self, index: PaperIndex, cache_size: int = 512) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._generation = -1
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._processed: list[str] = []
        self._by_id: list[tuple[str, int]] = []  # (lower-cased id, position), sorted: id-prefix lookups
        self._cache: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()
        self._cache_size = cache_size

    def _refresh(self) -> None:
        gen = self.index.generation
        if gen == self._generation:
            return
        rows = self.index.titles()
        self._ids = [pid for _, pid, _ in rows]
        self._titles = [t for _, _, t in rows]
        self._processed = [utils.default_process(t) for t in self._titles]
        self._by_id = sorted((pid.lower(), i) for i, pid in enumerate(self._ids))
        self._cache.clear()
        self._generation = gen

    def suggest(self, current: str, limit: int = LIMIT) -> list[tuple[str, str]]:
        """(paper id, title) best first: ids starting with what was typed, then titles by fuzzy score;
        the most recently added papers when nothing is typed yet."""
        with self._lock:
            self._refresh()
            key = current.strip().lower()
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            if not key:
                picks = list(range(len(self._ids) - 1, max(-1, len(self._ids) - 1 - limit), -1))
            else:
                start = bisect.bisect_left(self._by_id, (key, -1))
                picks = []
                for low, i in self._by_id[start : start + limit]:
                    if not low.startswith(key):
                        break
                    picks.append(i)
                query = utils.default_process(current)
                if query and len(picks) < limit:
                    found = process.extract(
                        query,
                        self._processed,
                        scorer=fuzz.WRatio,
                        processor=None,
                        limit=limit,
                        score_cutoff=40,
                    )
                    picks += [i for _, _, i in found if i not in picks]
            out = [(self._ids[i], self._titles[i]) for i in picks[:limit]]
            self._cache[key] = out
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return out


def choice(pid: str, title: str) -> app_commands.Choice[str]:
    name = f"{title} ({pid})"
    name = name if len(name) <= 100 else name[:99] + "…"
    return app_commands.Choice(name=name, value=pid[:100])


async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Configured topics matching what the user typed."""
    services = interaction.client.services  # type: ignore[attr-defined]
    return [app_commands.Choice(name=n, value=v) for n, v in services.topic_choices(current)]


async def papers(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Papers whose id or title matches what the user typed; nothing (rather than late) past the deadline."""
    import asyncio

    services = interaction.client.services  # type: ignore[attr-defined]
    try:
        found = await asyncio.wait_for(
            services.run(services.titles.suggest, current), timeout=services.settings.autocomplete_seconds
        )
    except TimeoutError:
        return []
    return [choice(pid, title) for pid, title in found]
