"""What the bot needs, built once at start-up and handed to the cogs (no module-level singletons)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.config import BotSettings
from bot.state import Conversations, Cooldowns
from index.answer import Answerer
from index.paperindex import PaperIndex
from index.summarize import Summarizer
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
    extra: dict[str, Any] = field(default_factory=dict)

    def topic_choices(self, current: str) -> list[tuple[str, str]]:
        """(name, value) pairs of configured topics matching what the user typed (autocomplete)."""
        low = current.lower()
        return [(t.name[:100], t.name[:100]) for t in self.topics if low in t.name.lower()][:25]

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Blocking index work (embedding, FAISS, SQLite) off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def run_llm(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Work that may call a language model: also bounded by the global LLM concurrency limit."""
        async with self.llm_slots:
            return await asyncio.to_thread(fn, *args, **kwargs)
