"""Slash commands being answered, so that a shutdown (SIGTERM on a deploy) does not drop them.

Without this, closing the bot cancelled an /ask mid-answer: the member saw "thinking…" turn into "The
application did not respond" and never learned why. On shutdown each command still running gets a
bounded grace period to finish; the ones that cannot are cancelled and get an apology, and commands that
arrive meanwhile are told to try again, all before the client closes its connection.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.errors import reply_error
from index.errors import PaperLensError

log = logging.getLogger(__name__)


class ShuttingDown(PaperLensError):
    """The bot is restarting: the command was not (or not fully) answered."""

    def __init__(self) -> None:
        super().__init__(
            "PaperLens is restarting and could not finish this. Please run the command again in a minute."
        )


class InFlight:
    """The tasks answering application commands, and the interaction each answers."""

    def __init__(self) -> None:
        self._running: dict[asyncio.Task[object], discord.Interaction] = {}
        self.closing = False

    def __len__(self) -> int:
        return len(self._running)

    def track(self, interaction: discord.Interaction) -> None:
        """Register the current task as answering ``interaction``, until it ends."""
        task = asyncio.current_task()
        if task is None:
            return
        self._running[task] = interaction
        task.add_done_callback(self._running.pop)

    async def drain(self, grace: float) -> int:
        """Let running commands finish for up to ``grace`` seconds, then cancel the rest and apologise to
        each of their members. Returns how many had to be cancelled."""
        self.closing = True
        if not self._running:
            return 0
        log.info("waiting up to %.0f s for %d command(s) still being answered", grace, len(self._running))
        _, pending = await asyncio.wait(list(self._running), timeout=grace)
        late = [(t, self._running[t]) for t in pending if t in self._running]
        for task, _ in late:
            task.cancel()
        await asyncio.gather(*(t for t, _ in late), return_exceptions=True)
        for _, interaction in late:
            cmd = interaction.command.qualified_name if interaction.command else "?"
            log.warning(
                "/%s (interaction %s) did not finish before shutdown; apologising", cmd, interaction.id
            )
            await reply_error(interaction, ShuttingDown())
        return len(late)
