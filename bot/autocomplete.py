"""Autocomplete shared by the cogs; the services come from the client the interaction belongs to."""

from __future__ import annotations

import discord
from discord import app_commands


async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Configured topics matching what the user typed."""
    services = interaction.client.services  # type: ignore[attr-defined]
    return [app_commands.Choice(name=n, value=v) for n, v in services.topic_choices(current)]
