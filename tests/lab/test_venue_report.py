"""The venue report counts what the store holds: a merged paper (one record, both links, the venue), a
preprint left apart, and the code links, on the frozen ICCV 2023 list and on a two-paper list (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

from index.config import IndexSettings
from index.paperindex import PaperIndex
from lab.venue_report import DATA, read_list, run, sample
from tests.helpers.fakes import FakeEmbedder

PDF = "https://openaccess.thecvf.com/content/ICCV2023/papers/{}_ICCV_2023_paper.pdf"


def fake(settings: IndexSettings) -> PaperIndex:
    return PaperIndex(settings, embedder=FakeEmbedder())


def _two_papers(tmp_path: Path, arxiv_title: str) -> Path:
    rows = [
        {"title": "UniverSeg: Universal Medical Image Segmentation", "github": "JJGO/UniverSeg",
         "paper_thecvf": PDF.format("Butoi_UniverSeg_Universal_Medical_Image_Segmentation"),
         "paper_arxiv_id": "2304.06131"},
        {"title": "TopoSeg: Topology-Aware Nuclear Instance Segmentation", "github": None,
         "paper_thecvf": PDF.format("He_TopoSeg_Topology-Aware_Nuclear_Instance_Segmentation"), "paper_arxiv_id": None},
    ]  # fmt: skip
    meta = {"id": "2304.06131", "title": arxiv_title, "authors": ["Victor Ion Butoi"], "found_at": "-"}
    (tmp_path / "list.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "arxiv.jsonl").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return tmp_path


def test_a_preprint_of_the_same_title_and_first_author_is_one_record_with_both_links(tmp_path: Path) -> None:
    data = _two_papers(tmp_path, "UniverSeg: Universal Medical Image Segmentation")
    got = run(data, False, read_list(data / "list.jsonl"), fake)
    assert (got["merged"], got["preprints_separate"], got["with_code"], got["records_held"]) == (1, 0, 1, 2)
    row = got["rows"][0]
    assert row["record"] == "2304.06131" and row["code"] == ["https://github.com/JJGO/UniverSeg"]
    assert got["rows"][1]["record"] == "iccv2023:he-toposeg-topology-aware-nuclear-instance-segmentation"


def test_a_retitled_preprint_stays_apart_unless_the_proceedings_record_links_it(tmp_path: Path) -> None:
    data = _two_papers(tmp_path, "UniverSeg: Learning to Segment Any Medical Image")
    entries = read_list(data / "list.jsonl")
    unlinked, linked = run(data, False, entries, fake), run(data, True, entries, fake)
    assert (unlinked["merged"], unlinked["preprints_separate"], unlinked["records_held"]) == (0, 1, 3)
    assert (linked["merged"], linked["preprints_separate"], linked["records_held"]) == (1, 0, 2)


def test_the_frozen_list_and_its_sample() -> None:
    entries = read_list(DATA / "list.jsonl")
    assert (
        len(entries) == 39
        and sum(1 for e in entries if e.arxiv) == 24
        and sum(1 for e in entries if e.code) == 31
    )
    assert not any("nerf" in e.title.lower() or "radiance field" in e.title.lower() for e in entries)
    assert sample(39, 24) == [1, 4, 5, 6, 10, 11, 12, 13, 14, 15, 21, 23, 24, 25, 26, 27, 31, 35, 38, 39]
