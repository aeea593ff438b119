"""Shutdown with commands in flight, clicks on controls the bot no longer knows, and search pages rendered
off the event loop: the real discord.py client against the loopback Discord."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import index.answers.summarize as summarize
from index.paperindex import PaperIndex
from tests.helpers.live_bot import fake_discord, live_bot, make_services, make_world


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ----- item 5: SIGTERM during /ask ----------------------------------------------------------------------
def test_closing_lets_a_running_ask_finish_and_apologises_for_one_that_cannot(fake_index: PaperIndex) -> None:
    services = make_services(fake_index, shutdown_grace_seconds=2.0)
    release = threading.Event()
    original = services.answerer.ask

    def slow(question: str, **kw: Any) -> Any:
        if question.startswith("hang"):
            release.wait(30)  # a language model that does not answer before the grace ends
        else:
            time.sleep(0.5)  # one that answers within it
        return original(question, **kw)

    services.answerer.ask = slow  # type: ignore[method-assign,assignment]

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                quick = await fake.slash(
                    w.member, w.papers, "ask", question="how do they remove waterdrops in nerf?"
                )
                hung = await fake.slash(w.manager, w.papers, "ask", question="hang: nerf rain?")
                await fake.wait_for(
                    lambda: quick.callbacks and hung.callbacks
                )  # both deferred, both answering
                started = time.monotonic()
                closing = asyncio.create_task(
                    bot.close()
                )  # what SIGTERM does (bot/__main__.py closes the bot)
                await asyncio.sleep(0.2)
                late = await fake.answered(
                    await fake.slash(w.member, w.papers, "help")
                )  # arrives during the grace
                await closing
                took = time.monotonic() - started
                assert "restarting" in late.text() and late.ephemeral(), late.text()
                assert "[1]" in quick.text() and "Sorry" not in quick.text(), "the quick answer was delivered"
                assert "restarting" in hung.text() and hung.ephemeral(), hung.text()
                assert 1.5 < took < 6, f"the grace is 2 s; close took {took:.1f} s"
            release.set()
            fake.assert_clean()

    run(scenario())


# ----- item 6: a click on a control the bot does not know -----------------------------------------------
def test_a_click_on_an_unknown_control_is_answered_as_expired(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            old = fake._message(
                w.papers,
                fake.bot_id,
                {
                    "content": "a message from an older PaperLens",
                    "components": [
                        {
                            "type": 1,
                            "components": [
                                {"type": 2, "style": 1, "label": "Vote", "custom_id": "pl:vote:2403.20013:up"}
                            ],
                        }
                    ],
                },
            )
            fake.messages[w.papers].append(old)
            async with live_bot(fake, services):
                it = await fake.answered(await fake.click(w.member, old, "pl:vote:2403.20013:up"), timeout=10)
                assert it.callbacks[0]["type"] == 4 and it.ephemeral()
                assert "has expired" in it.text() and "Run the command again" in it.text(), it.text()
            fake.assert_clean()

    run(scenario())


# ----- item 7: search pages off the event loop; the real button lifetime --------------------------------
def test_search_summaries_are_made_off_the_event_loop_and_expiry_names_the_real_timeout(
    fake_index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = make_services(fake_index, view_timeout_seconds=2.0)
    on_loop: list[bool] = []
    real = summarize.extractive_summary

    def spy(paper: Any, lang: str, *tagger: Any) -> Any:
        on_loop.append(threading.current_thread() is threading.main_thread())  # asyncio.run's loop thread
        return real(paper, lang, *tagger)

    # The TL;DRs of a page come from Summarizer.tldr, which reads the module's extractive_summary.
    monkeypatch.setattr(summarize, "extractive_summary", spy)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                it = await fake.answered(
                    await fake.slash(w.member, w.papers, "search", query="nerf rain", k=12)
                )
                page = await fake.answered(await fake.click(w.member, it.original, "pl:search:next"))  # type: ignore[arg-type]
                assert "page 2/3" in str(page.callbacks[0]["data"]["embeds"])
                similar = await fake.answered(
                    await fake.slash(w.member, w.papers, "similar", paper="2403.20013")
                )
                assert "similar to" in similar.text()
                assert len(on_loop) >= 15 and not any(on_loop), (
                    f"{sum(on_loop)} of {len(on_loop)} on the event loop"
                )
                await fake.wait_for(
                    lambda: all(
                        c.get("disabled")
                        for row in it.original["components"]  # type: ignore[index]
                        for c in row["components"]
                    )
                )
                late = await fake.answered(await fake.click(w.member, it.original, "pl:search:next"))  # type: ignore[arg-type]
                await fake.wait_for(lambda: late.followups)
                assert "buttons last 2 seconds" in late.text() and "10 minutes" not in late.text(), (
                    late.text()
                )
            fake.assert_clean()

    run(scenario())
