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


# What a digest needs from the bot in its channel, and what it can do without (said, not refused).
DIGEST_NEEDS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",  # how a restarted bot sees what it already posted
}
DIGEST_WANTS = {
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "add_reactions": "Add Reactions",
}


def lacking(perms: discord.Permissions, wanted: dict[str, str]) -> list[str]:
    """The names (as Discord's settings show them) of the ``wanted`` permissions ``perms`` lacks."""
    return [label for name, label in wanted.items() if not getattr(perms, name)]


def bot_permissions(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel
) -> discord.Permissions:
    """The bot's permissions in ``channel``: as Discord sent them for the channel the command came from,
    else computed from the cached roles and overwrites."""
    if channel.id == interaction.channel_id:
        return interaction.app_permissions
    me = interaction.guild.me if interaction.guild is not None else None
    return channel.permissions_for(me) if me is not None else discord.Permissions.none()
