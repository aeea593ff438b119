"""Run the real PaperLensBot against the loopback Discord (tests/helpers/fake_discord.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.client import PaperLensBot
from bot.config import BotSettings
from bot.services import Services
from bot.state import Conversations, Cooldowns
from index.answers.answer import Answerer
from index.answers.roles import RoleTagger
from index.answers.summarize import Summarizer
from index.config import LLMSettings
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore
from index.topics import load_topics
from tests.helpers.fake_discord import FakeDiscord
from tests.helpers.fakes import HashEmbedder

GUILD_READY_SECONDS = 0.5
MON = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)  # a Monday, after an 08:00 UTC digest time


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
    return World(
        fake, g, fake.add_channel(g, "papers"), fake.add_channel(g, "lounge"), manager, member, stranger
    )


def make_services(index: PaperIndex, **bot: Any) -> Services:
    llm = LLMSettings(_env_file=None)
    answerer = Answerer(index, llm)
    settings = BotSettings(
        _env_file=None, token="fake-token", chat_enabled=True, digest_check_seconds=3600, **bot
    )
    return Services(
        settings=settings,
        index=index,
        answerer=answerer,
        # Sentence roles from hashed vectors of the packaged model's width: the protocol tests check what
        # reaches Discord, not which sentence is a result, and never wait for a real model to load.
        summarizer=Summarizer(
            index, llm, slots=answerer.slots, tagger=RoleTagger(encode=HashEmbedder().encode)
        ),
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
    # discord.py fires READY only after no GUILD_CREATE has come for guild_ready_timeout (2 s): time
    # for a real gateway's stream of guilds. The fake sends every GUILD_CREATE right after READY on the
    # same socket, so a short wait sees them all; one arriving later would still be added before any
    # interaction behind it on that socket. Client(guild_ready_timeout=...) sets this same attribute.
    bot._connection.guild_ready_timeout = GUILD_READY_SECONDS
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


# ----- digests -----
def subscribe(ix: PaperIndex, w: World, channels: list[int]) -> list[int]:
    """Subscribe each channel to NeRF at 08:00 UTC, created three days before MON (so MON's run is due)."""
    store = DigestStore(ix.store)
    created = MON - timedelta(days=3)
    return [
        store.subscribe(
            guild_id=w.guild,
            channel_id=c,
            topic="NeRF",
            at="08:00",
            tz="UTC",
            created_by=w.manager,
            now=created,
        ).id
        for c in channels
    ]


async def quiet_scheduler(services: Services, bot: Any) -> None:
    """Stop the bot's own digest loop (the tests drive the runner at a chosen time) and wait for a tick
    already under way: the digest pool has one thread, so a no-op queued now runs after it."""
    cog = bot.get_cog("DigestCog")
    cog.scheduler.cancel()
    await services.run_digest(lambda: None)


async def drive_digests(services: Services, bot: Any, rounds: int = 6) -> None:
    """MON's tick, then what the scheduler's next checks do (recover() after a transient failure)."""
    cog = bot.get_cog("DigestCog")
    assert cog.runner is not None
    await services.run_digest(cog.runner.tick, MON)
    for _ in range(rounds):
        await services.run_digest(cog.runner.recover, datetime.now(UTC))


def markers(fake: FakeDiscord, channel: int) -> list[str]:
    """The digest markers of the embeds posted in a channel and in the threads under its messages."""
    out = []
    threads = [int(c["id"]) for c in fake.channels.values() if c.get("parent_id") == str(channel)]
    for cid in [channel, *threads]:
        for m in fake.channel_messages(cid):
            for e in m.get("embeds") or []:
                out.append((e.get("footer") or {}).get("text", "").split(" · ")[0])
    return out
