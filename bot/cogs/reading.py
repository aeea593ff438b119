"""What a group reads: /read add|list|done (a channel's reading list, or a member's own) and /recap (a
topic's week: themes with a synthesis citing its papers, the most-👍 papers, the reading list)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot import autocomplete, feed_render
from bot.cogs.feed import channel_key, member_key
from bot.render import NO_MENTIONS, safe
from bot.services import Services
from index.errors import InvalidQueryError, PaperLensError
from index.feed import Feed, Recap, recap
from index.models import Paper
from index.topics import Topic, find_topic


def _owner(interaction: discord.Interaction, personal: bool) -> tuple[str, str]:
    return ("member", member_key(interaction)) if personal else ("channel", channel_key(interaction))


class ReadingCog(commands.Cog):
    read = app_commands.Group(
        name="read", description="Reading lists: this channel's, or your own (personal)"
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.feed = Feed(services.index)

    def _topic(self, name: str) -> Topic:
        return find_topic(self.services.topics, name)

    # ----- reading lists -----
    @read.command(name="add")
    @app_commands.describe(paper="arXiv id, URL or title", personal="Your own list instead of this channel's")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def read_add(self, interaction: discord.Interaction, paper: str, personal: bool = False) -> None:
        """Put a paper on this channel's reading list (or your own)."""
        kind, owner = _owner(interaction, personal)
        await interaction.response.defer(ephemeral=personal, thinking=True)
        p = await self.services.run(self.feed.add_reading, kind, owner, paper, member_key(interaction))
        whose = "your" if personal else "this channel's"
        await interaction.followup.send(
            f"Added **{safe(p.title, 200)}** to {whose} reading list.",
            ephemeral=personal,
            allowed_mentions=NO_MENTIONS,
        )

    @read.command(name="list")
    @app_commands.describe(personal="Your own list instead of this channel's")
    async def read_list(self, interaction: discord.Interaction, personal: bool = False) -> None:
        """The papers still to read."""
        kind, owner = _owner(interaction, personal)
        await interaction.response.defer(ephemeral=personal, thinking=True)
        papers = await self.services.run(self.feed.reading, kind, owner)
        e = feed_render.reading_embed(
            "Your reading list" if personal else "This channel's reading list",
            papers,
            "Nothing to read: add papers with `/read add`.",
        )
        await interaction.followup.send(embed=e, ephemeral=personal, allowed_mentions=NO_MENTIONS)

    @read.command(name="done")
    @app_commands.describe(paper="arXiv id, URL or title", personal="Your own list instead of this channel's")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def read_done(self, interaction: discord.Interaction, paper: str, personal: bool = False) -> None:
        """Mark a paper of the reading list as read."""
        kind, owner = _owner(interaction, personal)
        await interaction.response.defer(ephemeral=personal, thinking=True)
        p = await self.services.run(self.services.index.resolve, paper)
        if not await self.services.run(self.feed.mark_done, kind, owner, p):
            raise PaperLensError(f"{p.title!r} is not on the reading list; see `/read list`.")
        await interaction.followup.send(
            f"Marked **{safe(p.title, 200)}** as read.", ephemeral=personal, allowed_mentions=NO_MENTIONS
        )

    # ----- the weekly recap -----
    @app_commands.command(name="recap")
    @app_commands.describe(
        topic="A configured topic", end="The week's last day, YYYY-MM-DD (default: the latest)"
    )
    @app_commands.autocomplete(topic=autocomplete.topics)
    async def recap_(self, interaction: discord.Interaction, topic: str, end: str | None = None) -> None:
        """A topic's week: themes with a synthesis citing its papers, most-👍 papers, the reading list."""
        t = self._topic(topic)
        day = _parse_day(end) if end else None
        await interaction.response.defer(thinking=True)
        r, papers = await self.services.run(self._recap, t, day, channel_key(interaction))
        await interaction.followup.send(
            embeds=feed_render.recap_embeds(r, papers), allowed_mentions=NO_MENTIONS
        )

    def _recap(self, t: Topic, day: date | None, channel: str) -> tuple[Recap, dict[str, Paper]]:
        when = day or self.services.index.latest_published(t.name) or datetime.now(UTC).date()
        r = recap(self.feed, t, when, channel=channel)
        ids = list(r.citations.values()) + r.reading + [pid for g in r.groups for pid, _ in g.top_liked]
        return r, {pid: got[1] for pid in ids if (got := self.services.index.get(pid)) is not None}


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as e:
        raise InvalidQueryError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2024-04-14.") from e


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ReadingCog(bot.services))  # type: ignore[attr-defined]
