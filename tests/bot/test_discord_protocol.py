"""The real discord.py client against the loopback Discord (tests/helpers/fake_discord.py): login, gateway,
command sync, slash commands, buttons, autocomplete, chat and digests — everything the bot sends checked
against Discord's limits, with 403/404/429/5xx answered on demand. No network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from bot import render
from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore, marker
from index.storage.rows import Row
from index.storage.sqlite import SqliteStore
from tests.helpers.fake_discord import Interaction
from tests.helpers.fakes import FakeEmbedder
from tests.helpers.live_bot import (
    MON,
    drive_digests,
    fake_discord,
    fresh_executors,
    live_bot,
    make_services,
    make_world,
    markers,
    quiet_scheduler,
    subscribe,
)

ROOT = Path(__file__).resolve().parents[2]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def assert_refusal(it: Interaction, words: str) -> None:
    assert it.ephemeral() and words in it.text(), it.text()


# ----- the real index, once: every command ---------------------------------------------------------
def test_every_command_through_discord_on_the_real_sample_index(
    sample_copy: Path, real_embedders: Any
) -> None:
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=sample_copy),
        embedder=real_embedders[0],
        multilingual_embedder=real_embedders[1],
    )
    services = make_services(ix)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                assert fake.command_puts == [None] and fake.identified.is_set()
                assert all(sp.loaded for sp in ix.spaces), "indexes warmed before READY"
                guild_only = {c["name"]: c for c in fake.commands[None] if c["name"] in ("digest", "status")}
                for c in guild_only.values():  # Discord itself hides these in DMs and from non-managers
                    assert c["contexts"] == [0] and c["default_member_permissions"] == 32
                u, ch = w.member, w.papers
                its = {
                    "help": await fake.slash(u, ch, "help"),
                    "topics": await fake.slash(u, ch, "topics"),
                    "search": await fake.slash(u, ch, "search", query="removing waterdrops from NeRF scenes"),
                    "paper": await fake.slash(u, ch, "paper", id_or_title="MambaMorph"),
                    "similar": await fake.slash(u, ch, "similar", paper="2403.20013"),
                    "summary": await fake.slash(u, ch, "summary", paper="2403.20013", lang="zh"),
                    "ask": await fake.slash(u, ch, "ask", question="MambaMorph用了什么方法?"),
                    "status": await fake.slash(w.manager, ch, "status"),
                }
                for it in its.values():
                    await fake.answered(it, timeout=60)
                assert "DerainNeRF" in its["search"].embeds()[0]["fields"][0]["name"]
                assert "MambaMorph" in its["paper"].text() and "Key takeaways" in its["paper"].text()
                assert (
                    "[1] [MambaMorph" in its["ask"].text()
                    and "https://arxiv.org/abs/2401.13934" in its["ask"].text()
                )
                assert "要点" in its["summary"].text() and "papers" in its["status"].text()
                sub = await fake.answered(
                    await fake.slash(
                        w.manager,
                        ch,
                        "digest",
                        "subscribe",
                        topic="nerf",
                        time="08:30",
                        timezone="Asia/Shanghai",
                    )
                )
                assert "Subscribed" in sub.text() and "NeRF" in sub.text()
                listed = await fake.answered(await fake.slash(w.manager, ch, "digest", "list"))
                assert "NeRF" in listed.text() and "08:30 Asia/Shanghai" in listed.text()
                for name, opts in (
                    ("preview", {"topic": "NeRF"}),
                    ("stats", {}),
                    ("unsubscribe", {"topic": "NeRF"}),
                ):
                    it = await fake.answered(
                        await fake.slash(w.manager, ch, "digest", name, **opts), timeout=60
                    )
                    assert "Sorry" not in it.text(), (name, it.text())
            fake.assert_clean()
            fresh_executors(services)
            async with live_bot(fake, services):
                assert fake.command_puts == [None], "a restart with unchanged commands must not sync again"

    run(scenario())
    ix.close()


# ----- buttons ---------------------------------------------------------------------------------------
def test_only_the_searcher_pages_and_errors_after_defer_are_answered(fake_index: PaperIndex) -> None:
    services = make_services(fake_index, page_size=5, ask_rate=2)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                it = await fake.answered(
                    await fake.slash(w.member, w.papers, "search", query="nerf rain", k=12)
                )
                msg = it.messages()[0]
                assert "page 1/3" in it.text()
                other = await fake.answered(await fake.click(w.manager, msg, "pl:search:next"))
                assert_refusal(other, "belong to the member who searched")
                assert "page 1/3" in it.text(), "another member's click must not page"
                mine = await fake.answered(await fake.click(w.member, msg, "pl:search:next"))
                assert mine.callbacks[0]["type"] == 7 and "page 2/3" in str(
                    mine.callbacks[0]["data"]["embeds"]
                )
                # An error after a thinking defer: answered privately, the placeholder removed.
                bad = await fake.answered(
                    await fake.click(w.member, msg, "pl:search:similar", values=["2499.00001"])
                )
                await fake.wait_for(lambda: bad.followups)
                assert "2499.00001" in bad.text() and bad.ephemeral()
                gone = await fake.answered(
                    await fake.slash(w.member, w.papers, "paper", id_or_title="2499.00001")
                )
                await fake.wait_for(lambda: gone.original_deleted)
                assert "is not in the index" in gone.text() and gone.followups[0]["flags"] & 64
                asks = [
                    await fake.answered(await fake.slash(w.member, w.papers, "ask", question="nerf rain?"))
                    for _ in range(3)
                ]
                assert "[1]" in asks[0].text() and not asks[1].ephemeral()
                assert_refusal(asks[2], "try again in 60 s")
                other_user = await fake.answered(
                    await fake.slash(w.manager, w.papers, "ask", question="nerf rain?")
                )
                assert not other_user.ephemeral(), "one member's cooldown is not another's"
            fake.assert_clean()

    run(scenario())


def test_controls_after_timeout_and_after_a_restart(fake_index: PaperIndex) -> None:
    services = make_services(fake_index, view_timeout_seconds=0.5)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                it = await fake.answered(await fake.slash(w.member, w.papers, "search", query="nerf", k=12))
                await fake.wait_for(
                    lambda: all(
                        c.get("disabled") for row in it.original["components"] for c in row["components"]
                    )
                )  # type: ignore[index]
                late = await fake.answered(await fake.click(w.member, it.original, "pl:search:next"))  # type: ignore[arg-type]
                await fake.wait_for(lambda: late.followups)
                assert "expired" in late.text()
                paper = await fake.answered(
                    await fake.slash(w.member, w.papers, "paper", id_or_title="2403.20013")
                )
                button = paper.original["components"][0]["components"][0]  # type: ignore[index]
                assert button["custom_id"] == "pl:analysis:en:2403.20013"
            services.settings.view_timeout_seconds = 600
            fresh_executors(services)
            async with live_bot(fake, services):
                # A search message from before the restart: its view is gone.
                old = await fake.answered(await fake.slash(w.member, w.papers, "search", query="nerf", k=12))
            fresh_executors(services)
            async with live_bot(fake, services):
                click = await fake.answered(await fake.click(w.member, old.original, "pl:search:next"))  # type: ignore[arg-type]
                await fake.wait_for(lambda: click.followups)
                assert "expired" in click.text() and click.callbacks[0]["data"]["components"] == []
                # The analysis button is persistent: it works after the restart, for anyone.
                full = await fake.answered(await fake.click(w.manager, paper.original, button["custom_id"]))  # type: ignore[arg-type]
                await fake.wait_for(lambda: full.original and full.original.get("_edited"))
                assert "DerainNeRF" in full.text() and "Method" in full.text() and full.ephemeral()
            fake.assert_clean()

    run(scenario())


# ----- autocomplete ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_autocomplete_on_100k_titles_answers_within_discords_deadline(tmp_path: Path) -> None:
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=tmp_path / "d", multilingual=False), embedder=FakeEmbedder()
    )
    # Titles only (autocomplete reads no vectors): 100k rows straight into the store.
    words = [
        "neural",
        "radiance",
        "field",
        "gaussian",
        "splatting",
        "medical",
        "image",
        "registration",
        "segmentation",
        "depth",
        "mesh",
        "pose",
    ]
    for start in range(0, 100_000, 10_000):
        ix.store.upsert(
            [
                Row(
                    Paper(
                        id=f"p{i}",
                        title=" ".join(words[(i * k) % len(words)] for k in (1, 3, 5, 7)) + f" {i}",
                        abstract="x",
                    ),
                    None,
                    None,
                )
                for i in range(start, start + 10_000)
            ]
        )
    ix.store.upsert(
        [
            Row(
                Paper(
                    id="2403.20013",
                    title="DerainNeRF: 3D Scene Estimation with Adhesive Waterdrop Removal",
                    abstract="x",
                ),
                None,
                None,
            )
        ]
    )
    services = make_services(ix)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                for typed in ("derainnerf waterdrop", "2403.2", "adhesive waterdrop removal"):
                    t = time.perf_counter()
                    it = await fake.answered(
                        await fake.slash(
                            w.member, w.papers, "paper", focused="id_or_title", id_or_title=typed
                        )
                    )
                    took = time.perf_counter() - t
                    choices = it.callbacks[0]["data"]["choices"]
                    assert choices and choices[0]["value"] == "2403.20013", (typed, choices[:3])
                    assert took < 3.0, f"{typed!r}: {took:.2f} s"
                    print(f"autocomplete {typed!r} over 100,001 titles: {took * 1000:.0f} ms")
            fake.assert_clean()

    run(scenario())
    ix.close()


def sources(message: dict[str, Any]) -> list[str]:
    """The paper links in an answer's Sources field, in order."""
    import re

    fields = [f for e in message.get("embeds") or [] for f in e.get("fields") or [] if f["name"] == "Sources"]
    return re.findall(r"\((https://arxiv\.org/abs/[^)]+)\)", fields[0]["value"]) if fields else []


# ----- chat ------------------------------------------------------------------------------------------
def test_chat_answers_in_a_thread_else_as_a_reply_and_in_dms(
    fake_index: PaperIndex, caplog: pytest.LogCaptureFixture
) -> None:
    services = make_services(fake_index)
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                q = await fake.say(
                    w.member, w.lounge, "how do they remove waterdrops in NeRF scenes?", mention_bot=True
                )
                thread = int(q["id"])
                await fake.wait_for(lambda: fake.channel_messages(thread))
                answer = fake.channel_messages(thread)[0]
                assert "DerainNeRF" in str(answer["embeds"])
                await fake.say(w.member, thread, "and what data do they use?")  # a follow-up, no mention
                await fake.wait_for(lambda: len(fake.channel_messages(thread)) >= 3)
                first, follow = (sources(fake.channel_messages(thread)[i]) for i in (0, 2))
                assert first and follow[: len(first)] == first, (
                    "a follow-up is answered from the thread's papers first"
                )
                # Threads forbidden here: the answer comes as a reply instead of not at all.
                fake.fail("POST", r"/threads$", 403)
                q2 = await fake.say(w.member, w.lounge, "registration with mamba?", mention_bot=True)
                await fake.wait_for(
                    lambda: [
                        m for m in fake.channel_messages(w.lounge) if m["author"]["id"] == str(fake.bot_id)
                    ]
                )
                reply = next(
                    m for m in fake.channel_messages(w.lounge) if m["author"]["id"] == str(fake.bot_id)
                )
                assert str(reply.get("message_reference", {}).get("message_id")) == q2[
                    "id"
                ] and "MambaMorph" in str(reply["embeds"])
                dm = fake.dm_channel(w.stranger)
                await fake.say(w.stranger, dm, "gaussian splatting papers?")
                await fake.wait_for(lambda: len(fake.channel_messages(dm)) >= 2)
                assert fake.channel_messages(dm)[1]["embeds"]
            fake.assert_clean()

    run(scenario())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not any("CommandNotFound" in r.getMessage() for r in caplog.records)


# ----- privacy ---------------------------------------------------------------------------------------
def test_guild_only_commands_refuse_dms_and_non_managers(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            DigestStore(fake_index.store).subscribe(
                guild_id=w.guild, channel_id=w.papers, topic="NeRF", at="08:00", tz="UTC"
            )
            async with live_bot(fake, services):
                dm = fake.dm_channel(w.stranger)
                for name, sub, opts in (
                    ("digest", "list", {}),
                    ("digest", "stats", {}),
                    ("digest", "preview", {"topic": "NeRF"}),
                    ("digest", "subscribe", {"topic": "NeRF"}),
                    ("digest", "unsubscribe", {"topic": "NeRF"}),
                    ("status", None, {}),
                ):
                    it = await fake.answered(await fake.slash(w.stranger, dm, name, sub, **opts))
                    assert_refusal(it, "works in a server channel")
                    assert str(w.papers) not in it.text() and "NeRF" not in it.text()
                bad_zone = await fake.answered(
                    await fake.slash(
                        w.manager, w.papers, "digest", "subscribe", topic="NeRF", timezone="Mars/Base"
                    )
                )
                assert_refusal(bad_zone, "Unknown time zone")
                typed = await fake.answered(
                    await fake.slash(w.manager, w.papers, "digest", "subscribe", focused="topic", topic="rec")
                )
                assert [c["value"] for c in typed.callbacks[0]["data"]["choices"]] == ["3D reconstruction"]
                for name, sub in (("digest", "list"), ("status", None), ("digest", "preview")):
                    opts = {"topic": "NeRF"} if sub == "preview" else {}
                    it = await fake.answered(await fake.slash(w.member, w.papers, name, sub, **opts))
                    assert_refusal(it, "Manage Server")
            fake.assert_clean()

    run(scenario())
    with pytest.raises(ValueError):
        DigestStore(fake_index.store).guild_subscriptions(None)  # type: ignore[arg-type]


# ----- limits ----------------------------------------------------------------------------------------
def long_paper(i: int) -> Paper:
    """A paper at every length limit at once, published today (what /digest preview looks at)."""
    sentence = (
        "We propose a radiance field method that renders scenes with waterdrops while the results show "
        "improvements of 6.13dB and 17.3% over prior work on several benchmark datasets for NeRF. "
    )
    return Paper(
        id=f"long:{i}",
        title=f"NeRF {i}: " + "a very long title about radiance fields " * 12,
        abstract=sentence * 40,
        authors=tuple(f"Author Number {k}" for k in range(60)),
        comment="CVPR 2024 " * 60,
        published=datetime.now(UTC).date(),
        topics=("NeRF",),
    )


def test_whole_messages_fit_discords_limits(fake_index: PaperIndex) -> None:
    fake_index.ingest([(i, long_paper(i)) for i in range(6)], "long")
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                its = [
                    await fake.slash(w.member, w.papers, "summary", paper="long:1"),
                    await fake.slash(w.member, w.papers, "paper", id_or_title="long:2"),
                    await fake.slash(w.member, w.papers, "search", query="nerf radiance waterdrops", k=30),
                    await fake.slash(w.manager, w.papers, "digest", "preview", topic="NeRF"),
                ]
                for it in its:
                    await fake.answered(it, timeout=60)
                    assert "Sorry" not in it.text(), it.text()
                assert len(its[0].embeds()) == 2 and len(its[3].embeds()) == 5
            fake.assert_clean()  # 6,000 characters across each message's embeds, fields, titles, components

    run(scenario())


def test_fit_message_shortens_every_section_before_dropping_any() -> None:
    embeds = []
    for n in range(3):
        e = discord.Embed(title=f"part {n}", description="d" * 3000)
        for f in range(4):
            e.add_field(name=f"field {f}", value="v" * 1024)
        embeds.append(e)
    fitted = render.fit_message(embeds)
    assert sum(len(e) for e in fitted) <= 6000
    assert [len(e.fields) for e in fitted] == [4, 4, 4] and all(e.description for e in fitted)


# ----- digests ---------------------------------------------------------------------------------------
def test_digests_to_several_channels_through_429s_and_5xx_are_exactly_once(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            third = fake.add_channel(w.guild, "reading-group")
            channels = [w.papers, w.lounge, third]
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                subscribe(fake_index, w, channels)
                fake.fail("POST", r"/channels/\d+/messages$", 429, times=4, retry_after=0.05)
                fake.fail(
                    "POST", r"/channels/\d+/messages$", 500, times=1, skip=3
                )  # discord.py retries a 500
                fake.fail(
                    "POST", r"/channels/\d+/messages$", 503, times=1, skip=7
                )  # ...not a 503: the runner resumes
                await drive_digests(services, bot)
            fake.assert_clean()
            statuses = Counter(s for _, _, s in fake.requests)
            assert statuses[429] == 4 and statuses[500] == 1 and statuses[503] == 1
            store = DigestStore(fake_index.store)
            for sub in store.all_subscriptions():
                got = markers(fake, sub.channel_id)
                entries = store.run_entries(sub.id, MON.date())
                want = [marker(sub.id, MON.date())] + [
                    marker(sub.id, MON.date(), pid) for pid, _, _ in entries
                ]
                assert len(entries) >= 3 and all(state == "sent" for _, state, _ in entries)
                assert sorted(got) == sorted(want), (
                    f"channel {sub.channel_id}: posted {got}, expected each of {want} once"
                )
                assert store.run_state(sub.id, MON.date()) == "sent"

    run(scenario())


def test_a_channel_that_disappears_mid_run_pauses_and_tells_the_subscriber(fake_index: PaperIndex) -> None:
    services = make_services(fake_index)

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services) as bot:
                await quiet_scheduler(services, bot)
                (sub_id,) = subscribe(fake_index, w, [w.papers])
                fake.fail("POST", rf"/channels/{w.papers}/messages$", 404, times=100, skip=2)
                await drive_digests(services, bot, rounds=1)
                store = DigestStore(fake_index.store)
                sub = store.get(sub_id)
                assert sub is not None and not sub.enabled and "NotFound" in (sub.disabled_reason or "")
                dm = fake.dms.get(w.manager)
                assert dm is not None and "paused" in fake.channel_messages(dm)[0]["content"]
                assert len(fake.channel_messages(w.papers)) == 2
                assert store.posted_ids(w.papers) == {
                    e[0] for e in store.run_entries(sub_id, MON.date()) if e[1] == "sent"
                }
            fake.assert_clean()

    run(scenario())


def test_preview_is_for_managers_rate_limited_and_summarises_only_what_it_shows(
    fake_index: PaperIndex,
) -> None:
    fake_index.ingest([(i, long_paper(i)) for i in range(6)], "today's papers")
    services = make_services(fake_index, preview_rate=1)
    calls: list[str] = []
    original = services.summarizer.summarize

    def counting(ref: str, lang: str = "en") -> Any:
        calls.append(ref)
        return original(ref, lang)

    services.summarizer.summarize = counting  # type: ignore[method-assign]

    async def scenario() -> None:
        async with fake_discord() as fake:
            w = make_world(fake)
            async with live_bot(fake, services):
                it = await fake.answered(
                    await fake.slash(w.manager, w.papers, "digest", "preview", topic="NeRF"), timeout=60
                )
                again = await fake.answered(
                    await fake.slash(w.manager, w.papers, "digest", "preview", topic="NeRF")
                )
            # Today's 6 papers, and the papers the fixture filed under the topic today (new to the group too)
            new = re.search(r"(\d+) new papers, 4 shown here", it.text())
            assert new and int(new.group(1)) >= 6 and len(it.embeds()) == 5, it.text()
            assert len(calls) == 4, f"{new.group(1)} candidates, 4 shown: summarised {calls}"
            assert_refusal(again, "try again in")
            fake.assert_clean()

    run(scenario())


# ----- lifecycle -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_sigterm_closes_the_bot_and_saves_and_an_empty_index_is_not_seeded(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with fake_discord() as fake:
            make_world(fake)
            env = {
                **os.environ,
                "DISCORD_TOKEN": "fake-token",
                "PAPERLENS_BOT_API_BASE_URL": fake.base,
                "PAPERLENS_DATA_DIR": str(tmp_path / "data"),
                "PAPERLENS_MULTILINGUAL": "false",
                "PAPERLENS_BOT_SYNC_COMMANDS": "true",
            }
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                await asyncio.wait_for(fake.identified.wait(), 120)
                await fake.wait_for(lambda: fake.command_puts, timeout=30)
                proc.send_signal(signal.SIGTERM)
                out, _ = await asyncio.wait_for(proc.communicate(), 60)
            finally:
                if proc.returncode is None:
                    proc.kill()
            text = out.decode()
            assert proc.returncode == 0, text[-3000:]
            assert "stopped cleanly" in text and "fake-token" not in text
            store = SqliteStore(tmp_path / "data")
            assert store.count() == 0, "a bot with a token must not seed the sample corpus unless asked"
            assert store.get_meta("embed_model") == "all-MiniLM-L6-v2"  # warmed and saved, then closed
            store.close()

    run(scenario())
