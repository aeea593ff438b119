"""The Bot subclass: dependencies injected in __init__; models warmed, cogs loaded and commands synced (only
when they changed) in setup_hook; commands in flight finished or apologised for on close; clicks on
controls no handler knows answered as expired."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import reply_error
from bot.inflight import InFlight, ShuttingDown
from bot.render import NO_MENTIONS, error_embed
from bot.services import Services

log = logging.getLogger(__name__)

COGS = (
    "bot.cogs.search",
    "bot.cogs.ask",
    "bot.cogs.digest",
    "bot.cogs.admin",
    "bot.cogs.feed",
    "bot.cogs.reading",
)
EXPIRED_CONTROL = (
    "This button has expired: it belongs to an older message, from before the bot restarted or from an "
    "older version of PaperLens. Run the command again."
)


class TrackedTree(app_commands.CommandTree["PaperLensBot"]):
    """The command tree, registering every slash command it runs so a shutdown can wait for it."""

    def __init__(self, client: PaperLensBot, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.inflight = InFlight()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is not discord.InteractionType.application_command:
            return True  # autocomplete answers within Discord's 3 s on its own
        if self.inflight.closing:
            await reply_error(interaction, ShuttingDown())
            return False
        self.inflight.track(interaction)
        return True


def intents_for(chat_enabled: bool) -> discord.Intents:
    """Default intents; Message Content only when chat answers are enabled."""
    intents = discord.Intents.default()
    intents.message_content = chat_enabled
    return intents


class PaperLensBot(commands.AutoShardedBot):
    """Sharded from the start: one process can run all shards, or several processes a subset each
    (PAPERLENS_BOT_SHARD_COUNT / PAPERLENS_BOT_SHARD_IDS); digests are claimed in the database."""

    def __init__(self, services: Services) -> None:
        shards: dict[str, Any] = (
            {"shard_ids": services.settings.shard_ids} if services.settings.shard_ids else {}
        )
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(services.settings.chat_enabled),
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            shard_count=services.settings.shard_count,
            tree_cls=TrackedTree,
            **shards,
        )
        self.services = services
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        # custom_id patterns some handler answers (cogs add theirs); any other click is an expired control.
        self.component_ids: list[re.Pattern[str]] = []

    async def on_message(self, message: discord.Message, /) -> None:
        """PaperLens has slash commands only: no prefix-command parsing (which logged every mention as a
        CommandNotFound error). The chat cog's own listener still sees every message."""

    async def setup_hook(self) -> None:
        # Load the models and indexes before the first command, not during it.
        await self.services.run(self.services.index.warm)
        if self.services.titles is not None:
            await self.services.run(self.services.titles.suggest, "")
        for name in COGS:
            await self.load_extension(name)
        if self.services.settings.sync_commands:
            await self.sync_if_changed()

    async def sync_if_changed(self) -> bool:
        """Sync the command tree only when its payload differs from the last one synced from this store
        (every process of a deployment shares it): no global sync on every start of every shard."""
        s = self.services.settings
        guild = discord.Object(id=s.dev_guild) if s.dev_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
        key = f"discord_commands:{self.application_id}:{s.dev_guild or 'global'}"
        store = self.services.index.store
        if await self.services.run(store.get_meta, key) == digest:
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.services.run(store.set_meta, key, digest)
        log.info("synced %d commands %s", len(synced), "to the development guild" if guild else "globally")
        return True

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (%s) to %d servers", self.user, getattr(self.user, "id", "?"), len(self.guilds)
        )

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await reply_error(interaction, error)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click on a button or menu no handler of this version knows (a message from an older version,
        or whose view did not survive a restart): say so, instead of Discord's bare "This interaction
        failed"."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if any(p.match(custom_id) for p in self.component_ids):
            return
        log.info("a click on an unknown control %r; answering that it expired", custom_id[:100])
        try:
            await interaction.response.send_message(
                embed=error_embed(EXPIRED_CONTROL), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException:
            log.info("could not answer a click on an unknown control")

    async def close(self) -> None:
        """Give commands in flight a bounded grace period (then an apology), then disconnect."""
        tree = self.tree
        if isinstance(tree, TrackedTree) and not self.is_closed():
            await tree.inflight.drain(self.services.settings.shutdown_grace_seconds)
        await super().close()
        self.services.close()
