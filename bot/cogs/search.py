"""/search, /paper, /similar, /summary, /topics, /help, with autocomplete, paging buttons and a
restart-proof "Full analysis" button."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import autocomplete, render
from bot.analysis import ANALYSIS_TEMPLATE, AnalysisButton, analysis_view, with_view
from bot.errors import reply_error
from bot.render import NO_MENTIONS
from bot.services import Services
from index.errors import InvalidQueryError
from index.models import Filters, SearchHit

log = logging.getLogger(__name__)

SEARCH_PREFIX = "pl:search:"


def expired_text(timeout: float) -> str:
    """What a click on expired search controls is told, with the buttons' real lifetime."""
    span = f"{round(timeout / 60)} minutes" if timeout >= 90 else f"{max(1, round(timeout))} seconds"
    return f"These results have expired (buttons last {span} and do not survive a restart of the bot). Run /search again."


def tldrs(services: Services, hits: list[SearchHit]) -> dict[str, str]:
    """One-line TL;DRs for a page of hits (extractive: cheap, no model call per hit)."""
    return {h.paper.id: services.summarizer.tldr(h.paper) for h in hits}


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as e:
        raise InvalidQueryError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2024-04-01.") from e


class SearchView(discord.ui.View):
    """Pages of hits, and a menu to open papers similar to one of them. Only the member who searched can
    page; after the timeout the controls are disabled in the message itself."""

    def __init__(
        self, services: Services, query: str, hits: list[SearchHit], owner: int, timeout: float = 600
    ) -> None:
        super().__init__(timeout=timeout)
        self.services, self.query, self.hits, self.owner = services, query, hits, owner
        self.size = services.settings.page_size
        self.page = 0
        self.pages = max(1, -(-len(hits) // self.size))
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None
        self.on_finish: Any = None
        self._sync()

    def current(self) -> list[SearchHit]:
        return self.hits[self.page * self.size : (self.page + 1) * self.size]

    async def embed(self) -> discord.Embed:
        """The current page; its TL;DRs are computed on a thread (tens of ms a page), not on the event loop."""
        page = self.current()
        return render.hits_embed(
            self.query, page, self.page, self.pages, await asyncio.to_thread(tldrs, self.services, page)
        )

    def _sync(self) -> None:
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1
        similar = cast("discord.ui.Select[SearchView]", self.similar)
        similar.options = [
            discord.SelectOption(label=render.cut(f"{h.rank}. {h.paper.title}", 100), value=h.paper.id[:100])
            for h in self.current()
        ] or [discord.SelectOption(label="no results", value="-")]
        similar.disabled = not self.current()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner:
            return True
        await interaction.response.send_message(
            embed=render.error_embed(
                "These buttons belong to the member who searched: run /search yourself."
            ),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.on_finish is not None:
            self.on_finish()
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.info("could not disable the expired search buttons (message gone?)")

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await reply_error(interaction, error)

    @discord.ui.button(
        label="◀ Previous", style=discord.ButtonStyle.secondary, custom_id=SEARCH_PREFIX + "prev"
    )
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[SearchView]) -> None:
        self.page = max(0, self.page - 1)
        self._sync()
        await interaction.response.edit_message(embed=await self.embed(), view=self)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, custom_id=SEARCH_PREFIX + "next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[SearchView]) -> None:
        self.page = min(self.pages - 1, self.page + 1)
        self._sync()
        await interaction.response.edit_message(embed=await self.embed(), view=self)

    @discord.ui.select(
        placeholder="Similar papers to…",
        min_values=1,
        max_values=1,
        options=[discord.SelectOption(label="…", value="-")],
        custom_id=SEARCH_PREFIX + "similar",
    )
    async def similar(self, interaction: discord.Interaction, select: discord.ui.Select[SearchView]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        hits = await self.services.run(self.services.index.similar, select.values[0], k=self.size)
        await interaction.followup.send(
            embed=render.hits_embed(
                f"similar to {select.values[0]}",
                hits,
                0,
                1,
                await asyncio.to_thread(tldrs, self.services, hits),
            ),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


class SearchCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services
        self.live: dict[int, SearchView] = {}  # message id -> its paging view, while it lasts

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click on search controls no live view owns (expired, or sent before a restart): say so and
        remove the dead controls, instead of Discord's bare "This interaction failed"."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is not discord.InteractionType.component or not custom_id.startswith(
            SEARCH_PREFIX
        ):
            return
        if interaction.message is None or interaction.message.id in self.live:
            return
        try:
            await interaction.response.edit_message(view=None)
            expired = render.error_embed(expired_text(self.services.settings.view_timeout_seconds))
            await interaction.followup.send(embed=expired, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.info("could not answer a click on expired search controls")

    # ----- commands -----
    @app_commands.command(name="search")
    @app_commands.describe(
        query="What the papers are about (English or 中文)",
        k="How many results",
        since="Only papers published on or after (YYYY-MM-DD)",
        category="arXiv category, e.g. cs.CV",
        mode="hybrid (default), dense or bm25",
    )
    async def search(
        self,
        interaction: discord.Interaction,
        query: str,
        k: app_commands.Range[int, 1, 30] = 10,
        since: str | None = None,
        category: str | None = None,
        mode: Literal["hybrid", "dense", "bm25"] | None = None,
    ) -> None:
        """Semantic search over the indexed papers."""
        await interaction.response.defer(thinking=True)
        filters = Filters(since=parse_date(since), category=category or None)
        hits = await self.services.run(self.services.index.search, query, k=k, mode=mode, filters=filters)
        view = SearchView(
            self.services,
            query,
            hits,
            interaction.user.id,
            timeout=self.services.settings.view_timeout_seconds,
        )
        msg = await interaction.followup.send(
            embed=await view.embed(), view=view, allowed_mentions=NO_MENTIONS, wait=True
        )
        view.message = msg
        self.live[msg.id] = view
        view.on_finish = lambda: self.live.pop(msg.id, None)

    @app_commands.command(name="paper")
    @app_commands.describe(id_or_title="arXiv id, URL or title", lang="Summary language")
    @app_commands.autocomplete(id_or_title=autocomplete.papers)
    async def paper(
        self, interaction: discord.Interaction, id_or_title: str, lang: Literal["en", "zh"] = "en"
    ) -> None:
        """A paper's details, links, TL;DR and key takeaways."""
        await interaction.response.defer(thinking=True)
        s = await self.services.run_llm(self.services.summarizer.summarize, id_or_title, lang)
        view = await analysis_view(self.services, s.paper.id, lang)
        await interaction.followup.send(
            embed=render.paper_embed(s.paper, s), allowed_mentions=NO_MENTIONS, **with_view(view)
        )

    @app_commands.command(name="similar")
    @app_commands.describe(paper="arXiv id, URL or title")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def similar(self, interaction: discord.Interaction, paper: str) -> None:
        """Papers similar to one paper."""
        await interaction.response.defer(thinking=True)
        hits = await self.services.run(self.services.index.similar, paper, k=self.services.settings.page_size)
        await interaction.followup.send(
            embed=render.hits_embed(
                f"similar to {paper}", hits, 0, 1, await asyncio.to_thread(tldrs, self.services, hits)
            ),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="summary")
    @app_commands.describe(paper="arXiv id, URL or title", lang="Summary language")
    @app_commands.autocomplete(paper=autocomplete.papers)
    async def summary(
        self, interaction: discord.Interaction, paper: str, lang: Literal["en", "zh"] = "en"
    ) -> None:
        """TL;DR, key takeaways and a structured analysis of one paper."""
        await interaction.response.defer(thinking=True)
        s = await self.services.run_llm(self.services.summarizer.summarize, paper, lang)
        await interaction.followup.send(
            embeds=render.fit_message([render.summary_embed(s), render.analysis_embed(s)]),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="topics")
    async def topics(self, interaction: discord.Interaction) -> None:
        """The configured topics and their arXiv queries."""
        await interaction.response.defer(thinking=True)
        counts = await self.services.run(self.services.index.topic_counts)
        await interaction.followup.send(
            embed=render.topics_embed(self.services.topics, counts), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What PaperLens can do."""
        await interaction.response.send_message(
            embed=render.help_embed(self.services.settings.chat_enabled),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(AnalysisButton)
    # The controls this cog answers (live or expired); the bot answers any other click as expired.
    bot.component_ids += [re.compile(re.escape(SEARCH_PREFIX)), re.compile(ANALYSIS_TEMPLATE + "$")]  # type: ignore[attr-defined]
    await bot.add_cog(SearchCog(bot.services))  # type: ignore[attr-defined]
