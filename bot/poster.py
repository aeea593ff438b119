"""The Discord side of digest posting: a Poster for index.digests.runner, and the digest embeds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord

from bot import render
from bot.render import NO_MENTIONS
from index.digests.export import pdf_link
from index.digests.posting import ChannelGone, MessageRejected, Outgoing

log = logging.getLogger(__name__)
LIKE, DISLIKE = "👍", "👎"


def digest_message(m: Outgoing) -> dict[str, Any]:
    """The kwargs for channel.send: embeds carry the marker in their footer."""
    if m.kind == "note":
        return {"content": render.cut(f"{render.safe(m.text, 1900)}\n-# {m.marker}", render.MESSAGE)}
    d = m.digest
    assert d is not None
    if m.kind == "header":
        e = discord.Embed(
            title=render.safe(f"{d.topic} — {d.date.isoformat()}", render.TITLE), colour=render.COLOR
        )
        shown, posted = len(d.shown), len(d.entries)
        e.description = f"{d.total_new} new papers, {shown} shown here" + (
            f", {posted - shown} more in the thread below" if posted > shown else ""
        )
        if d.total_new > posted:  # the per-run cap: said, never silent
            e.description += (
                f"; the {posted} most relevant are posted, {d.total_new - posted} more are in /search"
            )
        e.description += "."
        e.set_footer(text=m.marker)
        return {"embed": e}
    entry = m.entry
    assert entry is not None
    p = entry.paper
    e = discord.Embed(
        title=render.safe(f"{m.position}. {p.title}", render.TITLE),
        url=render.web_url(p.url),
        colour=render.COLOR,
    )
    e.description = render.safe(entry.tldr, 1000)
    e.add_field(name="Authors", value=render.authors(p, 8), inline=False)
    if p.comment:
        e.add_field(name="Comment", value=render.safe(p.comment, render.FIELD_VALUE), inline=False)
    bullets = "\n".join(f"• {render.safe(t, 250)}" for t in entry.takeaways)
    e.add_field(name="Key takeaways", value=render.cut(bullets, render.FIELD_VALUE), inline=False)
    render.add_provenance(e, p, entry.origin)  # venue, code, and where the group got it from
    link = pdf_link(p)
    if link:
        e.add_field(name="PDF", value=render.cut(link, render.FIELD_VALUE), inline=False)
    e.set_footer(
        text=render.cut(
            f"{m.marker} · react {LIKE} / {DISLIKE} to tune this channel's digests", render.FOOTER
        )
    )
    return {"embed": render.fit(e)}


def marker_of(message: discord.Message) -> str | None:
    for e in message.embeds:
        if e.footer and e.footer.text and e.footer.text.startswith("digest "):
            return e.footer.text.split(" · ")[0]
    for line in (message.content or "").splitlines():
        if line.startswith("-# digest "):
            return line[3:].strip()
    return None


class DiscordPoster:
    """Runs Discord calls on the bot's loop from the runner's worker thread."""

    def __init__(
        self, client: discord.Client, loop: asyncio.AbstractEventLoop, timeout: float = 60.0
    ) -> None:
        self.client, self.loop, self.timeout = client, loop, timeout
        # Headers whose thread could not be made or written to: the rest of that run goes in the channel.
        self._threadless: set[int] = set()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(self.timeout)

    async def _channel(self, channel_id: int) -> Any:
        ch = self.client.get_channel(channel_id)
        if ch is None:
            try:
                ch = await self.client.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden) as e:
                raise ChannelGone(f"channel {channel_id} is not reachable ({type(e).__name__})") from e
        return ch

    async def _send(self, channel_id: int, m: Outgoing) -> int:
        ch = await self._channel(channel_id)
        body = digest_message(m)
        try:
            msg = await self._post(ch, m, body)
            if m.kind == "entry":
                for emoji in (LIKE, DISLIKE):
                    with contextlib.suppress(discord.HTTPException):
                        await msg.add_reaction(emoji)
            return int(msg.id)
        except (discord.Forbidden, discord.NotFound) as e:
            raise ChannelGone(f"cannot post in channel {channel_id} ({type(e).__name__})") from e
        except discord.HTTPException as e:
            if 400 <= e.status < 500 and e.status != 429:  # this message is refused, not the channel
                raise MessageRejected(f"{e.status} {e.text or type(e).__name__}"[:300]) from e
            raise

    async def _post(self, channel: Any, m: Outgoing, body: dict[str, Any]) -> Any:
        """Post in the thread under the digest's header, or in the channel itself where the bot may post
        but not open (or write in) threads: a digest is never paused for want of a thread."""
        if m.thread_of is not None and m.thread_of not in self._threadless:
            try:
                thread = await self._thread(channel, m.thread_of, m)
                return await thread.send(**body, allowed_mentions=NO_MENTIONS)
            except (
                discord.Forbidden,
                discord.NotFound,
            ) as e:  # no thread here; a refused message still raises
                log.info(
                    "no thread under digest message %s in channel %s (%s %s); posting in the channel",
                    m.thread_of,
                    getattr(channel, "id", "?"),
                    e.status,
                    e.text,
                )
                self._threadless.add(m.thread_of)
        return await channel.send(**body, allowed_mentions=NO_MENTIONS)

    async def _thread(self, channel: Any, header_id: int, m: Outgoing) -> Any:
        thread = channel.get_thread(header_id) if hasattr(channel, "get_thread") else None
        if thread is None:
            header = await channel.fetch_message(header_id)
            thread = header.thread or await header.create_thread(
                name=render.cut(f"More {m.digest.topic if m.digest else ''} papers", 90)
            )
        return thread

    def send(self, channel_id: int, message: Outgoing) -> int:
        return int(self._call(self._send(channel_id, message)))

    async def _markers(self, channel_id: int, thread_of: int | None) -> dict[str, int]:
        ch = await self._channel(channel_id)
        if thread_of is not None:
            ch = ch.get_thread(thread_of) if hasattr(ch, "get_thread") else None
            if ch is None:
                return {}
        me = self.client.user
        out: dict[str, int] = {}
        try:
            async for msg in ch.history(limit=200):
                if me is not None and msg.author.id == me.id and (mk := marker_of(msg)):
                    out[mk] = msg.id
        except (discord.Forbidden, discord.NotFound) as e:  # without history a resume would post twice
            raise ChannelGone(f"cannot read the history of channel {channel_id} ({type(e).__name__})") from e
        return out

    def sent_markers(self, channel_id: int, thread_of: int | None = None) -> dict[str, int]:
        return dict(self._call(self._markers(channel_id, thread_of)))

    async def _notify(self, user_id: int, text: str) -> None:
        user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
        await user.send(text, allowed_mentions=NO_MENTIONS)

    def notify(self, user_id: int | None, text: str) -> None:
        if user_id is None:
            return
        try:
            self._call(self._notify(user_id, text))
        except Exception as e:  # a closed DM is not worth more than a log line
            log.warning("could not notify user %s: %s", user_id, type(e).__name__)
