"""The daily personal digest by direct message, sent exactly once per member and day across restarts.

Each tick first finishes the digests already claimed (index.feed.dm_log: an intent row holding the exact
message, written before sending), then claims today's digest of every opted-in Discord member once the
sending hour has passed. Delivering a claimed digest looks for its marker among the bot's recent messages in
the member's DMs first: a restart after Discord accepted the message but before it was recorded finds it
and records it, instead of sending it twice. Only the process running shard 0 (or an unsharded bot) sends,
so several shard processes never deliver one digest twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import discord
from discord.ext import commands

from bot.feed_render import personal_digest_embed
from bot.services import Services
from index.feed import Feed
from index.feed.dm_log import DMLog, PendingDM, dm_marker

log = logging.getLogger(__name__)
SEND_HOUR_UTC = 8
LOOKBACK_DAYS = 7
PAPERS = 5
HISTORY = 25  # the bot's recent DMs searched for a digest's marker


class PersonalDigests:
    """Claims and delivers personal digests; every index call runs off the event loop."""

    def __init__(self, bot: commands.Bot, services: Services, feed: Feed, dm_log: DMLog) -> None:
        self.bot, self.services, self.feed, self.log = bot, services, feed, dm_log

    def sends_here(self) -> bool:
        shard_ids = getattr(self.bot, "shard_ids", None)
        return not shard_ids or 0 in shard_ids

    async def tick(self, now: datetime) -> int:
        """Deliver what is pending, then claim and deliver today's digests when due; digests delivered."""
        if not self.sends_here():
            return 0
        sent = await self.deliver_pending()
        if now.hour < SEND_HOUR_UTC:
            return sent
        members = await self.services.run_digest(self.feed.digest_members)
        for member in members:
            if member.startswith("discord:"):
                await self.services.run_digest(self.prepare, member, now.date())
        return sent + await self.deliver_pending()

    def prepare(self, member: str, day: date) -> bool:
        """Rank and claim a member's digest for ``day`` (blocking); False when it was claimed before."""
        if self.log.has_run(member, day):
            return False
        if not self.feed.digest_enabled(member):
            return False
        topics = self.feed.followed_topics(member, self.services.topics)
        items = self.feed.member_feed(
            member,
            topics,
            k=PAPERS,
            since=day - timedelta(days=LOOKBACK_DAYS),
            until=day,
            exclude=self.log.sent_papers(member),
        )
        by_topic: dict[str, list[Any]] = {}
        for topic, item in items:
            by_topic.setdefault(topic, []).append(item)
        payload = (
            dict(personal_digest_embed(day, by_topic, dm_marker(member, day)).to_dict()) if items else None
        )
        return self.log.claim(member, day, payload, [item.paper.id for _, item in items])

    async def deliver_pending(self) -> int:
        pending = await self.services.run_digest(self.log.pending)
        done = 0
        for p in pending:
            done += await self._deliver(p)
        return done

    async def _deliver(self, p: PendingDM) -> int:
        try:
            uid = int(p.member.split(":", 1)[1])
            user = self.bot.get_user(uid) or await self.bot.fetch_user(uid)
            dm = user.dm_channel or await user.create_dm()
            me = self.bot.user
            async for m in dm.history(limit=HISTORY):
                if (
                    me is not None
                    and m.author.id == me.id
                    and any((e.footer.text or "").startswith(p.marker) for e in m.embeds)
                ):
                    log.info("personal digest %s was delivered before a restart; recording it", p.marker)
                    await self.services.run_digest(self.log.mark_sent, p.member, p.day, str(m.id))
                    return 0
            msg = await dm.send(embed=discord.Embed.from_dict(p.payload))
        except (discord.Forbidden, discord.NotFound, ValueError, IndexError) as e:
            log.warning("personal digest %s cannot be delivered (%s); not retrying", p.marker, e)
            await self.services.run_digest(self.log.mark_failed, p.member, p.day, type(e).__name__)
            return 0
        except discord.HTTPException as e:
            log.warning("personal digest %s not delivered yet (%s); retrying on the next tick", p.marker, e)
            return 0
        await self.services.run_digest(self.log.mark_sent, p.member, p.day, str(msg.id))
        return 1
