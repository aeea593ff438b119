"""/digest subscribe|unsubscribe|list|preview|stats, the scheduler loop, and 👍/👎 feedback."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import autocomplete, render
from bot.checks import DIGEST_NEEDS, DIGEST_WANTS, bot_permissions, lacking, require_manage_guild
from bot.errors import RateLimited
from bot.poster import DISLIKE, LIKE, DiscordPoster, digest_message
from bot.render import NO_MENTIONS
from bot.services import Services
from index.digests.build import build_digest
from index.digests.posting import Outgoing
from index.digests.runner import DigestRunner
from index.errors import PaperLensError
from index.feed.digest_link import mirror_digest_vote
from index.ingest import ingest_topic
from index.models import Digest
from index.storage.digests import DigestStore, marker
from index.topics import Topic, find_topic

log = logging.getLogger(__name__)
PREVIEW_ENTRIES = 4


# discord.py ignores guild_only and default_permissions on subcommands: Discord reads them from the group.
@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class DigestCog(commands.GroupCog, group_name="digest", group_description="Daily topic digests"):
    def __init__(self, bot: commands.Bot, services: Services) -> None:
        super().__init__()
        self.bot = bot
        self.services = services
        self.store = DigestStore(services.index.store)
        self.runner: DigestRunner | None = None

    async def cog_load(self) -> None:
        poster = DiscordPoster(self.bot, asyncio.get_running_loop())
        s = self.services
        self.runner = DigestRunner(
            s.index,
            s.summarizer,
            self.store,
            s.topics,
            poster,
            max_entries=s.settings.digest_max_entries,
            refresh=lambda topic: ingest_topic(s.index, topic).added,
        )
        self.scheduler.change_interval(seconds=s.settings.digest_check_seconds)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.scheduler.cancel()

    @tasks.loop(seconds=60)
    async def scheduler(self) -> None:
        assert self.runner is not None
        try:
            # Runs a crash interrupted become recoverable when their owner's lease runs out.
            await self.services.run_digest(self.runner.recover)
            await self.services.run_digest(self.runner.tick, datetime.now(UTC))
        except Exception:  # one bad tick must not stop the loop
            log.exception("digest scheduler tick failed")

    @scheduler.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    # ----- commands -----
    @app_commands.command(name="subscribe")
    @app_commands.describe(
        topic="A configured topic",
        channel="Where to post (default: here)",
        time="Local time HH:MM (default 08:00)",
        timezone="IANA zone, e.g. Asia/Shanghai",
        quiet="Stay silent on days with no new papers",
    )
    @app_commands.autocomplete(topic=autocomplete.topics)
    async def subscribe(
        self,
        interaction: discord.Interaction,
        topic: str,
        channel: discord.TextChannel | None = None,
        time: str = "08:00",
        timezone: str = "UTC",
        quiet: bool = False,
    ) -> None:
        """Post a topic's new papers to a channel every morning."""
        gid = require_manage_guild(interaction)
        name = find_topic(self.services.topics, topic).name
        target = channel or interaction.channel
        assert target is not None
        perms = bot_permissions(interaction, target)  # type: ignore[arg-type]
        missing = lacking(perms, DIGEST_NEEDS)
        if missing:
            raise PaperLensError(
                f"I cannot post digests in <#{target.id}>: I lack {', '.join(missing)} there. Grant "
                "them to PaperLens in the channel's permissions, then subscribe again."
            )
        notes = []
        if lacking(perms, {k: v for k, v in DIGEST_WANTS.items() if "thread" in k}):
            notes.append(
                "I cannot open or write in threads there, so the papers beyond the first few are posted in "
                "the channel itself (grant Create Public Threads and Send Messages in Threads to keep them in "
                "a thread)."
            )
        if not perms.add_reactions:
            notes.append(
                f"I cannot add {LIKE}/{DISLIKE} there; members' own reactions still tune the digests."
            )
        await interaction.response.defer(thinking=True)
        sub = await self.services.run(
            self.store.subscribe,
            guild_id=gid,
            channel_id=target.id,
            topic=name,
            at=time,
            tz=timezone,
            quiet=quiet,
            created_by=interaction.user.id,
        )
        await interaction.followup.send(
            f"Subscribed <#{sub.channel_id}> to **{render.safe(name, 100)}** at {sub.at} ({sub.tz}), on arXiv "
            "announcement days"
            + (", quiet on days without papers." if quiet else ".")
            + "".join(f"\nNote: {n}" for n in notes),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="unsubscribe")
    @app_commands.describe(topic="The topic", channel="The channel (default: here)")
    @app_commands.autocomplete(topic=autocomplete.topics)
    async def unsubscribe(
        self, interaction: discord.Interaction, topic: str, channel: discord.TextChannel | None = None
    ) -> None:
        """Stop a topic's digests in a channel."""
        require_manage_guild(interaction)
        target = channel or interaction.channel
        assert target is not None
        await interaction.response.defer(thinking=True)
        removed = await self.services.run(self.store.unsubscribe, target.id, topic)
        if not removed:
            raise PaperLensError(f"<#{target.id}> is not subscribed to {topic!r}. See /digest list.")
        await interaction.followup.send(
            f"Unsubscribed <#{target.id}> from {render.safe(topic, 100)}.", allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """This server's digest subscriptions."""
        gid = require_manage_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        subs = await self.services.run(self.store.guild_subscriptions, gid)
        e = discord.Embed(title="Digest subscriptions", colour=render.COLOR)
        lines = [
            f"<#{s.channel_id}> · **{render.safe(s.topic, 100)}** · {s.at} {s.tz}"
            + (" · quiet" if s.quiet else "")
            + ("" if s.enabled else f" · paused ({render.safe(s.disabled_reason, 80)})")
            for s in subs
        ]
        e.description = render.cut("\n".join(lines), render.DESCRIPTION) if lines else "No subscriptions yet."
        await interaction.followup.send(embed=e, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="preview")
    @app_commands.describe(topic="A configured topic")
    @app_commands.autocomplete(topic=autocomplete.topics)
    async def preview(self, interaction: discord.Interaction, topic: str) -> None:
        """What this channel's next digest for a topic would hold."""
        require_manage_guild(interaction)
        wait = self.services.preview_cooldowns.hit(interaction.user.id)
        if wait is not None:
            raise RateLimited(wait)
        await interaction.response.defer(ephemeral=True, thinking=True)
        s = self.services
        t = find_topic(s.topics, topic)
        channel_id = interaction.channel_id or 0
        assert self.runner is not None
        digest = await s.run_llm(self._preview, t, channel_id)
        head = digest_message(Outgoing("header", "preview", digest=digest))["embed"]
        embeds = [head] + [
            digest_message(
                Outgoing("entry", marker(0, digest.date, e.paper.id), digest=digest, entry=e, position=i)
            )["embed"]
            for i, e in enumerate(digest.shown, start=1)
        ]
        await interaction.followup.send(
            embeds=render.fit_message(embeds), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    def _preview(self, topic: Topic, channel_id: int) -> Digest:
        """The next digest's first entries, summarised (only the ones the preview shows)."""
        assert self.runner is not None
        s = self.services
        return build_digest(
            s.index,
            s.summarizer,
            topic,
            datetime.now(UTC).date(),
            days=self.runner.lookback_days,
            exclude=self.store.posted_ids(channel_id),
            feedback=self.store.feedback(channel_id),
            max_shown=PREVIEW_ENTRIES,
            max_entries=self.runner.max_entries,
            summarize_rest=False,
        )

    @app_commands.command(name="stats")
    async def stats(self, interaction: discord.Interaction) -> None:
        """What was posted to this channel and what people liked."""
        require_manage_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        st = await self.services.run(self.store.stats, interaction.channel_id or 0)
        e = discord.Embed(title="Digest stats for this channel", colour=render.COLOR)
        e.add_field(
            name="Posted", value=f"{st['papers_posted']} papers over {st['digest_days']} days", inline=False
        )
        e.add_field(
            name=f"{LIKE} liked", value=render.cut(", ".join(st["liked"]) or "none yet", 1000), inline=False
        )
        e.add_field(
            name=f"{DISLIKE} disliked",
            value=render.cut(", ".join(st["disliked"]) or "none yet", 1000),
            inline=False,
        )
        await interaction.followup.send(embed=e, ephemeral=True, allowed_mentions=NO_MENTIONS)

    # ----- feedback -----
    async def _feedback(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        me = self.bot.user
        if me is not None and payload.user_id == me.id:
            return
        emoji = str(payload.emoji)
        if emoji not in (LIKE, DISLIKE):
            return
        found = await self.services.run(self.store.paper_for_message, payload.message_id)
        if found is None:
            return
        channel_id, paper_id = found
        value = 1 if emoji == LIKE else -1
        await self.services.run(self.store.react, channel_id, paper_id, payload.user_id, value, added)
        # The member's vote as it now stands also teaches their personal feed (index.feed.digest_link).
        await self.services.run(
            mirror_digest_vote,
            self.store.store,
            payload.message_id,
            payload.user_id,
            f"discord:{payload.user_id}",
        )

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._feedback(payload, True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._feedback(payload, False)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DigestCog(bot, bot.services))  # type: ignore[attr-defined]
