"""Digests: schedules across time zones, the arXiv calendar, catch-up, crash safety, feedback, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from index.answers.summarize import Summarizer
from index.clock import parse_time
from index.config import LLMSettings
from index.digests.build import build_digest
from index.digests.export import to_markdown, to_table
from index.digests.runner import ChannelGone, DigestRunner, Outgoing
from index.digests.schedule import ArxivCalendar, latest_occurrence
from index.models import Links
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore, marker
from index.topics import Topic
from tests.helpers.factories import paper

NERF = Topic(name="NeRF", keywords=("NeRF",), description="nerf radiance")
RECON = Topic(name="3D reconstruction", keywords=("reconstruction",), description="gaussian splatting")
TOPICS = [NERF, RECON]
MON = date(2024, 4, 1)  # a Monday


class Crash(BaseException):
    """The process dies (not an Exception: nothing catches it)."""


class FakePoster:
    """A real Poster over in-memory channels; can 'die' right after Discord accepted a message."""

    def __init__(
        self,
        channels: dict[int, list[tuple[int, str, Outgoing]]] | None = None,
        crash_after: int | None = None,
        gone: set[int] | None = None,
    ) -> None:
        self.channels = channels if channels is not None else {}
        self.crash_after, self.gone, self.sent, self.notes = crash_after, gone or set(), 0, []
        self.next_id = 1 + sum(len(v) for v in self.channels.values())

    def send(self, channel_id: int, message: Outgoing) -> int:
        if channel_id in self.gone:
            raise ChannelGone("Missing Access")
        mid = 10_000 + self.next_id
        self.next_id += 1
        self.channels.setdefault(channel_id, []).append((mid, message.marker, message))
        self.sent += 1
        if self.crash_after is not None and self.sent >= self.crash_after:
            raise Crash()
        return mid

    def sent_markers(self, channel_id: int, thread_of: int | None = None) -> dict[str, int]:
        return {mk: mid for mid, mk, _ in self.channels.get(channel_id, [])}

    def notify(self, user_id: int | None, text: str) -> None:
        self.notes.append((user_id, text))

    def papers(self, channel_id: int) -> list[str]:
        return [m.entry.paper.id for _, _, m in self.channels.get(channel_id, []) if m.entry]


@pytest.fixture
def ix(fake_index: PaperIndex) -> PaperIndex:
    day = MON - timedelta(days=1)
    papers = [
        paper(
            "2403.00001",
            "NeRF rain",
            "nerf rain waterdrop",
            topics=("NeRF",),
            published=day,
            authors=("A",),
            links=Links(abs="https://arxiv.org/abs/2403.00001"),
        ),
        paper("2403.00002", "NeRF radiance", "nerf radiance", topics=("NeRF",), published=day),
        paper(
            "2403.00003",
            "Gaussian splatting NeRF",
            "gaussian splatting nerf",
            topics=("NeRF", "3D reconstruction"),
            published=day,
            comment="CVPR 2024 | oral",
        ),
        paper(
            "2403.00004", "Segmentation NeRF", "nerf segmentation medical", topics=("NeRF",), published=day
        ),
        paper(
            "2403.00005", "Gaussian recon", "gaussian splatting", topics=("3D reconstruction",), published=day
        ),
    ]
    fake_index.ingest(list(enumerate(papers)), "t")
    return fake_index


def runner(ix: PaperIndex, poster: FakePoster, **kw: object) -> DigestRunner:
    return DigestRunner(
        ix,
        Summarizer(ix, LLMSettings(_env_file=None)),
        DigestStore(ix.store),
        TOPICS,
        poster,
        calendar=ArxivCalendar([date(2024, 12, 25)]),
        max_shown=2,
        **kw,
    )  # type: ignore[arg-type]


def subscribe(
    store: DigestStore, channel: int, topic: str, at: str = "08:00", tz: str = "UTC", quiet: bool = False
) -> None:
    store.subscribe(
        guild_id=1,
        channel_id=channel,
        topic=topic,
        at=at,
        tz=tz,
        quiet=quiet,
        created_by=99,
        now=datetime(2024, 3, 1, tzinfo=UTC),
    )


def test_latest_occurrence_across_time_zones() -> None:
    now = datetime(2024, 4, 1, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, 20:30 (Sunday) in New York
    assert latest_occurrence(now, parse_time("08:00"), "Asia/Shanghai") == date(2024, 4, 1)
    assert latest_occurrence(now, parse_time("08:00"), "America/New_York") == date(2024, 3, 31)
    assert latest_occurrence(now, parse_time("09:00"), "Asia/Shanghai") == date(2024, 3, 31)
    created = datetime(2024, 3, 31, 20, 0, tzinfo=UTC)
    assert latest_occurrence(now, parse_time("08:00"), "America/New_York", not_before=created) is None


def test_calendar() -> None:
    cal = ArxivCalendar([date(2024, 12, 25)])
    assert cal.has_announcement(MON) and not cal.has_announcement(date(2024, 4, 6))  # Saturday
    assert not cal.has_announcement(date(2024, 12, 25)) and "holiday" in cal.reason(date(2024, 12, 25))
    assert date(2025, 12, 25) in ArxivCalendar().holidays  # bundled file


def test_digest_posts_once_per_day_with_rest_in_thread(ix: PaperIndex) -> None:
    poster = FakePoster()
    r = runner(ix, poster)
    subscribe(r.store, 1, "NeRF", tz="Asia/Shanghai")
    now = datetime(2024, 4, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai on Monday
    assert r.tick(now) == 1 and r.tick(now + timedelta(hours=5)) == 0
    msgs = poster.channels[1]
    header = msgs[0]
    assert header[2].kind == "header" and header[2].digest is not None and header[2].digest.total_new == 4
    entries = [m for _, _, m in msgs[1:]]
    assert len(entries) == 4 and len(set(poster.papers(1))) == 4
    assert [m.thread_of for m in entries] == [None, None, header[0], header[0]]  # max_shown=2
    assert entries[0].entry is not None and entries[0].entry.paper.id in ("2403.00002", "2403.00001")


def test_weekend_holiday_and_quiet(ix: PaperIndex) -> None:
    poster = FakePoster()
    r = runner(ix, poster)
    subscribe(r.store, 1, "NeRF")
    subscribe(r.store, 2, "NeRF", quiet=True)
    r.tick(datetime(2024, 4, 6, 9, 0, tzinfo=UTC))  # Saturday
    assert [m.kind for _, _, m in poster.channels[1]] == ["note"] and "weekends" in poster.channels[1][0][
        2
    ].text
    assert 2 not in poster.channels and r.store.run_state(2, date(2024, 4, 6)) == "no-announcement"
    r.tick(datetime(2024, 12, 25, 9, 0, tzinfo=UTC))
    assert "holiday" in poster.channels[1][-1][2].text


def test_missed_days_caught_up_exactly_once(ix: PaperIndex) -> None:
    poster = FakePoster()
    r = runner(ix, poster)
    subscribe(r.store, 1, "NeRF")
    # The bot was down from Friday to Monday 11:00; it starts and catches up once (Monday's run).
    start = datetime(2024, 4, 1, 11, 0, tzinfo=UTC)
    assert r.tick(start) == 1
    assert r.tick(start + timedelta(minutes=1)) == 0
    assert r.store.run_state(1, date(2024, 3, 31)) is None and r.store.run_state(1, MON) == "sent"
    assert len(poster.papers(1)) == 4


def test_two_topics_in_one_channel_never_repeat_a_paper(ix: PaperIndex) -> None:
    poster = FakePoster()
    r = runner(ix, poster)
    subscribe(r.store, 1, "NeRF", at="08:00")
    subscribe(r.store, 1, "3D reconstruction", at="08:05")
    r.tick(datetime(2024, 4, 1, 9, 0, tzinfo=UTC))
    ids = poster.papers(1)
    assert len(ids) == len(set(ids)) == 5 and ids.count("2403.00003") == 1


def test_crash_after_discord_accepted_before_record(ix: PaperIndex) -> None:
    channels: dict[int, list] = {}
    r1 = runner(ix, FakePoster(channels, crash_after=3))  # dies right after the 2nd paper was accepted
    subscribe(r1.store, 1, "NeRF")
    now = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(Crash):
        r1.tick(now)
    poster = FakePoster(channels)
    r2 = runner(ix, poster)  # the restarted process
    assert r2.recover() == 0, "the dead process's lease (renewed as it sent) has not run out yet"
    assert r2.recover(datetime.now(UTC) + r1.lease + timedelta(seconds=1)) == 1
    assert r2.tick(now + timedelta(minutes=1)) == 0
    ids = poster.papers(1)
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 4  # nothing twice, nothing lost
    assert [m.kind for _, _, m in channels[1]].count("header") == 1
    assert all(state == "sent" for _, state, _ in r2.store.run_entries(1, MON))


def test_crash_during_header_then_recover(ix: PaperIndex) -> None:
    channels: dict[int, list] = {}
    r1 = runner(ix, FakePoster(channels, crash_after=1))
    subscribe(r1.store, 1, "NeRF")
    with pytest.raises(Crash):
        r1.tick(datetime(2024, 4, 1, 9, 0, tzinfo=UTC))
    poster = FakePoster(channels)
    runner(ix, poster).recover()
    assert [m.kind for _, _, m in channels[1]].count("header") == 1 and len(poster.papers(1)) == 4


def test_channel_gone_disables_and_notifies_once(ix: PaperIndex) -> None:
    poster = FakePoster(gone={1})
    r = runner(ix, poster)
    subscribe(r.store, 1, "NeRF")
    now = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    r.tick(now)
    sub = r.store.find(1, "NeRF")
    assert sub is not None and not sub.enabled and "Missing Access" in (sub.disabled_reason or "")
    assert len(poster.notes) == 1 and poster.notes[0][0] == 99
    r.tick(now + timedelta(days=1))
    assert len(poster.notes) == 1  # no loop on errors
    assert r.store.posted_ids(1) == set()  # the reservations were released


def test_arxiv_lag_waits_then_says_nothing_new(fake_index: PaperIndex) -> None:
    poster = FakePoster()
    r = runner(fake_index, poster)
    subscribe(r.store, 1, "NeRF")
    r.tick(datetime(2024, 4, 1, 9, 0, tzinfo=UTC))  # nothing ingested yet: wait (announcements can lag)
    assert 1 not in poster.channels and r.store.run_state(1, MON) is None
    r.tick(datetime(2024, 4, 1, 11, 30, tzinfo=UTC))
    assert "no new papers" in poster.channels[1][0][2].text and r.store.run_state(1, MON) == "empty"


def test_feedback_reranks_that_channel_only(ix: PaperIndex) -> None:
    store = DigestStore(ix.store)
    summ = Summarizer(ix, LLMSettings(_env_file=None))

    def ranked(channel: int) -> list[tuple[str, float]]:
        d = build_digest(ix, summ, NERF, MON, days=3, feedback=store.feedback(channel))
        return [(e.paper.id, e.score) for e in d.entries]

    base = ranked(1)
    assert base[-1][0] == "2403.00003"  # the Gaussian-splatting paper is least about 'nerf radiance'
    store.set_feedback(1, "2403.00003", user_id=5, value=1)  # channel 1 likes it
    store.set_feedback(1, "2403.00002", user_id=5, value=-1)  # and dislikes the top one
    liked, other = ranked(1), ranked(2)
    ids = [p for p, _ in liked]
    assert ids.index("2403.00003") < len(ids) - 1
    assert dict(liked)["2403.00002"] < dict(base)["2403.00002"]
    assert other == base  # another channel's digest is unchanged
    store.set_feedback(1, "2403.00003", user_id=5, value=0)  # reaction removed
    store.set_feedback(1, "2403.00002", user_id=5, value=0)
    assert ranked(1) == base


def test_markdown_export_parses_back(sample_index: PaperIndex) -> None:
    nerf = Topic(name="NeRF", keywords=("NeRF",))
    d = build_digest(
        sample_index, Summarizer(sample_index, LLMSettings(_env_file=None)), nerf, date(2024, 4, 1)
    )
    md = to_markdown(d)
    _, front, body = md.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["title"] == "NeRF" and "Update in 2024-04-01" in meta["description"]
    assert body.lstrip().startswith("# 2024-04-01")
    sections = [s for s in body.split("\n## ")[1:]]
    assert len(sections) == d.total_new == 8
    for s, e in zip(sections, d.entries, strict=True):
        assert (
            s.startswith(e.paper.title)
            and "**Authors:" in s
            and f"[PDF](http://arxiv.org/abs/{e.paper.id})" in s
        )
        assert "**Summary**" in s and "**Key Takeaways**" in s and "\n- " in s


def test_table_export_one_row_per_paper_with_escaped_pipes(ix: PaperIndex) -> None:
    d = build_digest(ix, Summarizer(ix, LLMSettings(_env_file=None)), NERF, MON, days=3)
    table = to_table(d, {"2403.00003": "中文 | 摘要"})
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| year")]
    assert len(rows) == 4
    row = next(r for r in rows if "Gaussian splatting NeRF" in r)
    import re

    cells = re.split(r"(?<!\\)\|", row.strip().strip("|"))
    assert len(cells) == 6 and "中文 \\| 摘要" in row
    assert "3 of 4 papers have no Chinese abstract" in table


def test_marker_format() -> None:
    assert marker(3, MON, "2403.00001") == "digest 3/2024-04-01/2403.00001"


class LeaseWatchingPoster(FakePoster):
    """Records, at every send, how long the run's lease still has to go."""

    def __init__(self, store: DigestStore) -> None:
        super().__init__()
        self.store, self.leases = store, []

    def send(self, channel_id: int, message: Outgoing) -> int:
        rows = self.store.store.query("SELECT lease_until FROM digest_runs WHERE state='sending'")
        if rows and rows[0][0]:
            self.leases.append(datetime.fromisoformat(rows[0][0]) - datetime.now(UTC))
        return super().send(channel_id, message)


def test_a_long_delivery_renews_its_lease_and_a_run_is_capped_and_says_so(ix: PaperIndex) -> None:
    store = DigestStore(ix.store)
    poster = LeaseWatchingPoster(store)
    r = runner(ix, poster, max_entries=2)  # type: ignore[arg-type]
    r.lease = timedelta(seconds=30)
    subscribe(r.store, 10, "NeRF")
    assert r.tick(datetime(2024, 4, 1, 9, tzinfo=UTC)) == 1
    assert len(poster.papers(10)) == 2
    header = poster.channels[10][0][2].digest
    assert header is not None and header.total_new == 4 and len(header.entries) == 2
    # The run was claimed at the (time-travelled) tick time, so its first lease is long past; after the
    # first entry is sent the lease is renewed from the wall clock, and the next send sees it fresh.
    assert (
        len(poster.leases) == 3 and poster.leases[1] < timedelta(0) < timedelta(seconds=25) < poster.leases[2]
    )


def test_a_transient_failure_is_resumed_by_the_next_check_without_duplicates(ix: PaperIndex) -> None:
    class Flaky(FakePoster):
        def send(self, channel_id: int, message: Outgoing) -> int:
            if self.sent == 2 and not getattr(self, "failed", False):
                self.failed = True
                raise ConnectionError("503 Service Unavailable")
            return super().send(channel_id, message)

    poster = Flaky()
    r = runner(ix, poster)
    subscribe(r.store, 10, "NeRF")
    assert r.tick(datetime(2024, 4, 1, 9, tzinfo=UTC)) == 0  # stopped part-way, lease released
    assert r.recover() == 1
    got = [mk for _, mk, _ in poster.channels[10]]
    assert len(got) == len(set(got)) == 5 and r.store.run_state(1, MON) == "sent"
