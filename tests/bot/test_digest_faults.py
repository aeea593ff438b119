"""Digest and /paper faults through the real discord.py client, the loopback Discord and the real runner:
messages Discord refuses for good, links that are not http(s), channels without threads, and 👍/👎 votes."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import discord
import pytest

from bot import render
from bot.cogs.digest import DigestCog
from index.digests.posting import Outgoing
from index.models import Digest, DigestEntry, Links, Paper
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore, marker
from tests.helpers.live_bot import (
    MON,
    drive_digests,
    fake_discord,
    live_bot,
    make_services,
    make_world,
    markers,
    quiet_scheduler,
    subscribe,
)

DAY = MON.date()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def digest_cog(bot: Any) -> DigestCog:
    """The bot's digest cog (load_extension runs the module afresh, so isinstance would not hold)."""
    return cast(DigestCog, bot.get_cog("DigestCog"))


def bad_link_copy(p: Paper) -> Paper:
    """The paper with links Discord refuses in an embed, as a row written before links were checked would
    hold them (model_copy does not validate, so the model's own check is bypassed on purpose)."""
    return p.model_copy(
        update={
            "links": Links.model_construct(abs="javascript:alert(1)", pdf="ftp://x.example/p.pdf", other=())
        }
    )


# ----- item 1: a message Discord refuses for good ---------------------------------------------------------
def test_messages_discord_refuses_end_the_run_visibly_instead_of_retrying_forever(
    fake_index: PaperIndex,
) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                entry_sub, header_sub = subscribe(fake_index, w, [w.papers, w.lounge])
                # Every attempt at the 2nd paper's message in #papers, and at #lounge's header, is a 400.
                fake.fail("POST", rf"/channels/{w.papers}/messages$", 400, times=100, body='"title":"2. ')
                fake.fail(
                    "POST",
                    rf"/channels/{w.lounge}/messages$",
                    400,
                    times=100,
                    body=f'digest {header_sub}/{DAY}"',
                )
                await drive_digests(services, bot, rounds=4)
                store = DigestStore(fake_index.store)
                entries = store.run_entries(entry_sub, DAY)
                states = [state for _, state, _ in entries]
                assert store.run_state(entry_sub, DAY) == "sent", (
                    "a refused paper must not keep the run 'sending'"
                )
                assert states.count("rejected") == 1 and states.count("sent") == len(entries) - 1 >= 2
                refused = next(pid for pid, state, _ in entries if state == "rejected")
                got = markers(fake, w.papers)
                assert marker(entry_sub, DAY, refused) not in got and len(got) == len(
                    entries
                )  # header + the rest
                assert store.run_state(header_sub, DAY) == "failed" and store.posted_ids(w.lounge) == set()
                assert all(s.enabled for s in store.all_subscriptions()), (
                    "one refused message is no reason to pause"
                )
                tried = [r for r in fake.requests if r[2] == 400]
                await drive_digests(services, bot, rounds=2)  # the next checks: nothing is tried again
                assert [r for r in fake.requests if r[2] == 400] == tried
                dm = fake.channel_messages(fake.dms[w.manager])
                texts = [m["content"] for m in dm]
                assert any(refused in t and "refused" in t for t in texts), texts
                assert any("could not post today's" in t and "refused" in t for t in texts), texts

    run(scenario())


def test_a_link_that_is_not_http_never_reaches_an_embed_and_a_refused_answer_says_why(
    fake_index: PaperIndex,
) -> None:
    services = make_services(fake_index)
    bad = bad_link_copy(fake_index.resolve("2403.20013"))
    # The embed builders keep such a link out of every url field and link.
    for e in (render.paper_embed(bad), render.hits_embed("q", [], 0, 1, {})):
        assert "javascript" not in str(e.to_dict()) and "ftp:" not in str(e.to_dict())
    assert render.paper_embed(bad).url is None

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                # The loopback Discord refuses such an embed url as Discord does: 400 Invalid Form Body.
                channel = bot.get_channel(w.papers)
                assert isinstance(channel, discord.TextChannel)
                with pytest.raises(discord.HTTPException) as refused:
                    await channel.send(embed=discord.Embed(title="x", url="javascript:alert(1)"))
                assert refused.value.status == 400 and "Scheme" in refused.value.text
                # A digest entry for that paper posts, without the link.
                entry = DigestEntry(
                    paper=bad, score=1.0, tldr="A TL;DR.", takeaways=["one"], summary_provider="extractive"
                )
                digest = Digest(topic="NeRF", date=DAY, announced=True, total_new=1, shown=[entry])
                poster = digest_cog(bot).runner.poster  # type: ignore[union-attr]
                out = Outgoing("entry", marker(1, DAY, bad.id), digest=digest, entry=entry, position=1)
                await services.run_digest(poster.send, w.papers, out)
                posted = fake.channel_messages(w.papers)[-1]
                assert "DerainNeRF" in str(posted["embeds"]) and "url" not in posted["embeds"][0]
                assert "javascript" not in str(posted) and "ftp:" not in str(posted)
                # An answer Discord refuses anyway: the member is told what happened, not "Something went wrong".
                fake.fail("POST", r"/webhooks/\d+/[^/]+$", 400, times=1)
                it = await fake.answered(
                    await fake.slash(w.member, w.papers, "paper", id_or_title="2403.20013")
                )
                await fake.wait_for(lambda: it.followups)
                assert "Discord refused" in it.text() and "went wrong" not in it.text() and it.ephemeral(), (
                    it.text()
                )
            fake.assert_clean()

    run(scenario())


# ----- item 2: a channel where the bot may post but not open threads --------------------------------------
def test_a_channel_without_threads_gets_the_whole_digest_and_subscribe_says_what_is_missing(
    fake_index: PaperIndex,
) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            fake.deny(w.papers, fake.bot_id, create_public_threads=True)
            fake.deny(w.lounge, fake.bot_id, embed_links=True)
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                (sub_id,) = subscribe(fake_index, w, [w.papers])
                ok = await fake.answered(
                    await fake.slash(w.manager, w.papers, "digest", "subscribe", topic="NeRF")
                )
                assert "Subscribed" in ok.text() and "cannot open or write in threads" in ok.text(), ok.text()
                no = await fake.answered(
                    await fake.slash(w.manager, w.lounge, "digest", "subscribe", topic="NeRF")
                )
                assert no.ephemeral() and "Embed Links" in no.text() and "Subscribed" not in no.text(), (
                    no.text()
                )
                assert DigestStore(fake_index.store).find(w.lounge, "NeRF") is None
                digest_cog(bot).runner.max_shown = 2  # type: ignore[union-attr]  # the rest would go to a thread
                await drive_digests(services, bot, rounds=2)
                store = DigestStore(fake_index.store)
                sub = store.get(sub_id)
                assert sub is not None and sub.enabled, f"paused: {sub and sub.disabled_reason}"
                entries = store.run_entries(sub_id, DAY)
                assert len(entries) > 2 and all(state == "sent" for _, state, _ in entries)
                assert store.run_state(sub_id, DAY) == "sent"
                in_channel = [m for m in fake.channel_messages(w.papers) if m["embeds"]]
                assert len(in_channel) == 1 + len(entries), "header and every paper, in the channel itself"
                assert w.manager not in fake.dms, "nothing to tell the subscriber"
            fake.assert_clean()

    run(scenario())


# ----- item 4: votes ------------------------------------------------------------------------------------
def test_removing_one_reaction_leaves_the_vote_of_the_one_that_remains(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                (sub_id,) = subscribe(fake_index, w, [w.papers])
                await drive_digests(services, bot, rounds=0)
                store = DigestStore(fake_index.store)
                pid, _, mid = store.run_entries(sub_id, DAY)[0]
                assert mid is not None

                def vote() -> int | None:
                    return store.feedback(w.papers).get(pid)

                await fake.react(w.member, w.papers, mid, "👍")
                await fake.wait_for(lambda: vote() == 1)
                await fake.react(w.member, w.papers, mid, "👎")
                await fake.wait_for(lambda: vote() == -1)
                await fake.react(w.member, w.papers, mid, "👍", added=False)  # the 👎 stays
                await fake.react(
                    w.manager, w.papers, mid, "👍"
                )  # another member's vote, to see the sum change
                await fake.wait_for(lambda: vote() != -1)
                await asyncio.sleep(0.3)
                assert vote() == 0, "the member's remaining 👎 (-1) and the manager's 👍 (+1)"
                await fake.react(
                    w.member, w.papers, mid, "👎", added=False
                )  # the member has no reaction left
                await fake.wait_for(lambda: vote() == 1)
                await fake.react(w.manager, w.papers, mid, "👎")
                await fake.react(w.manager, w.papers, mid, "👎", added=False)  # 👍 still there: +1 again
                await asyncio.sleep(0.3)
                assert vote() == 1
            fake.assert_clean()

    run(scenario())
