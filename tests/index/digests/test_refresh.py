"""A digest's topic is fetched from arXiv at most once per refresh window, however many subscriptions and
scheduler ticks ask, and an unreachable arXiv is said as such: the real arxiv client against the loopback
arXiv (tests/helpers/arxiv_server.py), the real runner, a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from index.answers.summarize import Summarizer
from index.config import IndexSettings, LLMSettings
from index.digests.runner import DigestRunner
from index.digests.schedule import ArxivCalendar
from index.ingest import ingest_topic
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore
from index.topics import Topic
from tests.helpers.arxiv_server import ArxivServer
from tests.helpers.fakes import FakeEmbedder
from tests.index.digests.test_digest import FakePoster

NERF = Topic(name="NeRF", keywords=("NeRF",), description="nerf radiance")
MON = date(2024, 4, 1)


@pytest.fixture
def quiet_arxiv() -> Iterator[ArxivServer]:
    """An arXiv with nothing new for the topic (every query answers an empty feed)."""
    with ArxivServer([]) as srv:
        yield srv


@pytest.fixture
def down_arxiv() -> Iterator[ArxivServer]:
    """An arXiv that answers every query 503."""
    with ArxivServer([], script=lambda n, q: (503, b"busy")) as srv:
        yield srv


def empty_index(tmp_path: Path, url: str) -> PaperIndex:
    settings = IndexSettings(
        _env_file=None,
        data_dir=tmp_path / "data",
        multilingual=False,
        arxiv_url=url,
        arxiv_retries=0,
        arxiv_delay_seconds=0,
    )
    return PaperIndex(settings, embedder=FakeEmbedder())


def morning(ix: PaperIndex, poster: FakePoster, channels: int = 3) -> DigestRunner:
    """``channels`` subscriptions to one quiet topic at 08:00 UTC, ticked every minute 08:00-11:30."""
    r = DigestRunner(
        ix,
        Summarizer(ix, LLMSettings(_env_file=None)),
        DigestStore(ix.store),
        [NERF],
        poster,
        calendar=ArxivCalendar([]),
        refresh=lambda topic: ingest_topic(ix, topic).added,
    )
    for channel in range(1, channels + 1):
        r.store.subscribe(
            guild_id=1,
            channel_id=channel,
            topic="NeRF",
            at="08:00",
            tz="UTC",
            created_by=99,
            now=datetime(2024, 3, 1, tzinfo=UTC),
        )
    start = datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
    for minute in range(0, 211):
        r.tick(start + timedelta(minutes=minute))
    return r


def test_a_quiet_topic_is_fetched_once_per_window_for_all_its_subscriptions(
    tmp_path: Path, quiet_arxiv: ArxivServer
) -> None:
    ix = empty_index(tmp_path, quiet_arxiv.url)
    poster = FakePoster()
    r = morning(ix, poster)
    # 3 subscriptions x 211 checks asked arXiv 633 times; once per 30-minute window is at most 8 (08:00 .. 11:30).
    assert 1 <= len(quiet_arxiv.requests) <= 8, f"{len(quiet_arxiv.requests)} arXiv queries in one morning"
    for channel in (1, 2, 3):
        (note,) = [m for _, _, m in poster.channels[channel]]
        assert note.text == "NeRF: no new papers on arXiv today."
        assert r.store.run_state(channel, MON) == "empty"
    # A restarted bot (a new runner over the same store) remembers the last fetch: no query at once.
    before = len(quiet_arxiv.requests)
    again = DigestRunner(
        ix,
        r.summarizer,
        r.store,
        [NERF],
        FakePoster(),
        calendar=ArxivCalendar([]),
        refresh=lambda topic: ingest_topic(ix, topic).added,
    )
    assert again.refresher is not None
    again.refresher.refresh(NERF, datetime(2024, 4, 1, 11, 10, tzinfo=UTC))  # the last fetch was at 11:00
    assert len(quiet_arxiv.requests) == before
    ix.close()


def test_an_unreachable_arxiv_is_not_reported_as_no_new_papers(
    tmp_path: Path, down_arxiv: ArxivServer
) -> None:
    ix = empty_index(tmp_path, down_arxiv.url)
    poster = FakePoster()
    r = morning(ix, poster, channels=2)
    assert 1 <= len(down_arxiv.requests) <= 8, f"{len(down_arxiv.requests)} arXiv queries in one morning"
    for channel in (1, 2):
        (note,) = [m for _, _, m in poster.channels[channel]]
        assert "arXiv could not be reached" in note.text and "no new papers" not in note.text, note.text
        assert r.store.run_state(channel, MON) == "unreachable"
    ix.close()
