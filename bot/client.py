"""The Bot subclass: dependencies injected in __init__, cogs loaded and commands synced in setup_hook."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import reply_error
from bot.render import NO_MENTIONS
from bot.services import Services

log = logging.getLogger(__name__)

COGS = ("bot.cogs.search", "bot.cogs.ask", "bot.cogs.digest", "bot.cogs.admin")


def intents_for(chat_enabled: bool) -> discord.Intents:
    """Default intents; Message Content only when chat answers are enabled."""
    intents = discord.Intents.default()
    intents.message_content = chat_enabled
    return intents


class PaperLensBot(commands.AutoShardedBot):
    """Sharded from the start: one process can run all shards, or several processes a subset each
    (PAPERLENS_BOT_SHARD_COUNT / PAPERLENS_BOT_SHARD_IDS); digests are claimed in the database."""

    def __init__(self, services: Services) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(services.settings.chat_enabled),
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            shard_count=services.settings.shard_count,
            shard_ids=services.settings.shard_ids,
        )
        self.services = services
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        for name in COGS:
            await self.load_extension(name)
        s = self.services.settings
        if s.sync_commands:
            if s.dev_guild:
                guild = discord.Object(id=s.dev_guild)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to the development guild", len(synced))
            else:
                synced = await self.tree.sync()
                log.info("synced %d commands globally", len(synced))

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (%s) to %d servers", self.user, getattr(self.user, "id", "?"), len(self.guilds)
        )

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await reply_error(interaction, error)
