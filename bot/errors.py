"""One error handler for every application command: user errors become ephemeral replies."""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands

from bot.render import NO_MENTIONS, error_embed
from index.errors import PaperLensError

log = logging.getLogger(__name__)


class RateLimited(PaperLensError):
    """A user asked too often."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"You are asking faster than I can think: try again in {retry_after:.0f} s.")
        self.retry_after = retry_after


def user_message(error: BaseException) -> str | None:
    """The message to show for an error, or None when it is a bug (logged, generic reply)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, PaperLensError):
        return str(error)
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission for this command."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server channel, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    if isinstance(error, discord.Forbidden):
        return "I lack a permission in this channel (Send Messages, Embed Links or Create Threads)."
    if isinstance(error, discord.HTTPException) and 400 <= error.status < 500 and error.status != 429:
        # Discord refused the answer itself (400 Invalid Form Body: a field it does not accept): the
        # same answer would be refused again, so say so instead of "try again later".
        log.warning("Discord refused an answer: %s %s", error.status, error.text)
        return (
            f"Discord refused to show this answer ({error.status}: {error.text or 'refused'}"[:300]
            + "). It has been logged; try another paper or question."
        )
    return None


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Reply ephemerally; a deferred public placeholder is removed so the error stays private."""
    message = user_message(error)
    if message is None:
        cmd = interaction.command.qualified_name if interaction.command else "?"
        log.error("command %s failed", cmd, exc_info=error)
        message = "Something went wrong on my side; it has been logged. Please try again later."
    embed = error_embed(message)
    try:
        if interaction.response.is_done():
            # After a thinking defer, Discord turns the first follow-up into the "thinking…" message itself
            # (public if the defer was): remove the placeholder first, so the error is a new, private message.
            if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()
            await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)
