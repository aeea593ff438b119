"""Papers added to a topic (an imported list, a conference's papers) reach its digests, exactly once per channel,
labelled with where they came from; an empty digest says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from index.answers.summarize import Summarizer
from index.config import LLMSettings
from index.digests.build import build_digest
from index.digests.export import to_markdown
from index.paperindex import PaperIndex
from tests.helpers.factories import paper
from tests.index.digests.test_digest import MON, NERF, FakePoster, ix, runner, subscribe

__all__ = ["ix"]  # the fixture, shared with test_digest
SUNDAY_NOON = "2024-03-31T12:00:00+00:00"


@pytest.fixture
def imported(ix: PaperIndex, monkeypatch: pytest.MonkeyPatch) -> PaperIndex:
    """Three CVPR 2020 papers (year-only dates) imported under NeRF on the Sunday before MON, and one arXiv
    paper of 2023 an ingest filed late the same day (not new: it was published long before)."""
    monkeypatch.setattr("index.storage.sqlite.added_now", lambda: SUNDAY_NOON)
    old = [
        paper(f"cvpr2020:nerf-{i}", f"NeRF list paper {i}", "nerf radiance list", topics=("NeRF",), venue="CVPR 2020",
              published=datetime(2020, 1, 1).date(), published_year_only=True, source="cvpr2020-list")
        for i in range(3)
    ]  # fmt: skip
    late = paper("2301.00009", "NeRF from 2023", "nerf radiance old", topics=("NeRF",), source="arxiv",
                 published=datetime(2023, 1, 5).date())  # fmt: skip
    ix.ingest(list(enumerate([*old, late])), "cvpr2020-list")
    return ix


def test_an_imported_list_is_in_the_digest_of_the_days_it_was_added(imported: PaperIndex) -> None:
    d = build_digest(
        imported, Summarizer(imported, LLMSettings(_env_file=None)), NERF, MON, days=2, max_shown=50
    )
    origins = {e.paper.id: e.origin for e in d.entries}
    assert {origins[f"cvpr2020:nerf-{i}"] for i in range(3)} == {"imported: cvpr2020-list"}
    assert origins["2403.00001"] == "imported"  # published the day before: in as before, by its source
    assert "2301.00009" not in origins  # an arXiv paper filed late is not new
    md = to_markdown(d)
    assert md.count("Published: 2020 · Venue: CVPR 2020 · Source: imported: cvpr2020-list") == 3
    one_day = build_digest(imported, Summarizer(imported, LLMSettings(_env_file=None)), NERF, MON, days=1)
    assert not any(e.paper.id.startswith("cvpr2020:") for e in one_day.entries)  # added Sunday, not Monday


def test_channel_digests_post_added_papers_once(imported: PaperIndex) -> None:
    poster = FakePoster()
    r = runner(imported, poster, max_entries=50)
    subscribe(r.store, 1, "NeRF")
    monday = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    assert r.tick(monday) == 1 and r.tick(monday + timedelta(hours=3)) == 0
    posted = poster.papers(1)
    assert {f"cvpr2020:nerf-{i}" for i in range(3)} <= set(posted) and len(posted) == len(set(posted))
    assert (
        r.tick(monday + timedelta(days=1, hours=4)) == 1
    )  # Tuesday: the week's imports are not posted again
    again = poster.papers(1)[len(posted) :]
    assert not {p for p in again if p.startswith("cvpr2020:")}


def test_an_empty_digest_says_what_was_looked_for(imported: PaperIndex) -> None:
    day = MON + timedelta(days=14)
    d = build_digest(imported, Summarizer(imported, LLMSettings(_env_file=None)), NERF, day)
    assert not d.entries
    assert (
        d.empty_reason
        == f"no papers published on {day} or added to topic 'NeRF' since {day}; last arXiv fetch never"
    )
    assert f"No new NeRF papers. ({d.empty_reason})" in to_markdown(d)
