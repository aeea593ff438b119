"""The personal feed through the real discord.py client and the loopback Discord: /feed cards with reasons,
/follow, /read, /prefs and undo, two members of opposite taste in one channel, a digest 👍 that survives a
restart and teaches the next digest, and the personal DM digest delivered exactly once across restarts."""

from __future__ import annotations

import asyncio
import re
from typing import Any, cast

import pytest

from bot.cogs.feed import FeedCog
from index.feed import FeedStore
from index.feed.dm_log import DMLog
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore
from tests.helpers.fake_discord import FakeDiscord
from tests.helpers.live_bot import (
    MON,
    drive_digests,
    fake_discord,
    fresh_executors,
    live_bot,
    make_services,
    make_world,
    quiet_scheduler,
    subscribe,
)

GAUSSIAN_LIKED, NERF_LIKED = (
    "2403.19655",
    "2403.19985",
)  # GaussianCube; Stable Surface Regularization ... NeRF


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def feed_cog(bot: Any) -> FeedCog:
    return cast(FeedCog, bot.get_cog("FeedCog"))


async def quiet_feed(services: Any, bot: Any) -> None:
    """Stop the bot's own DM-digest loop (tests tick it at a chosen time) and let a tick under way finish."""
    feed_cog(bot).dm_loop.cancel()
    await services.run_digest(lambda: None)


async def ask(
    fake: FakeDiscord, user: int, channel: int, command: str, sub: str | None = None, **opts: Any
) -> Any:
    return await fake.answered(await fake.slash(user, channel, command, sub, **opts))


def card_ids(it: Any) -> list[str]:
    """Paper ids of a /feed answer's cards, in order."""
    out = []
    for e in it.embeds():
        for f in e.get("fields") or []:
            out.append(f["value"].split("`")[1])
    return out


def dm_digests(fake: FakeDiscord, user: int) -> list[dict[str, Any]]:
    dm = fake.dms.get(user)
    msgs = fake.channel_messages(dm) if dm else []
    return [
        m
        for m in msgs
        if any("personal digest" in (e.get("footer") or {}).get("text", "") for e in m.get("embeds") or [])
    ]


def test_feed_cards_carry_reasons_and_follow_read_prefs_undo(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_feed(services, bot)
                liked = await ask(fake, w.member, w.papers, "like", paper=NERF_LIKED)
                assert "👍 noted" in liked.text() and liked.ephemeral()
                it = await ask(fake, w.member, w.papers, "feed", topic="NeRF", k=5)
                assert it.ephemeral() and len(card_ids(it)) == 5 and NERF_LIKED not in card_ids(it)
                assert (
                    "Why:** like 'Stable Surface Regularization for Fast Few-Shot NeRF' you 👍" in it.text()
                ), it.text()

                followed = await ask(fake, w.member, w.papers, "follow", "author", person="Dey, Arnab")
                assert "Following" in followed.text()
                it = await ask(fake, w.member, w.papers, "feed", topic="NeRF", k=3)
                assert set(card_ids(it)[:2]) == {"2404.06246", "2404.06152"}, (
                    it.text()
                )  # Arnab Dey's two papers
                assert "by Dey, Arnab, whom you follow" in it.text()

                muted = await ask(fake, w.member, w.papers, "mute", keyword="human")
                assert "Muted" in muted.text()
                it = await ask(fake, w.member, w.papers, "feed", topic="NeRF", k=10)
                assert not {"2404.06246", "2404.06152"} & set(card_ids(it)), "muted 'human' hides both"

                added = await ask(fake, w.member, w.papers, "read", "add", paper="2403.20013")
                assert "this channel's reading list" in added.text() and not added.ephemeral()
                mine = await ask(fake, w.member, w.papers, "read", "add", paper="2403.19780", personal=True)
                assert mine.ephemeral()
                listed = await ask(fake, w.manager, w.papers, "read", "list")
                assert "DerainNeRF" in listed.text() and "Motion Blur" not in listed.text()
                done = await ask(fake, w.manager, w.papers, "read", "done", paper="2403.20013")
                assert "Marked" in done.text()
                listed = await ask(fake, w.manager, w.papers, "read", "list")
                assert "DerainNeRF" not in listed.text() and "Nothing to read" in listed.text()

                await ask(fake, w.member, w.papers, "dmdigest", "on")
                prefs = await ask(fake, w.member, w.papers, "prefs")
                text = prefs.text()
                assert prefs.ephemeral()
                for shown in (
                    f"/unvote paper:{NERF_LIKED}",
                    "Stable Surface Regularization",
                    "/unfollow author",
                    "Dey, Arnab",
                    "/unmute keyword:human",
                    "Motion Blur",
                    "/dmdigest off",
                ):
                    assert shown in text, (shown, text)
                # Undo each, as /prefs says, then nothing is left.
                await ask(fake, w.member, w.papers, "unvote", paper=NERF_LIKED)
                await ask(fake, w.member, w.papers, "unfollow", "author", person="Arnab Dey")
                await ask(fake, w.member, w.papers, "unmute", keyword="Human")
                await ask(fake, w.member, w.papers, "read", "done", paper="2403.19780", personal=True)
                await ask(fake, w.member, w.papers, "dmdigest", "off")
                left = (await ask(fake, w.member, w.papers, "prefs")).text()
                assert "Votes (0)" in left and "Followed authors (0)" in left and "Muted keywords (0)" in left
                assert "off — turn on" in left
                missing = await ask(
                    fake, w.member, w.papers, "like", paper="a paper nobody wrote about llamas"
                )
                assert missing.ephemeral() and "No paper matches" in missing.text()
            fake.assert_clean()

    run(scenario())


def test_two_members_of_opposite_taste_in_one_channel_get_different_feeds(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_feed(services, bot)
                await ask(fake, w.member, w.papers, "like", paper=GAUSSIAN_LIKED)
                await ask(fake, w.member, w.papers, "dislike", paper=NERF_LIKED)
                await ask(fake, w.manager, w.papers, "like", paper=NERF_LIKED)
                await ask(fake, w.manager, w.papers, "dislike", paper=GAUSSIAN_LIKED)
                a = await ask(fake, w.member, w.papers, "feed", topic="NeRF", k=4)
                b = await ask(fake, w.manager, w.papers, "feed", topic="NeRF", k=4)
                titles_a = [f["name"] for e in a.embeds() for f in e["fields"]]
                titles_b = [f["name"] for e in b.embeds() for f in e["fields"]]
                assert all("Gaussian" in t or "Splat" in t for t in titles_a), titles_a
                assert not any("Gaussian" in t or "Splat" in t for t in titles_b), titles_b
                assert sum("NeRF" in t or "Radiance" in t for t in titles_b) >= 3, titles_b
                assert (
                    "GaussianCube" in a.text() and "Stable Surface" in b.text()
                )  # each reason names their 👍
            fake.assert_clean()

    run(scenario())


def test_a_digest_vote_survives_a_restart_and_ranks_the_next_personal_digest(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)
    day = MON.date()

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                await quiet_feed(services, bot)
                (sub_id,) = subscribe(fake_index, w, [w.papers])
                await drive_digests(services, bot, rounds=0)
                entries = DigestStore(fake_index.store).run_entries(sub_id, day)
                pid, _, mid = next(e for e in entries if e[0] == NERF_LIKED)
                assert mid is not None
                await fake.react(w.member, w.papers, mid, "👎")
                await fake.react(w.member, w.papers, mid, "👍")
                await fake.react(w.member, w.papers, mid, "👎", added=False)  # the 👍 remains: the vote is +1
                feed_votes = FeedStore(fake_index.store)
                await fake.wait_for(
                    lambda: (
                        [(v.paper_id, v.value) for v in feed_votes.votes(f"discord:{w.member}")] == [(pid, 1)]
                    )
                )
                await asyncio.sleep(0.3)
                (vote,) = feed_votes.votes(f"discord:{w.member}")
                assert (vote.value, vote.channel, vote.topic) == (1, str(w.papers), "NeRF")
                await ask(fake, w.member, w.papers, "dmdigest", "on")
            fresh_executors(services)
            async with live_bot(fake, services) as bot:  # a restart between the vote and the next digest
                await quiet_scheduler(services, bot)
                await quiet_feed(services, bot)
                sent = await feed_cog(bot).digests.tick(MON)
                assert sent == 1
                (msg,) = dm_digests(fake, w.member)
                fields = msg["embeds"][0]["fields"]
                assert (
                    fields
                    and "like 'Stable Surface Regularization for Fast Few-Shot NeRF' you 👍"
                    in fields[0]["value"]
                )
                assert all(NERF_LIKED not in f["value"] for f in fields), (
                    "the liked paper itself is not sent back"
                )
                # Removing the last reaction removes the vote from the feed too.
                await fake.react(w.member, w.papers, mid, "👍", added=False)
                await fake.wait_for(lambda: feed_votes.votes(f"discord:{w.member}") == [])
            fake.assert_clean()

    run(scenario())


@pytest.mark.parametrize("crash", ["after_send", "before_send"])
def test_the_personal_digest_is_sent_once_across_a_restart(fake_index: PaperIndex, crash: str) -> None:
    services = make_services(fake_index)
    day = MON.date()

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            member = f"discord:{w.member}"
            async with live_bot(fake, services) as bot:
                await quiet_feed(services, bot)
                await ask(fake, w.member, w.papers, "like", paper=NERF_LIKED)
                await ask(fake, w.member, w.papers, "dmdigest", "on")
                digests = feed_cog(bot).digests
                if crash == "after_send":

                    def crash_before_recording(*a: Any) -> None:
                        raise RuntimeError("the process died after Discord accepted the message")

                    digests.log.mark_sent = crash_before_recording  # type: ignore[method-assign,assignment]
                    with pytest.raises(RuntimeError):
                        await digests.tick(MON)
                    assert len(dm_digests(fake, w.member)) == 1
                else:  # claimed (the intent written), then the process died before sending
                    assert await services.run_digest(digests.prepare, member, day) is True
                    assert dm_digests(fake, w.member) == []
                assert [p.member for p in DMLog(fake_index.store).pending()] == [member]
            fresh_executors(services)
            async with live_bot(fake, services) as bot:
                await quiet_feed(services, bot)
                digests = feed_cog(bot).digests
                await digests.tick(MON)
                await digests.tick(MON.replace(hour=15))  # a later check the same day
                msgs = dm_digests(fake, w.member)
                assert len(msgs) == 1, [m["embeds"][0]["footer"] for m in msgs]
                assert f"personal digest {day}/{member}" in msgs[0]["embeds"][0]["footer"]["text"]
                log = DMLog(fake_index.store)
                assert log.pending() == [] and log.sent_count(member) == 1
            fake.assert_clean()

    run(scenario())


def test_topic_seed_from_an_attached_bibtex_file(fake_index: PaperIndex) -> None:
    """/topic seed with a .bib attachment: discord.py downloads it (here from a loopback file server), the
    records are matched to held papers by arXiv id and title, and the channel's feed ranks by them."""
    from aiohttp import web

    from tests.helpers.fake_discord import snowflake

    services = make_services(fake_index)
    bib = (
        b"@article{a, title={{DerainNeRF}: 3D Scene Estimation with Adhesive Waterdrop Removal}}\n"
        b"@misc{b, title={x}, eprint={2403.19780}, archivePrefix={arXiv}}\n"
        b"@misc{c, title={A Paper This Group Does Not Hold About Llamas}}\n"
    )

    async def scenario() -> None:
        async def serve(_: web.Request) -> web.Response:
            return web.Response(body=bib)

        app = web.Application()
        app.router.add_get("/seeds.bib", serve)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            async with fake_discord() as fake:
                w = make_world(fake)
                async with live_bot(fake, services) as bot:
                    await quiet_feed(services, bot)
                    cmd = fake._command("topic", None)
                    aid = str(snowflake())
                    url = f"http://127.0.0.1:{port}/seeds.bib"
                    data = {
                        "id": cmd["id"],
                        "name": "topic",
                        "type": 1,
                        "options": [
                            {
                                "name": "seed",
                                "type": 1,
                                "options": [
                                    {"name": "topic", "type": 3, "value": "NeRF"},
                                    {"name": "file", "type": 11, "value": aid},
                                ],
                            }
                        ],
                        "resolved": {
                            "attachments": {
                                aid: {
                                    "id": aid,
                                    "filename": "seeds.bib",
                                    "size": len(bib),
                                    "url": url,
                                    "proxy_url": url,
                                }
                            }
                        },
                    }
                    it = fake._base_interaction(2, w.member, w.papers, data)
                    await fake.dispatch("INTERACTION_CREATE", it.payload)
                    text = (await fake.answered(it)).text()
                    assert "with 2 paper(s)" in text and "2403.20013" in text and "2403.19780" in text, text
                    assert "Not held here (1)" in text and "Llamas" in text
                    store = FeedStore(fake_index.store)
                    assert set(store.seeds("NeRF", str(w.papers))) == {"2403.20013", "2403.19780"}
                    assert store.seeds("NeRF") == [], "a channel's seeds stay in that channel"
                    here = await ask(fake, w.manager, w.papers, "feed", topic="NeRF", k=2)
                    assert "matches your topic's seed paper" in here.text(), here.text()
                    elsewhere = await ask(fake, w.manager, w.lounge, "feed", topic="NeRF", k=2)
                    assert (
                        "seed paper" not in elsewhere.text()
                        and "new in your topic 'NeRF'" in elsewhere.text()
                    )
                fake.assert_clean()
        finally:
            await runner.cleanup()

    run(scenario())


def test_two_processes_claim_a_members_digest_once(tmp_path: Any) -> None:
    """Two stores on one SQLite file (two bot processes) racing to claim the same member's day: one wins,
    and the papers it lists are recorded once."""
    import threading

    from index.storage.sqlite import SqliteStore

    stores = [SqliteStore(tmp_path / "data"), SqliteStore(tmp_path / "data")]
    logs = [DMLog(s) for s in stores]
    day = MON.date()
    start = threading.Barrier(8)
    won: list[bool] = []

    def claim(i: int) -> None:
        start.wait()
        won.append(logs[i % 2].claim("discord:7", day, {"title": f"try {i}"}, ["p1", "p2"]))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(won) == [False] * 7 + [True]
    (pending,) = logs[0].pending()
    assert pending.member == "discord:7" and logs[1].sent_papers("discord:7") == {"p1", "p2"}
    for s in stores:
        s.close()


def test_topic_seed_and_unseed_by_paper_and_the_weekly_recap(fake_index: PaperIndex) -> None:
    """/topic seed with a paper, /topic unseed (and again: nothing to undo), and /recap posting the week's
    themes with citations that are papers of the topic, through the real client."""
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_feed(services, bot)
                seeded = await ask(
                    fake, w.member, w.papers, "topic", "seed", topic="NeRF", paper="2403.20013"
                )
                assert "Seeded **NeRF** here with 1 paper" in seeded.text() and seeded.ephemeral()
                assert "DerainNeRF" in seeded.text() and "/topic unseed" in seeded.text()
                gone = await ask(
                    fake, w.member, w.papers, "topic", "unseed", topic="NeRF", paper="2403.20013"
                )
                assert gone.text() == "Seed removed."
                again = await ask(
                    fake, w.member, w.papers, "topic", "unseed", topic="NeRF", paper="2403.20013"
                )
                assert "no seed" in again.text()
                await ask(fake, w.member, w.papers, "like", paper=NERF_LIKED)
                it = await ask(fake, w.member, w.papers, "recap", topic="NeRF")
                text = it.text()
                assert not it.ephemeral() and it.embeds(), text
                cited = set(re.findall(r"arxiv\.org/abs/(\d{4}\.\d{5})", str(it.embeds())))
                held = {
                    p.id for p in fake_index.store.get_by_rowids(list(fake_index.store.hashes())).values()
                }
                assert cited and cited <= held, (cited, text)
                bad = await ask(fake, w.member, w.papers, "recap", topic="NeRF", end="last week")
                assert "is not a date" in bad.text() and bad.ephemeral()

    run(scenario())
