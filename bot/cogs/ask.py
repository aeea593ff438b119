"""/ask, and questions in chat: a mention (or a message in a question channel, or a direct message) gets a
cited answer — in a new thread where one can be made, else as a reply; follow-ups in that thread keep the
papers already discussed."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.errors import RateLimited
from bot.render import NO_MENTIONS
from bot.services import Services
from index.errors import PaperLensError
from index.models import Answer

log = logging.getLogger(__name__)


class AskCog(commands.Cog):
    def __init__(self, bot: commands.Bot, services: Services) -> None:
        self.bot = bot
        self.services = services

    def check_cooldown(self, user_id: int) -> None:
        wait = self.services.cooldowns.hit(user_id)
        if wait is not None:
            raise RateLimited(wait)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="Your question (English or 中文)", paper="Answer from this paper (id or title)"
    )
    async def ask(self, interaction: discord.Interaction, question: str, paper: str | None = None) -> None:
        """A short answer that cites the papers it came from."""
        self.check_cooldown(interaction.user.id)
        await interaction.response.defer(thinking=True)
        answer = await self.services.run_llm(self.services.answerer.ask, question, paper=paper or None)
        await interaction.followup.send(embed=render.answer_embed(answer), allowed_mentions=NO_MENTIONS)

    # ----- chat -----
    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None when it is not addressed to the bot."""
        me = self.bot.user
        if not self.services.settings.chat_enabled or me is None or message.author.bot:
            return None
        mentioned = any(u.id == me.id for u in message.mentions)
        in_thread = (
            isinstance(message.channel, discord.Thread) and message.channel.id in self.services.conversations
        )
        in_channel = message.channel.id in self.services.settings.chat_channels
        direct = isinstance(message.channel, discord.DMChannel)
        if not (mentioned or in_thread or in_channel or direct):
            return None
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        return text or None

    async def _where(self, message: discord.Message, question: str) -> discord.abc.Messageable | None:
        """Where the answer goes: the thread it was asked in, a new thread, or None (reply in place)."""
        channel = message.channel
        if isinstance(channel, discord.Thread):
            return channel
        if not isinstance(channel, discord.TextChannel):
            return None  # a DM or a channel type without threads
        try:
            return await message.create_thread(name=render.cut(question, 90), auto_archive_duration=1440)
        except discord.HTTPException as e:  # no Create Threads permission, or threads disabled here
            log.info("could not open a thread for a chat answer (%s); replying in the channel", e.status)
            return None

    async def _send(
        self, message: discord.Message, where: discord.abc.Messageable | None, embed: discord.Embed
    ) -> None:
        if where is not None:
            try:
                await where.send(embed=embed, allowed_mentions=NO_MENTIONS)
                return
            except discord.HTTPException as e:
                log.info("could not post in the answer thread (%s); replying in the channel", e.status)
        await message.reply(embed=embed, allowed_mentions=NO_MENTIONS, mention_author=False)

    async def _answer(self, channel: discord.abc.Messageable, question: str, context: list[str]) -> Answer:
        try:
            typing = channel.typing()
            await typing.__aenter__()
        except discord.HTTPException:  # no typing indicator is no reason not to answer
            typing = None
        try:
            return await self.services.run_llm(self.services.answerer.ask, question, context=context)
        finally:
            if typing is not None:
                await typing.__aexit__(None, None, None)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return
        wait = self.services.cooldowns.hit(message.author.id)
        if wait is not None:
            await message.reply(
                f"Slow down: try again in {wait:.0f} s.", allowed_mentions=NO_MENTIONS, mention_author=False
            )
            return
        known = (
            isinstance(message.channel, discord.Thread) and message.channel.id in self.services.conversations
        )
        context = self.services.conversations.papers(message.channel.id) if known else []
        where = await self._where(message, question)
        try:
            answer = await self._answer(where or message.channel, question, context)
        except PaperLensError as e:
            await self._send(message, where, render.error_embed(str(e)))
            return
        except Exception:
            log.exception("chat answer failed")
            await self._send(
                message, where, render.error_embed("Something went wrong on my side; it has been logged.")
            )
            return
        await self._send(message, where, render.answer_embed(answer))
        if not answer.weak_evidence and isinstance(where, discord.Thread):
            self.services.conversations.remember(where.id, [c.id for c in answer.citations])


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AskCog(bot, bot.services))  # type: ignore[attr-defined]
