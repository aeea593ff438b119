"""/ask, and questions in chat: a mention (or a message in a question channel) gets a cited answer in a
thread; follow-ups in that thread keep the papers already discussed."""

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
        if not (mentioned or in_thread or in_channel):
            return None
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        return text or None

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
        channel = message.channel
        context: list[str] = []
        if isinstance(channel, discord.Thread) and channel.id in self.services.conversations:
            thread = channel
            context = self.services.conversations.papers(thread.id)
        elif isinstance(channel, discord.Thread):
            thread = channel
        else:
            thread = await message.create_thread(name=render.cut(question, 90), auto_archive_duration=1440)
        try:
            async with thread.typing():
                answer = await self.services.run_llm(self.services.answerer.ask, question, context=context)
        except PaperLensError as e:
            await thread.send(embed=render.error_embed(str(e)), allowed_mentions=NO_MENTIONS)
            return
        await thread.send(embed=render.answer_embed(answer), allowed_mentions=NO_MENTIONS)
        if not answer.weak_evidence:
            self.services.conversations.remember(thread.id, [c.id for c in answer.citations])


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AskCog(bot, bot.services))  # type: ignore[attr-defined]
