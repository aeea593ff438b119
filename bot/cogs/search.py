"""/search, /paper, /similar, /summary, /topics, /help, with autocomplete and paging buttons."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from rapidfuzz import fuzz, process, utils

from bot import render
from bot.render import NO_MENTIONS
from bot.services import Services
from index.errors import InvalidQueryError
from index.models import Filters, SearchHit
from index.summarize import extractive_summary

log = logging.getLogger(__name__)


def tldrs(hits: list[SearchHit]) -> dict[str, str]:
    """One-line TL;DRs for a page of hits (extractive: cheap, no model call per hit)."""
    return {h.paper.id: extractive_summary(h.paper, "en")[0].tldr for h in hits}


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as e:
        raise InvalidQueryError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2024-04-01.") from e


class SearchView(discord.ui.View):
    """Pages of hits, and a menu to open papers similar to one of them."""

    def __init__(self, services: Services, query: str, hits: list[SearchHit], owner: int) -> None:
        super().__init__(timeout=600)
        self.services, self.query, self.hits, self.owner = services, query, hits, owner
        self.size = services.settings.page_size
        self.page = 0
        self.pages = max(1, -(-len(hits) // self.size))
        self._sync()

    def current(self) -> list[SearchHit]:
        return self.hits[self.page * self.size : (self.page + 1) * self.size]

    def embed(self) -> discord.Embed:
        page = self.current()
        return render.hits_embed(self.query, page, self.page, self.pages, tldrs(page))

    def _sync(self) -> None:
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1
        self.similar.options = [
            discord.SelectOption(label=render.cut(f"{h.rank}. {h.paper.title}", 100), value=h.paper.id)
            for h in self.current()
        ] or [discord.SelectOption(label="no results", value="-")]
        self.similar.disabled = not self.current()

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[SearchView]) -> None:
        self.page = max(0, self.page - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[SearchView]) -> None:
        self.page = min(self.pages - 1, self.page + 1)
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.select(
        placeholder="Similar papers to…",
        min_values=1,
        max_values=1,
        options=[discord.SelectOption(label="…", value="-")],
    )
    async def similar(self, interaction: discord.Interaction, select: discord.ui.Select[SearchView]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        hits = await self.services.run(self.services.index.similar, select.values[0], k=self.size)
        await interaction.followup.send(
            embed=render.hits_embed(f"similar to {select.values[0]}", hits, 0, 1, tldrs(hits)),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


class AnalysisView(discord.ui.View):
    """A button that opens a paper's full structured analysis."""

    def __init__(self, services: Services, paper_id: str, lang: str) -> None:
        super().__init__(timeout=900)
        self.services, self.paper_id, self.lang = services, paper_id, lang

    @discord.ui.button(label="Full analysis", style=discord.ButtonStyle.primary)
    async def analysis(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnalysisView]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        s = await self.services.run_llm(self.services.summarizer.summarize, self.paper_id, self.lang)
        await interaction.followup.send(
            embed=render.analysis_embed(s), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class SearchCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    # ----- autocomplete -----
    async def paper_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        titles = await self.services.run(self.services.index.store.titles)
        if not current.strip():
            picks = titles[-25:]
        else:
            low = current.strip().lower()
            exact = [t for t in titles if t[1].lower().startswith(low)]
            fuzzy = process.extract(
                current,
                {t[1]: t[2] for t in titles},
                scorer=fuzz.WRatio,
                processor=utils.default_process,
                limit=25,
            )
            keep = {pid for _, _, pid in fuzzy}
            picks = exact + [t for t in titles if t[1] in keep and t not in exact]
        return [
            app_commands.Choice(name=render.cut(f"{title} ({pid})", 100), value=pid[:100])
            for _, pid, title in picks[:25]
        ]

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
        view = SearchView(self.services, query, hits, interaction.user.id)
        await interaction.followup.send(embed=view.embed(), view=view, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="paper")
    @app_commands.describe(id_or_title="arXiv id, URL or title", lang="Summary language")
    @app_commands.autocomplete(id_or_title=paper_autocomplete)
    async def paper(
        self, interaction: discord.Interaction, id_or_title: str, lang: Literal["en", "zh"] = "en"
    ) -> None:
        """A paper's details, links, TL;DR and key takeaways."""
        await interaction.response.defer(thinking=True)
        s = await self.services.run_llm(self.services.summarizer.summarize, id_or_title, lang)
        await interaction.followup.send(
            embed=render.paper_embed(s.paper, s),
            view=AnalysisView(self.services, s.paper.id, lang),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="similar")
    @app_commands.describe(paper="arXiv id, URL or title")
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def similar(self, interaction: discord.Interaction, paper: str) -> None:
        """Papers similar to one paper."""
        await interaction.response.defer(thinking=True)
        hits = await self.services.run(self.services.index.similar, paper, k=self.services.settings.page_size)
        await interaction.followup.send(
            embed=render.hits_embed(f"similar to {paper}", hits, 0, 1, tldrs(hits)),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="summary")
    @app_commands.describe(paper="arXiv id, URL or title", lang="Summary language")
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def summary(
        self, interaction: discord.Interaction, paper: str, lang: Literal["en", "zh"] = "en"
    ) -> None:
        """TL;DR, key takeaways and a structured analysis of one paper."""
        await interaction.response.defer(thinking=True)
        s = await self.services.run_llm(self.services.summarizer.summarize, paper, lang)
        await interaction.followup.send(
            embeds=[render.summary_embed(s), render.analysis_embed(s)], allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="topics")
    async def topics(self, interaction: discord.Interaction) -> None:
        """The configured topics and their arXiv queries."""
        await interaction.response.defer(thinking=True)
        counts = await self.services.run(self.services.index.store.topic_counts)
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
    await bot.add_cog(SearchCog(bot.services))  # type: ignore[attr-defined]
