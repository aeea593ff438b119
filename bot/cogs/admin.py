"""Operator controls: index status for server managers."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.checks import require_manage_guild
from bot.render import NO_MENTIONS
from bot.services import Services


class AdminCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="status")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def status(self, interaction: discord.Interaction) -> None:
        """What the index holds: papers, model, index type, topics."""
        require_manage_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        st = await self.services.run(self.services.index.stats)
        e = discord.Embed(title="PaperLens status", colour=render.COLOR)
        for key in ("papers", "model", "dtype", "index_type", "vectors", "multilingual_vectors"):
            e.add_field(name=key, value=render.safe(str(st.get(key)), 200), inline=True)
        topics = ", ".join(f"{k}: {v}" for k, v in (st.get("topics") or {}).items())
        e.add_field(name="topics", value=render.safe(topics or "none", 1000), inline=False)
        e.set_footer(text=f"answers: {self.services.answerer.provider}")
        await interaction.followup.send(embed=e, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AdminCog(bot.services))  # type: ignore[attr-defined]
