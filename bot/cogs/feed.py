"""The personal feed: /feed, /like /dislike /unvote, /follow /unfollow author, /mute /unmute, /topic seed|unseed,
/read add|list|done, /prefs, /dmdigest on|off, /recap, and the daily personal digest sent by direct message.

Members are "discord:<user id>"; a channel's seeds, reading list and recap are keyed by the channel id.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import autocomplete, feed_render
from bot.feed_digest import PersonalDigests
from bot.render import NO_MENTIONS, cut, safe
from bot.services import Services
from index.errors import InvalidQueryError
from index.feed import Feed
from index.feed.dm_log import DMLog
from index.feed.seed_files import match_seeds, parse_seed_file
from index.models import Paper
from index.topics import Topic, find_topic

log = logging.getLogger(__name__)
MAX_SEED_FILE = 1_000_000


def member_key(interaction: discord.Interaction) -> str:
    return f"discord:{interaction.user.id}"


def channel_key(interaction: discord.Interaction) -> str:
    return str(interaction.channel_id or "")


class FeedCog(commands.Cog):
    follow = app_commands.Group(name="follow", description="Follow an author in your feed")
    unfollow = app_commands.Group(name="unfollow", description="Stop following an author")
    topic = app_commands.Group(name="topic", description="Seed papers that define a topic here")
    dmdigest = app_commands.Group(name="dmdigest", description="Your personal digest by direct message")

    def __init__(self, bot: commands.Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.feed = Feed(services.index)
        self.digests = PersonalDigests(bot, services, self.feed, DMLog(services.index.store))

    async def cog_load(self) -> None:
        self.dm_loop.change_interval(seconds=self.services.settings.digest_check_seconds)
        self.dm_loop.start()

    async def cog_unload(self) -> None:
        self.dm_loop.cancel()

    @tasks.loop(seconds=60)
    async def dm_loop(self) -> None:
        try:
            await self.digests.tick(datetime.now(UTC))
        except Exception:  # one bad tick must not stop the loop
            log.exception("personal digest tick failed")

    @dm_loop.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    def _topic(self, name: str) -> Topic:
        return find_topic(self.services.topics, name)

    # ----- the feed -----
    @app_commands.command(name="feed")
    @app_commands.describe(
        topic="One topic (default: the topics you vote in)",
        k="How many papers",
        days="Only papers of the last N days",
    )
    @app_commands.autocomplete(topic=autocomplete.topics)
    async def feed_(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        k: app_commands.Range[int, 1, 10] = 5,
        days: app_commands.Range[int, 1, 3650] | None = None,
    ) -> None:
        """Your ranked papers, each with why it is there."""
        member = member_key(interaction)
        topics = [self._topic(topic)] if topic else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        since = datetime.now(UTC).date() - timedelta(days=days) if days else None
        chosen = (
            topics
            if topics
            else await self.services.run(self.feed.followed_topics, member, self.services.topics)
        )
        items = await self.services.run(
            self.feed.member_feed, member, chosen, k=k, since=since, channel=channel_key(interaction)
        )
        e = feed_render.feed_embed(
            f"Your feed: {', '.join(t.name for t in chosen)}",
            items,
            "No papers to show yet: your topics have no papers you have not voted on.",
        )
        await interaction.followup.send(embed=e, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def _vote(self, interaction: discord.Interaction, paper: str, value: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        p = await self.services.run(
            self.feed.vote, member_key(interaction), paper, value, channel=channel_key(interaction), topic=""
        )
        said = {1: "👍 noted", -1: "👎 noted"}[value]
        await interaction.followup.send(
            f"{said} for **{safe(p.title, 200)}**; undo with `/unvote paper:{p.id}`.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="like")
    @app_commands.describe(paper="arXiv id, URL or title")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def like(self, interaction: discord.Interaction, paper: str) -> None:
        """👍 a paper: your feed ranks papers like it higher."""
        await self._vote(interaction, paper, 1)

    @app_commands.command(name="dislike")
    @app_commands.describe(paper="arXiv id, URL or title")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def dislike(self, interaction: discord.Interaction, paper: str) -> None:
        """👎 a paper: your feed ranks papers like it lower."""
        await self._vote(interaction, paper, -1)

    @app_commands.command(name="unvote")
    @app_commands.describe(paper="arXiv id, URL or title")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def unvote(self, interaction: discord.Interaction, paper: str) -> None:
        """Remove your vote on a paper."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.services.run(self.feed.unvote, member_key(interaction), paper)
        await interaction.followup.send(
            "Vote removed." if removed else "You had no vote on that paper.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # ----- follows and mutes -----
    @follow.command(name="author")
    @app_commands.describe(person="The author's name, any spelling ('Su, Hao' or 'Hao Su')")
    async def follow_author(
        self, interaction: discord.Interaction, person: app_commands.Range[str, 1, 200]
    ) -> None:
        """Put an author's papers at the top of your feed."""
        added = await self.services.run(self.feed.follow, member_key(interaction), person)
        await interaction.response.send_message(
            (
                f"Following **{safe(person, 200)}**; undo with `/unfollow author`."
                if added
                else "You already follow that author."
            ),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @unfollow.command(name="author")
    @app_commands.describe(person="The author's name")
    async def unfollow_author(
        self, interaction: discord.Interaction, person: app_commands.Range[str, 1, 200]
    ) -> None:
        """Stop following an author."""
        removed = await self.services.run(self.feed.unfollow, member_key(interaction), person)
        await interaction.response.send_message(
            "Unfollowed." if removed else "You do not follow that author (see /prefs).",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="mute")
    @app_commands.describe(keyword="A word or phrase; papers holding it leave your feed")
    async def mute(self, interaction: discord.Interaction, keyword: app_commands.Range[str, 1, 100]) -> None:
        """Hide papers about a keyword from your feed."""
        added = await self.services.run(self.feed.mute, member_key(interaction), keyword)
        await interaction.response.send_message(
            (f"Muted **{safe(keyword, 100)}**; undo with `/unmute`." if added else "Already muted."),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="unmute")
    @app_commands.describe(keyword="A muted keyword")
    async def unmute(
        self, interaction: discord.Interaction, keyword: app_commands.Range[str, 1, 100]
    ) -> None:
        """Show papers about a muted keyword again."""
        removed = await self.services.run(self.feed.unmute, member_key(interaction), keyword)
        await interaction.response.send_message(
            "Unmuted." if removed else "That keyword is not muted (see /prefs).",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # ----- seed papers -----
    @topic.command(name="seed")
    @app_commands.describe(
        topic="A configured topic",
        paper="arXiv id, URL or title",
        file="A BibTeX (.bib) or RIS (.ris) file of seed papers",
    )
    @app_commands.autocomplete(topic=autocomplete.topics, paper=autocomplete.papers)
    async def seed(
        self,
        interaction: discord.Interaction,
        topic: str,
        paper: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Make papers seed examples of a topic in this channel."""
        t = self._topic(topic)
        if not paper and file is None:
            raise InvalidQueryError("Give a paper, or attach a BibTeX or RIS file of papers.")
        if file is not None and file.size > MAX_SEED_FILE:
            raise InvalidQueryError(
                f"The file is too large ({file.size:,} bytes); at most {MAX_SEED_FILE:,}."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel, who = channel_key(interaction), member_key(interaction)
        added: list[Paper] = []
        missing: list[str] = []
        if paper:
            added.append(await self.services.run(self.feed.seed, t, paper, channel=channel, added_by=who))
        if file is not None:
            refs = await self.services.run(parse_seed_file, await file.read(), file.filename)
            found, missing = await self.services.run(match_seeds, self.services.index, refs)
            for p in found:
                added.append(await self.services.run(self.feed.seed, t, p.id, channel=channel, added_by=who))
        lines = [f"Seeded **{safe(t.name, 100)}** here with {len(added)} paper(s):"]
        lines += [f"• {safe(p.title, 150)} (`{p.id}`)" for p in added[:15]]
        if missing:
            lines.append(f"Not held here ({len(missing)}): " + safe("; ".join(missing[:10]), 600))
        lines.append("Undo with `/topic unseed`.")
        await interaction.followup.send(
            cut("\n".join(lines), 2000), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @topic.command(name="unseed")
    @app_commands.describe(topic="A configured topic", paper="arXiv id, URL or title")
    @app_commands.autocomplete(topic=autocomplete.topics, paper=autocomplete.papers)
    async def unseed(self, interaction: discord.Interaction, topic: str, paper: str) -> None:
        """Stop using a paper as a seed of a topic in this channel."""
        t = self._topic(topic)
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.services.run(self.feed.unseed, t, paper, channel=channel_key(interaction))
        await interaction.followup.send(
            "Seed removed." if removed else "That paper is no seed of this topic here.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # ----- preferences and the personal digest -----
    @app_commands.command(name="prefs")
    @app_commands.describe(forget="Remove every vote and preference the feed keeps about you")
    async def prefs(self, interaction: discord.Interaction, forget: bool = False) -> None:
        """Everything your feed knows about you, and how to undo each."""
        member = member_key(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if forget:
            n = await self.services.run(self.feed.forget, member)
            await interaction.followup.send(f"Forgotten: {n} votes and preferences removed.", ephemeral=True)
            return
        prefs = await self.services.run(self.feed.preferences, member)
        ids = [pid for pid, _ in prefs["votes"]] + list(prefs["reading"])
        titles = await self.services.run(self._titles, ids)
        await interaction.followup.send(
            embed=feed_render.prefs_embed(prefs, titles), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    def _titles(self, ids: list[str]) -> dict[str, str]:
        return {pid: got[1].title for pid in ids if (got := self.services.index.get(pid)) is not None}

    @dmdigest.command(name="on")
    async def dm_on(self, interaction: discord.Interaction) -> None:
        """Get your best new papers by direct message once a day."""
        await self.services.run(self.feed.set_digest, member_key(interaction), True)
        await interaction.response.send_message(
            "Your personal digest is on: once a day I send you your best new papers of the topics you vote in, "
            "by direct message. `/dmdigest off` stops it.",
            ephemeral=True,
        )

    @dmdigest.command(name="off")
    async def dm_off(self, interaction: discord.Interaction) -> None:
        """Stop your personal digest."""
        await self.services.run(self.feed.set_digest, member_key(interaction), False)
        await interaction.response.send_message("Your personal digest is off.", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(FeedCog(bot, bot.services))  # type: ignore[attr-defined]
