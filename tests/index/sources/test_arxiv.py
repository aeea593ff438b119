from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index.config import IndexSettings
from index.errors import SourceError
from index.models import BadLine, Paper
from index.paperindex import PaperIndex
from index.sources.arxiv_source import ArxivSource
from index.topics import Topic, load_topics
from tests.helpers.arxiv_server import ArxivServer, entry, feed
from tests.helpers.fakes import FakeEmbedder

TOPIC = Topic(name="NeRF", categories=("cs.CV",), keywords=("NeRF", "neural radiance field"))


def source(server: ArxivServer, **kw: object) -> ArxivSource:
    args: dict[str, object] = dict(
        url_format=server.url,
        page_size=2,
        delay_seconds=0,
        max_results=100,
        retries=3,
        backoff_seconds=0,
        timeout=1.0,
    )
    args.update(kw)
    return ArxivSource(TOPIC, **args)  # type: ignore[arg-type]


def entries(n: int, day0: int = 20) -> list[str]:
    return [
        entry(f"2404.{i:05d}", title=f"NeRF paper {i}", published=f"2024-04-{day0 - i:02d}T10:00:00Z")
        for i in range(n)
    ]


def test_paging_and_query(settings: IndexSettings) -> None:
    with ArxivServer(entries(5)) as srv:
        got = list(source(srv).records())
    assert [r.id for _, r in got if isinstance(r, Paper)] == [f"2404.{i:05d}" for i in range(5)]
    assert [q["start"] for q in srv.requests] == ["0", "2", "4"]
    q = srv.requests[0]
    assert q["sortBy"] == "submittedDate" and "cat:cs.CV" in q["search_query"]
    assert 'all:"neural radiance field"' in q["search_query"]
    p = got[0][1]
    assert isinstance(p, Paper)
    assert p.links.abs == "https://arxiv.org/abs/2404.00000" and p.topics == ("NeRF",) and p.source == "arxiv"


def test_503_then_success_is_retried() -> None:
    with ArxivServer(entries(1), script=lambda n, q: (503, b"busy") if n <= 2 else None) as srv:
        got = list(source(srv).records())
    assert len(got) == 1 and len(srv.requests) == 3


def test_timeout_is_retried() -> None:
    with ArxivServer(entries(1), script=lambda n, q: (200, b"", 2.0) if n == 1 else None) as srv:
        got = list(source(srv, timeout=0.3).records())
    assert [r.id for _, r in got] == ["2404.00000"]


def test_persistent_failure_is_a_clear_error() -> None:
    with (
        ArxivServer(entries(2), script=lambda n, q: (503, b"down")) as srv,
        pytest.raises(SourceError, match="arXiv did not answer for topic 'NeRF'"),
    ):
        list(source(srv, retries=2).records())
    assert len(srv.requests) == 3


def test_an_unresolvable_host_fails_at_once_with_one_clear_line() -> None:
    """Offline: a DNS failure is not retried (each retry would fail the same way after a longer wait)."""
    import time

    from index.sources.arxiv_source import ArxivSource

    src = ArxivSource(
        TOPIC,
        url_format="http://export.arxiv.invalid/api/query?{}",  # .invalid never resolves (RFC 2606)
        page_size=2,
        delay_seconds=0,
        max_results=10,
        retries=4,
        backoff_seconds=2.0,  # retried, this would wait 2 + 4 + 8 + 16 s
        timeout=5.0,
    )
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"cannot be reached from this machine \(export.arxiv.invalid"):
        list(src.records())
    assert time.monotonic() - started < 1.9  # below the first retry's wait: no retry happened


def test_client_error_is_not_retried() -> None:
    with ArxivServer(entries(2), script=lambda n, q: (400, b"bad query")) as srv, pytest.raises(SourceError):
        list(source(srv).records())
    assert len(srv.requests) == 1


def test_malformed_entry_is_skipped_and_counted() -> None:
    items = [entries(1)[0], entry("2404.99999", summary=""), entry("2404.88888", title="Fine")]
    with ArxivServer(items) as srv:
        got = list(source(srv, page_size=10).records())
    bad = [r for _, r in got if isinstance(r, BadLine)]
    assert [r.id for _, r in got if isinstance(r, Paper)] == ["2404.00000", "2404.88888"]
    assert len(bad) == 1 and "2404.99999" in bad[0].reason


def test_empty_first_page_is_no_papers() -> None:
    with ArxivServer([]) as srv:
        assert list(source(srv).records()) == []


def test_truncated_xml_page_is_retried() -> None:
    page2 = feed(entries(4)[2:4], 4, 2)
    with ArxivServer(
        entries(4), script=lambda n, q: (200, page2[: len(page2) // 3]) if n == 2 else None
    ) as srv:
        got = list(source(srv).records())
    assert len([r for _, r in got if isinstance(r, Paper)]) == 4


def test_since_stops_paging_at_older_papers() -> None:
    with ArxivServer(entries(6)) as srv:
        got = list(source(srv, since=date(2024, 4, 19)).records())
    assert [r.id for _, r in got] == ["2404.00000", "2404.00001"]
    assert [q["start"] for q in srv.requests] == ["0", "2"]  # page 2 holds older papers: no page 3


def test_ingest_is_incremental_and_versions_update(settings: IndexSettings) -> None:
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    with ArxivServer(entries(3)) as srv:
        src = source(srv)
        r1 = ix.ingest(src.records(), src.name)
        ix.store.set_topic_state("NeRF", src.newest, r1.seen)
    assert r1.added == 3 and ix.store.topic_state("NeRF") == date(2024, 4, 20)
    newer = [entry("2404.00000", version=2, title="NeRF paper 0, revised", published="2024-04-20T10:00:00Z")]
    with ArxivServer(newer + entries(3)[1:]) as srv:
        src = source(srv, since=ix.store.topic_state("NeRF"))
        r2 = ix.ingest(src.records(), src.name)
    assert (r2.added, r2.updated) == (0, 1)
    assert ix.store.count() == 3 and ix.resolve("2404.00000").version == 2
    ix.close()


def test_default_topics_file_has_the_sample_topics() -> None:
    names = [t.name for t in load_topics()]
    assert names == ["NeRF", "3D reconstruction", "medical image registration"]


def test_bad_topics_file(tmp_path: Path) -> None:
    from index.errors import ConfigError

    f = tmp_path / "t.toml"
    f.write_text('[[topic]]\nname = "x"\n')
    with pytest.raises(ConfigError, match="needs a query"):
        load_topics(f)
    f.write_text("[[topic]\n")
    with pytest.raises(ConfigError, match="not valid"):
        load_topics(f)
    y = tmp_path / "t.yaml"
    y.write_text("topics:\n  - name: Seg\n    query: 'all:segmentation'\n")
    assert load_topics(y)[0].arxiv_query() == "all:segmentation"
