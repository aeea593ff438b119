"""Bot commands through their callbacks, chat flows, error handling and start-up, without a network."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord import app_commands

from bot.cogs.ask import AskCog
from bot.cogs.digest import DigestCog
from bot.cogs.search import AnalysisView, SearchCog, SearchView
from bot.config import BotSettings
from bot.errors import RateLimited, reply_error
from bot.render import NO_MENTIONS
from bot.services import Services
from bot.state import Conversations, Cooldowns
from index.answer import Answerer
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.summarize import Summarizer
from index.topics import load_topics

from .discord_helpers import interaction, sent_embeds, text_of

pytestmark = pytest.mark.slow
LLM = LLMSettings(_env_file=None)


@pytest.fixture
def services(sample_copy: Path) -> Services:
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=sample_copy, multilingual=True))
    a = Answerer(ix, LLM)
    return Services(
        settings=BotSettings(
            _env_file=None, token="x", chat_enabled=True, chat_channels=[9], sync_commands=False
        ),
        index=ix,
        answerer=a,
        summarizer=Summarizer(ix, LLM),
        topics=load_topics(),
        cooldowns=Cooldowns(2, 60, clock=lambda: 0.0),
        conversations=Conversations(),
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_search_defers_and_sends_linked_hits_with_paging(services: Services) -> None:
    cog, inter = SearchCog(services), interaction()
    run(SearchCog.search.callback(cog, inter, "removing waterdrops from NeRF scenes", k=12))
    inter.response.defer.assert_awaited_once_with(thinking=True)
    kwargs = inter.followup.send.await_args.kwargs
    assert kwargs["allowed_mentions"] is NO_MENTIONS
    view = kwargs["view"]
    assert isinstance(view, SearchView) and view.pages == 3
    first = kwargs["embed"]
    assert (
        "DerainNeRF" in first.fields[0].name and "https://arxiv.org/abs/2403.20013" in first.fields[0].value
    )
    assert "score" in first.fields[0].value and "page 1/3" in first.footer.text
    click = interaction()
    run(view.next.callback(click))
    page2 = click.response.edit_message.await_args.kwargs["embed"]
    assert "page 2/3" in page2.footer.text and page2.fields[0].name != first.fields[0].name


def test_similar_menu_sends_similar_papers(services: Services) -> None:
    view = SearchView(services, "q", services.index.search("rain NeRF", k=5), owner=1)
    view.similar._values = ["2403.20013"]  # what the user picked
    click = interaction()
    run(view.similar.callback(click))
    embed = click.followup.send.await_args.kwargs["embed"]
    assert "similar to 2403.20013" in embed.title and "DerainNeRF" not in text_of(embed).split("\n", 1)[1]


def test_paper_shows_metadata_takeaways_and_analysis_button(services: Services) -> None:
    cog, inter = SearchCog(services), interaction()
    run(SearchCog.paper.callback(cog, inter, "MambaMorph", lang="en"))
    kwargs = inter.followup.send.await_args.kwargs
    e = kwargs["embed"]
    assert e.title.startswith("MambaMorph") and e.url == "https://arxiv.org/abs/2401.13934"
    assert "Tao Guo" in text_of(e) and "Key takeaways" in text_of(e)
    assert isinstance(kwargs["view"], AnalysisView)
    click = interaction()
    run(kwargs["view"].analysis.callback(click))
    analysis = click.followup.send.await_args.kwargs
    assert analysis["ephemeral"] and "Method" in text_of(analysis["embed"])


def test_ask_cites_sources_as_numbered_links(services: Services) -> None:
    cog, inter = AskCog(MagicMock(), services), interaction()
    run(AskCog.ask.callback(cog, inter, "MambaMorph用了什么方法?", paper=None))
    e = inter.followup.send.await_args.kwargs["embed"]
    assert "[1] [MambaMorph" in text_of(e) and "(https://arxiv.org/abs/2401.13934)" in text_of(e)


def test_ask_cooldown_and_ephemeral_error(services: Services) -> None:
    cog = AskCog(MagicMock(), services)
    for _ in range(2):
        run(AskCog.ask.callback(cog, interaction(user_id=5), "NeRF rain", paper=None))
    inter = interaction(user_id=5)
    with pytest.raises(RateLimited) as err:
        run(AskCog.ask.callback(cog, inter, "NeRF rain", paper=None))
    run(reply_error(inter, app_commands.CommandInvokeError(MagicMock(), err.value)))
    kwargs = inter.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] and "try again in 60 s" in kwargs["embed"].description
    run(AskCog.ask.callback(cog, interaction(user_id=6), "NeRF rain", paper=None))  # other users unaffected


def test_unknown_paper_error_is_ephemeral_after_defer(services: Services) -> None:
    cog, inter = SearchCog(services), interaction()
    with pytest.raises(Exception) as err:
        run(SearchCog.paper.callback(cog, inter, "2499.00001", lang="en"))
    run(reply_error(inter, err.value))
    kwargs = inter.followup.send.await_args.kwargs
    assert kwargs["ephemeral"] and "2499.00001" in kwargs["embed"].description
    inter.delete_original_response.assert_awaited_once()


def test_unexpected_error_is_logged_with_a_generic_reply(caplog: pytest.LogCaptureFixture) -> None:
    inter = interaction()
    run(reply_error(inter, app_commands.CommandInvokeError(MagicMock(), ZeroDivisionError("boom"))))
    assert "went wrong" in inter.response.send_message.await_args.kwargs["embed"].description
    assert "boom" in caplog.text


def test_digest_subscribe_needs_manage_server(services: Services) -> None:
    cog = DigestCog(MagicMock(), services)
    inter = interaction(manage_guild=False)
    with pytest.raises(app_commands.MissingPermissions) as err:
        run(DigestCog.subscribe.callback(cog, inter, "NeRF"))
    run(reply_error(inter, err.value))
    assert "Manage Server" in inter.response.send_message.await_args.kwargs["embed"].description
    admin = interaction(manage_guild=True)
    run(DigestCog.subscribe.callback(cog, admin, "nerf", time="07:30", timezone="Asia/Shanghai"))
    assert "Subscribed" in admin.response.send_message.await_args.args[0]
    sub = cog.store.find(55, "NeRF")
    assert sub is not None and (sub.at, sub.tz, sub.created_by) == ("07:30", "Asia/Shanghai", 1)
    with pytest.raises(Exception, match="Unknown time zone"):
        run(DigestCog.subscribe.callback(cog, interaction(manage_guild=True), "NeRF", timezone="Mars/Base"))
    with pytest.raises(app_commands.MissingPermissions):
        run(DigestCog.unsubscribe.callback(cog, interaction(), "NeRF"))
    run(DigestCog.unsubscribe.callback(cog, interaction(manage_guild=True), "NeRF"))
    assert cog.store.find(55, "NeRF") is None


def test_topics_and_help(services: Services) -> None:
    cog, inter = SearchCog(services), interaction()
    run(SearchCog.topics.callback(cog, inter))
    text = text_of(inter.followup.send.await_args.kwargs["embed"])
    assert "NeRF" in text and "medical image registration" in text and "cat:cs.CV" in text
    inter = interaction()
    run(SearchCog.help.callback(cog, inter))
    assert inter.response.send_message.await_args.kwargs["ephemeral"]


def test_autocomplete_titles_and_topics(services: Services) -> None:
    cog = SearchCog(services)
    choices = run(cog.paper_autocomplete(interaction(), "mambamorph"))
    assert choices[0].value == "2401.13934" and len(choices[0].name) <= 100
    inter = interaction()
    inter.client = MagicMock()
    inter.client.services = services
    from bot import autocomplete

    assert [c.value for c in run(autocomplete.topics(inter, "rec"))] == ["3D reconstruction"]


# ----- chat -----
def chat_message(
    services: Services, content: str, *, channel: Any, mention: bool = True, author_id: int = 3
) -> Any:
    me = MagicMock(spec_set=discord.ClientUser)
    me.id = 4242
    msg = MagicMock(spec_set=discord.Message)
    msg.content = (f"<@{me.id}> " if mention else "") + content
    msg.author = MagicMock(spec_set=discord.Member)
    msg.author.id, msg.author.bot = author_id, False
    msg.mentions = [me] if mention else []
    msg.channel = channel
    msg.reply = AsyncMock()
    return me, msg


def fake_thread(thread_id: int) -> Any:
    thread = MagicMock(spec_set=discord.Thread)
    thread.id = thread_id
    thread.send = AsyncMock()
    thread.typing = MagicMock(return_value=AsyncMock())
    return thread


def test_mention_answers_in_a_thread_and_follow_up_keeps_context(services: Services) -> None:
    text_channel = MagicMock(spec_set=discord.TextChannel)
    text_channel.id = 10
    me, msg = chat_message(services, "what does MambaMorph propose?", channel=text_channel)
    thread = fake_thread(900)
    msg.create_thread = AsyncMock(return_value=thread)
    bot = MagicMock()
    bot.user = me
    cog = AskCog(bot, services)
    run(cog.on_message(msg))
    msg.create_thread.assert_awaited_once()
    first = sent_embeds(thread.send)[0]
    assert "MambaMorph" in text_of(first) and services.conversations.papers(900) == ["2401.13934"]
    # A vague follow-up in the thread, no mention: answered from the papers already discussed.
    _, follow = chat_message(services, "what modalities does it align?", channel=thread, mention=False)
    run(cog.on_message(follow))
    second = sent_embeds(thread.send)[1]
    assert "[1] [MambaMorph" in text_of(second)


def test_chat_ignores_unaddressed_messages_and_rate_limits(services: Services) -> None:
    channel = MagicMock(spec_set=discord.TextChannel)
    channel.id = 10
    me, msg = chat_message(services, "hello everyone", channel=channel, mention=False)
    bot = MagicMock()
    bot.user = me
    cog = AskCog(bot, services)
    assert cog.question_in(msg) is None
    me, msg = chat_message(services, "NeRF rain", channel=channel, author_id=8)
    msg.create_thread = AsyncMock(return_value=fake_thread(901))
    for _ in range(3):
        run(cog.on_message(msg))
    assert msg.create_thread.await_count == 2
    assert (
        "Slow down" in msg.reply.await_args.args[0]
        and msg.reply.await_args.kwargs["allowed_mentions"] is NO_MENTIONS
    )


# ----- start-up -----
def test_bot_builds_from_env_file_loads_cogs_and_registers_commands(
    tmp_path: Path, sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.__main__ import build
    from bot.client import intents_for

    env = tmp_path / ".env"
    env.write_text(
        f"DISCORD_TOKEN=fake-token-123\nPAPERLENS_BOT_SYNC_COMMANDS=false\n"
        f"PAPERLENS_DATA_DIR={sample_copy}\nPAPERLENS_BOT_CHAT_ENABLED=true\n"
    )
    monkeypatch.chdir(tmp_path)

    async def start() -> Any:
        settings = BotSettings()
        assert settings.token.get_secret_value() == "fake-token-123" and "fake-token" not in repr(settings)
        bot = build(settings, IndexSettings(), LLMSettings())
        await bot._async_setup_hook()  # type: ignore[attr-defined]
        await bot.setup_hook()  # type: ignore[attr-defined]
        names = {c.qualified_name for c in bot.tree.walk_commands()}  # type: ignore[attr-defined]
        cogs = set(bot.cogs)  # type: ignore[attr-defined]
        await bot.close()  # type: ignore[attr-defined]
        return names, cogs, bot

    names, cogs, bot = run(start())
    assert cogs == {"SearchCog", "AskCog", "DigestCog", "AdminCog"}
    assert names >= {
        "search",
        "paper",
        "ask",
        "similar",
        "summary",
        "topics",
        "help",
        "status",
        "digest subscribe",
        "digest unsubscribe",
        "digest list",
        "digest preview",
        "digest stats",
    }
    assert intents_for(True).message_content and not intents_for(False).message_content


def test_api_served_with_the_bot_shares_its_index(tmp_path: Path, sample_copy: Path) -> None:
    from api.config import ApiSettings
    from bot.__main__ import api_app, build

    settings = BotSettings(_env_file=None, token="t", sync_commands=False)
    bot = build(settings, IndexSettings(_env_file=None, data_dir=sample_copy), LLMSettings(_env_file=None))
    app = api_app(bot, ApiSettings(_env_file=None))
    assert app.state.index is bot.services.index  # type: ignore[attr-defined]
