"""The "Full analysis" button of a paper: a persistent, dynamic item whose custom_id names the paper and the
language, so it works for anyone, at any time, across restarts of the bot."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot import render
from bot.errors import reply_error
from bot.render import NO_MENTIONS
from bot.services import Services
from index.errors import PaperNotFoundError

ANALYSIS_TEMPLATE = r"pl:analysis:(?P<lang>en|zh):(?P<ref>.+)"


class AnalysisButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANALYSIS_TEMPLATE):
    """The "Full analysis" button of a paper. The paper and language live in the custom_id, so the button works for
    anyone, at any time, across restarts of the bot (a persistent, dynamic item)."""

    def __init__(self, lang: str, ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Full analysis",
                style=discord.ButtonStyle.primary,
                custom_id=f"pl:analysis:{lang}:{ref}",
            )
        )
        self.lang, self.ref = lang, ref

    @staticmethod
    def ref_for(services: Services, paper_id: str, lang: str) -> str | None:
        """What the custom_id names the paper by: its id, or (for long imported ids, which would pass
        Discord's 100 characters) the store's row id. Blocking: call it off the event loop."""
        if len(f"pl:analysis:{lang}:{paper_id}") <= 100:
            return paper_id
        found = services.index.get(paper_id)
        return f"#{found[0]}" if found else None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnalysisButton:
        return cls(match["lang"], match["ref"])

    def _paper_id(self, services: Services) -> str:
        if not self.ref.startswith("#"):
            return self.ref
        rowid = int(self.ref[1:]) if self.ref[1:].isdigit() else -1
        got = services.index.get_by_rowids([rowid]).get(rowid)
        if got is None:
            raise PaperNotFoundError("That paper is no longer in the index.")
        return got.id

    async def callback(self, interaction: discord.Interaction) -> None:
        services: Services = interaction.client.services  # type: ignore[attr-defined]
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            pid = await services.run(self._paper_id, services)
            s = await services.run_llm(services.summarizer.summarize, pid, self.lang)
            await interaction.followup.send(
                embed=render.analysis_embed(s), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except Exception as e:  # the dynamic item's view has no error handler of ours
            await reply_error(interaction, e)


def with_view(view: discord.ui.View | None) -> dict[str, Any]:
    return {"view": view} if view is not None else {}


async def analysis_view(services: Services, paper_id: str, lang: str) -> discord.ui.View | None:
    """A view holding the persistent "Full analysis" button (built on the event loop, as views must be)."""
    ref = await services.run(AnalysisButton.ref_for, services, paper_id, lang)
    if ref is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(AnalysisButton(lang, ref))
    return view
