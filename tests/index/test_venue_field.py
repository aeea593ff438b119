"""A paper's venue and code links: stored in both backends, filtered on, and read from stores written before."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.config import IndexSettings
from index.models import Filters, Links, Paper
from index.paperindex import PaperIndex
from index.storage.rows import Row
from index.storage.sqlite import SqliteStore
from tests.helpers.factories import paper
from tests.helpers.fakes import FakeEmbedder

PAPERS = [
    paper(
        "2403.20013", "DerainNeRF", "NeRF rain removal", venue="CVPR 2024",
        links=Links(abs="https://arxiv.org/abs/2403.20013", other=("https://github.com/x/derain",)),
    ),
    paper("miccai2023:seg", "Boundary segmentation", "Boundary aware segmentation", venue="MICCAI 2023"),
    paper(
        "2404.06270", "Deformable Gaussian", "Gaussian splatting dynamic",
        links=Links(other=("https://lu.github.io/dgs",)), comment="Submitted to ECCV 2024",
    ),
    paper("2401.00001", "Rain 50%_done", "Rain percent", venue="NeurIPS_2023 (50%)"),
]  # fmt: skip


def test_venue_and_code_links_on_the_model() -> None:
    assert PAPERS[0].has_code and PAPERS[0].code_links == ("https://github.com/x/derain",)
    assert PAPERS[2].has_code and not PAPERS[1].has_code
    bare = Paper(
        id="x",
        title="T",
        abstract="A",
        links=Links(abs="https://github.com", other=("https://doi.org/10.1/x",)),
    )
    assert not bare.has_code  # github.com itself names no project; a DOI is no code
    assert Paper(id="x", title="T", abstract="A", venue="  ").venue is None


def test_the_venue_is_stored_filtered_and_unchanged_on_a_second_write(
    backend_settings: IndexSettings,
) -> None:
    ix = PaperIndex(backend_settings, embedder=FakeEmbedder())
    try:
        assert ix.ingest(list(enumerate(PAPERS)), "t").added == 4
        assert ix.ingest(list(enumerate(PAPERS)), "t").unchanged == 4
        assert ix.resolve("2403.20013").venue == "CVPR 2024"
        assert ix.resolve("2404.06270").venue is None

        def ids(f: Filters) -> set[str]:
            return {h.paper.id for h in ix.search("rain segmentation gaussian", k=10, mode="bm25", filters=f)}

        assert ids(Filters(venue="cvpr")) == {"2403.20013"}
        assert ids(Filters(venue="MICCAI 2023")) == {"miccai2023:seg"}
        assert ids(Filters(venue="eccv")) == set()  # only submitted: no venue
        assert ids(Filters(venue="_2023 (50%")) == {"2401.00001"}  # % and _ are literal
        assert ids(Filters(has_code=True)) == {"2403.20013", "2404.06270"}
        assert ids(Filters(has_code=True, venue="cvpr")) == {"2403.20013"}
        moved = PAPERS[1].model_copy(update={"venue": "MICCAI 2024"})
        assert (
            ix.ingest([(0, moved)], "t").updated == 1 and ix.resolve("miccai2023:seg").venue == "MICCAI 2024"
        )
    finally:
        ix.close()


OLD_SCHEMA = """
CREATE TABLE papers (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, title TEXT NOT NULL,
    authors TEXT NOT NULL, abstract TEXT NOT NULL, categories TEXT NOT NULL, primary_category TEXT,
    published TEXT, updated TEXT, comment TEXT, links TEXT NOT NULL, abstract_zh TEXT, source TEXT NOT NULL,
    text_hash TEXT NOT NULL, vector BLOB, mvector BLOB
);
CREATE TABLE paper_topics (paper_rowid INTEGER NOT NULL, topic TEXT NOT NULL, PRIMARY KEY (paper_rowid, topic));
INSERT INTO paper_topics VALUES (1, 'NeRF');
"""


def _old_store(path: Path) -> None:
    """A papers.db as the version before the venue column wrote it, the venue kept in the comment."""
    path.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path / "papers.db")
    db.executescript(OLD_SCHEMA)
    for i, comment in enumerate(("Venue: MICCAI 2023 | 8 pages", "Venue: CVPR 2020", "12 pages")):
        db.execute(
            "INSERT INTO papers(id, version, title, authors, abstract, categories, published, comment, links, "
            "source, text_hash) VALUES (?, 1, ?, '[]', 'A', '[]', '2020', ?, '{}', 'import', 'h')",
            (f"p{i}", f"T{i}", comment),
        )
    db.commit()
    db.close()


def test_a_store_written_before_the_venue_column_opens_with_its_venues_moved(tmp_path: Path) -> None:
    _old_store(tmp_path)
    store = SqliteStore(tmp_path)
    try:
        got = {pid: store.get(pid) for pid in ("p0", "p1", "p2")}
        papers = {pid: r[1] for pid, r in got.items() if r}
        assert [(p.venue, p.comment) for p in papers.values()] == [
            ("MICCAI 2023", "8 pages"), ("CVPR 2020", None), (None, "12 pages"),
        ]  # fmt: skip
        assert papers["p0"].published_label == "2020"
        assert len(store.filter_rowids(Filters(venue="miccai"))) == 1
        always = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2999, 1, 1, tzinfo=UTC))
        assert store.added_to_topic("NeRF", *always) == []  # filed before the time was kept: never "new"
        store.upsert([Row(papers["p1"].model_copy(update={"topics": ("NeRF",)}), None, None)])
        rowids = {pid: r[0] for pid, r in got.items() if r}
        assert (
            store.added_to_topic("nerf", *always) == [rowids["p1"]] and store.last_added("NeRF") is not None
        )
    finally:
        store.close()
    SqliteStore(tmp_path).close()  # a second open finds the column and changes nothing


def test_a_postgres_store_written_before_the_venue_column_gets_it(tmp_path: Path, pg_server: object) -> None:
    import psycopg

    from index.storage.postgres import PgStore
    from tests.helpers.factories import fresh_database

    url = fresh_database(pg_server)
    PgStore(url, tmp_path).close()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("ALTER TABLE papers DROP COLUMN venue")
        c.execute(
            "INSERT INTO papers(id, version, title, authors, abstract, categories, comment, links, source, text_hash) "
            "VALUES ('p0', 1, 'T', '[]', 'A', '[]', 'Venue: ICLR 2024 (oral) | 9 pages', '{}', 'import', 'h')"
        )
    store = PgStore(url, tmp_path)
    try:
        row = store.get("p0")
        assert row is not None and (row[1].venue, row[1].comment) == ("ICLR 2024 (oral)", "9 pages")
        assert len(store.filter_rowids(Filters(venue="iclr"))) == 1
    finally:
        store.close()


@pytest.mark.parametrize("venue", ["CVPR 2024", "中国图象图形学报 2024"])
def test_the_venue_survives_the_row_round_trip(tmp_path: Path, venue: str) -> None:
    p = PAPERS[0].model_copy(update={"venue": venue})
    store = SqliteStore(tmp_path)
    try:
        store.upsert([Row(p, None, None)])
        got = store.get(p.id)
        assert got is not None and got[1] == p
    finally:
        store.close()


CODE_OR_NOT = [
    ("https://github.com/a/b", True),
    ("https://www.gitlab.com/g/p", True),
    ("https://huggingface.co/org/model", True),
    ("https://codeberg.org/u/r", True),
    ("https://anonymous.4open.science/r/CAA-Seg-2025", True),  # anonymised code of papers under review
    ("https://lab.github.io/", True),
    ("https://doi.org/10.1/x", False),
    ("https://mysite.org/code", False),
]


def test_has_code_and_the_stores_filter_agree_on_every_kind_of_link(backend_settings: IndexSettings) -> None:
    """Paper.has_code (cards, badges, exports) and Filters(has_code) (the stores' SQL) read one host list:
    a link one of them counts as code the other does too."""
    papers = [
        paper(f"2405.{i:05d}", f"Paper {i}", "shared words", links=Links(other=(url,)))
        for i, (url, _) in enumerate(CODE_OR_NOT)
    ]
    assert [p.has_code for p in papers] == [code for _, code in CODE_OR_NOT]
    ix = PaperIndex(backend_settings, embedder=FakeEmbedder())
    try:
        ix.ingest(list(enumerate(papers)), "t")
        hits = ix.search("shared words", k=20, mode="bm25", filters=Filters(has_code=True))
        assert {h.paper.id for h in hits} == {p.id for p in papers if p.has_code}
    finally:
        ix.close()
