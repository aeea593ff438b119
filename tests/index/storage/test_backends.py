"""One contract, two backends: embedded (SQLite + FAISS) and postgres (PostgreSQL + pgvector)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from index.answers.summarize import Summarizer
from index.config import IndexSettings, LLMSettings
from index.digests.runner import DigestRunner
from index.digests.schedule import ArxivCalendar
from index.models import Filters
from index.paperindex import PaperIndex
from index.storage.digests import DigestStore
from index.topics import Topic
from tests.helpers.fakes import FakeEmbedder
from tests.index.digests.test_digest import Crash, FakePoster
from tests.index.test_paperindex import CORPUS

ROOT = Path(__file__).resolve().parents[3]
NERF = Topic(name="NeRF", keywords=("nerf",))
# The contract corpus: test_paperindex's papers, the third moved into the NeRF digest window.
PAPERS = [
    CORPUS[0],
    CORPUS[1],
    CORPUS[2].model_copy(
        update={"abstract": "Gaussian splatting dynamic nerf", "published": date(2024, 3, 30)}
    ),
]


def open_index(s: IndexSettings) -> PaperIndex:
    return PaperIndex(s, embedder=FakeEmbedder())


def test_ingest_search_filters_and_versions(backend_settings: IndexSettings) -> None:
    ix = open_index(backend_settings)
    assert ix.ingest(list(enumerate(PAPERS)), "t").added == 3
    assert ix.search("rain", k=1, mode="dense")[0].paper.id == "2403.20013"
    assert ix.search("MambaMorph", k=1, mode="bm25")[0].paper.id == "2401.13934"
    assert ix.search("mamba registration", k=1)[0].paper.id == "2401.13934"
    assert {h.paper.id for h in ix.search("nerf", k=5, filters=Filters(category="cs.CV"))} == {
        "2403.20013",
        "2404.06270",
    }
    assert {
        h.paper.id for h in ix.search("nerf", k=5, filters=Filters(topic="nerf", since=date(2024, 3, 31)))
    } == {"2403.20013"}
    assert [h.paper.id for h in ix.search("x", k=5, filters=Filters(author="guo"))] == ["2401.13934"]
    v2 = PAPERS[0].model_copy(update={"version": 2, "abstract": "Gaussian splatting rain", "topics": ()})
    assert ix.ingest([(1, v2)], "t").updated == 1
    assert ix.resolve("2403.20013v1").version == 2 and ix.store.count() == 3
    assert ix.ingest(list(enumerate(PAPERS)), "t").unchanged == 3  # an older version never downgrades
    assert ix.similar("2403.20013", k=1)[0].paper.id == "2404.06270"
    state = ix.check()
    assert state["duplicate_ids"] == 0 and state["dense"] == {"vectors": 3, "agree": True}
    ix.close()
    again = open_index(backend_settings)  # a restart sees the same thing
    assert again.search("rain gaussian", k=1, mode="dense")[0].paper.id == "2403.20013"
    again.close()


def test_digest_contract_once_and_crash_recovery(backend_settings: IndexSettings) -> None:
    ix = open_index(backend_settings)
    ix.ingest(list(enumerate(PAPERS)), "t")
    store = DigestStore(ix.store)
    store.subscribe(
        guild_id=1,
        channel_id=2**40,
        topic="NeRF",
        at="08:00",
        tz="Europe/Berlin",
        created_by=7,
        now=datetime(2024, 3, 1, tzinfo=UTC),
    )
    summ = Summarizer(ix, LLMSettings(_env_file=None))
    channels: dict[int, list] = {}

    def runner(poster: FakePoster) -> DigestRunner:
        return DigestRunner(ix, summ, store, [NERF], poster, calendar=ArxivCalendar([]), lookback_days=7)

    now = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(Crash):
        runner(FakePoster(channels, crash_after=2)).tick(now)
    poster = FakePoster(channels)
    r = runner(poster)
    assert r.recover() == 1 and r.tick(now) == 0
    ids = poster.papers(2**40)
    assert sorted(ids) == ["2403.20013", "2404.06270"]  # each once, big Discord ids intact
    store.set_feedback(2**40, "2404.06270", 5, 1)
    assert store.feedback(2**40) == {"2404.06270": 1} and store.stats(2**40)["papers_posted"] == 2
    ix.close()


def _race(mode: str, settings: IndexSettings, arg: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PAPERLENS_DATA_DIR": str(settings.data_dir),
        "PAPERLENS_BACKEND": settings.backend,
        "PAPERLENS_MULTILINGUAL": "false",
        "PAPERLENS_SAVE_INTERVAL_SECONDS": "0",
    }
    if settings.database_url is not None:
        env["PAPERLENS_DATABASE_URL"] = settings.database_url.get_secret_value()
    barrier = tmp_path / f"go-{mode}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.race_worker", mode, str(barrier), str(arg)],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    import time

    time.sleep(3)  # both processes up and waiting
    barrier.touch()
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]


def test_two_processes_ingest_the_same_papers(backend_settings: IndexSettings, tmp_path: Path) -> None:
    corpus = tmp_path / "same.jsonl"
    corpus.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"2405.{i:05d}",
                    "title": f"NeRF paper {i}",
                    "abstract": f"nerf rain {i}",
                    "topic": "NeRF",
                }
            )
            + "\n"
            for i in range(600)
        )
    )
    open_index(backend_settings).close()  # schema ready before the race
    _race("ingest", backend_settings, corpus, tmp_path)
    ix = open_index(backend_settings)  # a restart: the embedded backend reconciles its index files here
    ix.repair()
    state = ix.check()
    assert (
        state["papers"] == 600
        and state["duplicate_ids"] == 0
        and state["dense"] == {"vectors": 600, "agree": True}
    )
    ix.close()


def test_two_processes_race_to_post_one_digest(backend_settings: IndexSettings, tmp_path: Path) -> None:
    ix = open_index(backend_settings)
    ix.ingest(list(enumerate(PAPERS)), "t")
    DigestStore(ix.store).subscribe(
        guild_id=1, channel_id=9, topic="NeRF", at="08:00", tz="UTC", now=datetime(2024, 3, 1, tzinfo=UTC)
    )
    ix.close()
    channel = tmp_path / "channel.jsonl"
    _race("digest", backend_settings, channel, tmp_path)
    markers = [json.loads(x)["marker"] for x in channel.read_text().splitlines()]
    assert len(markers) == len(set(markers)) == 3  # one header and two papers, posted by one process only


def test_read_replica_serves_retrieval_reads_only(pg_server: object, tmp_path: Path) -> None:
    from pydantic import SecretStr

    from tests.helpers.factories import fresh_database

    primary, replica = fresh_database(pg_server), fresh_database(pg_server)
    PaperIndex(
        IndexSettings(
            _env_file=None,
            data_dir=tmp_path / "r",
            backend="postgres",
            database_url=SecretStr(replica),
            multilingual=False,
        ),
        embedder=FakeEmbedder(),
    ).close()
    s = IndexSettings(
        _env_file=None,
        data_dir=tmp_path / "p",
        backend="postgres",
        multilingual=False,
        database_url=SecretStr(primary),
        database_read_url=SecretStr(replica),
    )
    ix = open_index(s)
    assert ix.ingest(list(enumerate(PAPERS)), "t").added == 3  # writes: the primary
    assert ix.store.count() == 3
    assert ix.search("rain", k=3, mode="dense") == []  # retrieval: the (here empty, 'lagging') replica
    ix.close()


def test_postgres_backend_needs_a_url_and_hides_it(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from index.errors import ConfigError

    with pytest.raises(ConfigError, match="PAPERLENS_DATABASE_URL"):
        PaperIndex(IndexSettings(_env_file=None, data_dir=tmp_path, backend="postgres"))
    bad = "postgresql://user:hunter2@127.0.0.1:1/nowhere"
    with pytest.raises(ConfigError) as err:
        PaperIndex(
            IndexSettings(_env_file=None, data_dir=tmp_path, backend="postgres", database_url=SecretStr(bad))
        )
    assert "hunter2" not in str(err.value) and "Cannot connect" in str(err.value)


def test_one_row_per_paper_and_year_only_dates_on_both_backends(backend_settings: IndexSettings) -> None:
    from index.models import Links, Paper

    ix = open_index(backend_settings)
    try:
        held = Paper(
            id="2401.00001",
            title="Deep Flow Registration",
            abstract="nerf",
            authors=("Dong Wang",),
            published=date(2020, 6, 14),
        )
        ix.ingest([(1, held)], "arxiv")
        same_title = Paper(
            id="cvpr:deep-flow",
            title="deep flow  registration",
            abstract="other text",
            authors=("D. Wang",),
            abstract_zh="中文",
            published=date(2020, 1, 1),
            published_year_only=True,
        )
        same_doi = Paper(
            id="j:9",
            title="A journal version",
            abstract="z",
            links=Links(other=("https://doi.org/10.1/ABC",)),
        )
        ix.ingest([(1, same_doi)], "journal")
        again = same_doi.model_copy(update={"id": "k:3", "title": "Renamed", "comment": "TMI"})
        report = ix.ingest([(1, same_title), (2, again)], "lists")
        assert report.matched == 2 and report.added == 0 and ix.store.count() == 2
        got = ix.store.get("2401.00001")
        assert got is not None and got[1].abstract_zh == "中文" and got[1].published == date(2020, 6, 14)
        year = Paper(
            id="y:1", title="Year only", abstract="w", published=date(2019, 1, 1), published_year_only=True
        )
        ix.ingest([(1, year)], "y")
        back = ix.store.get("y:1")
        assert back is not None and back[1].published_label == "2019"
        assert "y:1" in {
            p.id
            for p in ix.store.get_by_rowids(
                sorted(ix.store.filter_rowids(Filters(since=date(2019, 7, 1), until=date(2019, 12, 31))))
            ).values()
        }
    finally:
        ix.close()


def test_a_search_breadth_past_pgvectors_limit_still_searches(backend_settings: IndexSettings) -> None:
    """PAPERLENS_HNSW_EF_SEARCH above 1000 (pgvector's bound on hnsw.ef_search) is clamped, not an error."""
    ix = open_index(backend_settings.model_copy(update={"hnsw_ef_search": 4000}))
    try:
        ix.ingest(list(enumerate(PAPERS)), "t")
        assert ix.search("rain", k=1, mode="dense")[0].paper.id == "2403.20013"
    finally:
        ix.close()
