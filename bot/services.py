"""What the bot needs, built once at start-up and handed to the cogs (no module-level singletons)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.autocomplete import PaperTitles
from bot.config import BotSettings
from bot.state import Conversations, Cooldowns
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.paperindex import PaperIndex
from index.topics import Topic

T = TypeVar("T")


@dataclass
class Services:
    settings: BotSettings
    index: PaperIndex
    answerer: Answerer
    summarizer: Summarizer
    topics: list[Topic]
    cooldowns: Cooldowns
    conversations: Conversations = field(default_factory=Conversations)
    llm_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    preview_cooldowns: Cooldowns = field(default_factory=lambda: Cooldowns(2, 300))
    titles: PaperTitles | None = None
    # The bot's own bounded pools: commands never queue behind a long digest tick (and vice versa),
    # and neither competes with the event loop's default executor.
    executor: ThreadPoolExecutor | None = None
    digest_executor: ThreadPoolExecutor | None = None

    def __post_init__(self) -> None:
        if self.titles is None:
            self.titles = PaperTitles(self.index)
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="paperlens")
        if self.digest_executor is None:
            self.digest_executor = ThreadPoolExecutor(1, thread_name_prefix="paperlens-digest")

    def topic_choices(self, current: str) -> list[tuple[str, str]]:
        """(name, value) pairs of configured topics matching what the user typed (autocomplete)."""
        low = current.lower()
        return [(t.name[:100], t.name[:100]) for t in self.topics if low in t.name.lower()][:25]

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Blocking index work (embedding, FAISS, SQLite) off the event loop, on the bot's own pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def run_llm(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Work that may call a language model: also bounded by the global LLM concurrency limit."""
        async with self.llm_slots:
            return await self.run(fn, *args, **kwargs)

    async def run_digest(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The digest scheduler's work, on a thread of its own."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.digest_executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        for ex in (self.executor, self.digest_executor):
            if ex is not None:
                ex.shutdown(wait=False, cancel_futures=True)
