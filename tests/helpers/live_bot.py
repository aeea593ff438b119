"""Run the real PaperLensBot against the loopback Discord (tests/helpers/fake_discord.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.client import PaperLensBot
from bot.config import BotSettings
from bot.services import Services
from bot.state import Conversations, Cooldowns
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.config import LLMSettings
from index.paperindex import PaperIndex
from index.topics import load_topics
from tests.helpers.fake_discord import FakeDiscord


@dataclass
class World:
    """A server with a manager, a member, two text channels, and a stranger who only DMs the bot."""

    fake: FakeDiscord
    guild: int
    papers: int  # the #papers channel
    lounge: int
    manager: int
    member: int
    stranger: int


def make_world(fake: FakeDiscord) -> World:
    g = fake.add_guild("vision-lab")
    manager, member, stranger = fake.add_user("pi"), fake.add_user("student"), fake.add_user("stranger")
    fake.add_member(g, manager, manage_guild=True)
    fake.add_member(g, member)
    return World(fake, g, fake.add_channel(g, "papers"), fake.add_channel(g, "lounge"), manager, member, stranger)


def make_services(index: PaperIndex, **bot: Any) -> Services:
    llm = LLMSettings(_env_file=None)
    answerer = Answerer(index, llm)
    settings = BotSettings(_env_file=None, token="fake-token", chat_enabled=True, digest_check_seconds=3600, **bot)
    return Services(
        settings=settings,
        index=index,
        answerer=answerer,
        summarizer=Summarizer(index, llm, slots=answerer.slots),
        topics=load_topics(),
        cooldowns=Cooldowns(settings.ask_rate, settings.ask_per_seconds),
        preview_cooldowns=Cooldowns(settings.preview_rate, settings.preview_per_seconds),
        conversations=Conversations(),
    )


@contextlib.asynccontextmanager
async def live_bot(fake: FakeDiscord, services: Services) -> AsyncIterator[PaperLensBot]:
    """Log the bot in to the fake, wait for READY, yield it, and close it (its services stay usable)."""
    undo = fake.point_client_here()
    bot = PaperLensBot(services)
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await fake.wait_for(lambda: bot.is_ready() or task.done(), timeout=120)
        if task.done():
            task.result()
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        undo()


@contextlib.asynccontextmanager
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def fresh_executors(services: Services) -> None:
    """A closed bot shuts its pools down; a restart in the same test gets new ones."""
    from concurrent.futures import ThreadPoolExecutor

    services.executor = ThreadPoolExecutor(services.settings.workers, thread_name_prefix="paperlens")
    services.digest_executor = ThreadPoolExecutor(1, thread_name_prefix="paperlens-digest")
