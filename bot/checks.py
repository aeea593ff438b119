"""Checks every guild-only or manager-only command runs itself, whatever Discord's own settings say."""

from __future__ import annotations

import discord
from discord import app_commands


def require_guild(interaction: discord.Interaction) -> int:
    """The server an interaction came from. Discord hides guild-only commands in DMs, but a stale client
    or a crafted request can still send one: refuse it here too."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def require_manage_guild(interaction: discord.Interaction) -> int:
    gid = require_guild(interaction)
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return gid
