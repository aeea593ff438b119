"""`paperlens import-venue`: a conference's papers through the real parser and command against loopback sites,
each paper held once (a proceedings record and its arXiv preprint become one record, by arXiv id, DOI, or
title and first author, also for non-ASCII titles), filed under the topic and so in its digest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cli.parser import build_parser
from cli.venues import cmd_import_venue
from index.config import IndexSettings
from index.digests.build import candidates, held_topic
from index.errors import SourceError
from index.models import Links, Paper
from index.paperindex import PaperIndex
from tests.helpers.fakes import FakeEmbedder
from tests.helpers.venue_servers import CvfPaper, MiccaiPaper, VenueServer, cvf_site, miccai_site

CVF = [
    CvfPaper("Smith_Gaussian_Splatting", "Gaussian Splatting for Rain", ("John Smith",), "We remove rain.",
             arxiv="2312.01234"),
    CvfPaper("Muller_Uber", "Über-Registrierung: NeRF für Ärzte", ("Jürgen Müller",), "Registrierung."),
    CvfPaper("Li_Mamba_Segmentation", "Mamba Segmentation", ("Wei Li",),
             "A mamba for segmentation. Code: https://github.com/li/mamba-seg"),
]  # fmt: skip
MICCAI = [MiccaiPaper("0056", "Medical mamba, the proceedings title", ("Chen, Xiang",), "A medical mamba.")]


def preprint(pid: str, title: str, author: str, version: int = 1, other: tuple[str, ...] = ()) -> Paper:
    return Paper(id=pid, version=version, title=title, authors=(author,), abstract=f"{title}: the preprint.",
                 source="arxiv", published=date(2023, 12, 2), links=Links(abs=f"https://arxiv.org/abs/{pid}", other=other))  # fmt: skip


@pytest.fixture
def ix(tmp_path: Path) -> Iterator[PaperIndex]:
    settings = IndexSettings(
        _env_file=None, data_dir=tmp_path, multilingual=False, venue_delay_seconds=0, venue_backoff_seconds=0,
        venue_retries=1, venue_timeout_seconds=5,
    )  # fmt: skip
    index = PaperIndex(settings, embedder=FakeEmbedder())
    yield index
    index.close()


def import_venue(ix: PaperIndex, *args: str) -> int:
    return cmd_import_venue(ix, build_parser().parse_args(["import-venue", *args]))


def test_proceedings_merge_into_held_preprints_by_arxiv_id_and_title(
    ix: PaperIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    ix.ingest(
        [(0, preprint("2312.01234", "Gaussian Splatting for Rain (preprint)", "John Smith")),
         (1, preprint("2401.00002", "Über-Registrierung: NeRF für Ärzte", "J. Müller"))],
        "arxiv",
    )  # fmt: skip
    with VenueServer(cvf_site("CVPR", 2024, CVF)) as srv:
        assert import_venue(ix, "cvpr", "2024", "--topic", "rain", "--base-url", srv.url) == 0
        assert import_venue(ix, "CVPR", "2024", "--topic", "rain", "--base-url", srv.url) == 0
    out = capsys.readouterr().out
    assert "1 added" in out and "1 matched papers already held" in out
    assert ix.store.count() == 3  # two preprints and the one paper without one: no second record of either
    by_id = ix.resolve("2312.01234")
    by_title = ix.resolve("2401.00002")
    assert (by_id.venue, by_id.abstract, by_id.topics) == (
        "CVPR 2024",
        "Gaussian Splatting for Rain (preprint): the preprint.",
        ("rain",),
    )
    assert by_title.venue == "CVPR 2024" and "rain" in by_title.topics
    assert any("content/CVPR2024/papers/Muller_Uber" in u for u in by_title.links.other)
    only = ix.resolve("Mamba Segmentation")
    assert only.venue == "CVPR 2024" and only.has_code and only.source == "cvf"
    # filed under the topic today, so today's digest of it lists all three, labelled with where they came from
    rows = candidates(ix, held_topic(ix, [], "rain"), date.today(), 1)
    assert {p.id for _, p in rows} == {"2312.01234", "2401.00002", only.id}


def test_a_new_arxiv_version_keeps_the_venue_a_proceedings_page_gave(ix: PaperIndex) -> None:
    ix.ingest([(0, preprint("2312.01234", "Gaussian Splatting for Rain", "John Smith"))], "arxiv")
    with VenueServer(cvf_site("CVPR", 2024, CVF[:1])) as srv:
        assert import_venue(ix, "cvpr", "2024", "--base-url", srv.url) == 0
    v2 = preprint("2312.01234", "Gaussian Splatting for Rain", "John Smith", version=2)
    assert ix.ingest([(0, v2)], "arxiv").updated == 1
    p = ix.resolve("2312.01234")
    assert (p.version, p.venue) == (2, "CVPR 2024")
    assert any("content/CVPR2024/papers" in u for u in p.links.other)


def test_a_proceedings_record_with_the_preprints_doi_is_merged(ix: PaperIndex) -> None:
    doi = "https://doi.org/10.1007/978-3-031-72384-1_1"
    held = preprint("2405.00001", "MedMamba: a preprint title", "Xiang Chen", other=(doi,))
    ix.ingest([(0, held)], "arxiv")
    with VenueServer(miccai_site(2024, MICCAI)) as srv:
        assert import_venue(ix, "miccai", "2024", "--base-url", srv.url) == 0
    assert ix.store.count() == 1
    p = ix.resolve("2405.00001")
    assert (p.title, p.venue) == ("MedMamba: a preprint title", "MICCAI 2024")


def test_bad_arguments_and_an_unknown_venue_say_what_to_do(
    ix: PaperIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["import-venue", "iclr", "24"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["import-venue", "iclr", "2024", "--include", "maybe"])
    assert "not a year" in capsys.readouterr().err
    args = build_parser().parse_args(["import-venue", "iclr", "2024", "--include", "withdrawn,rejected"])
    assert args.include == ("accepted", "withdrawn", "rejected")
    with pytest.raises(SourceError, match="Unknown venue 'siggraph'"):
        import_venue(ix, "siggraph", "2024")
