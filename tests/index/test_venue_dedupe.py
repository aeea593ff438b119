"""One record per paper when a proceedings list and arXiv print the same title differently (issue 24).

The pairs are real: ICCV 2023 papers as DmitryRyumin/ICCV-2023-Papers lists them (straight quotes, the micro
sign) and as arXiv titles them (curly quotes, the Greek mu); see lab/data/venues/iccv2023-medical/.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from index.dedupe import title_keys
from index.paperindex import PaperIndex
from index.sources.importers import jsonl_records

PAIRS = [
    (
        "BlindHarmony: \u201cBlind\u201d Harmonization for MR Images via Flow model",
        'BlindHarmony: "Blind" Harmonization for MR Images via Flow Model',
    ),
    (
        "\u03bcSplit: image decomposition for fluorescence microscopy",
        "\u00b5Split: Image Decomposition for Fluorescence Microscopy",
    ),
]


def _jsonl(path: Path, obj: Mapping[str, object]) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("arxiv_title", "listed_title"), PAIRS)
@pytest.mark.parametrize("arxiv_first", [True, False])
def test_a_title_printed_with_other_quotes_or_mu_is_the_same_paper(
    fake_index: PaperIndex, tmp_path: Path, arxiv_title: str, listed_title: str, arxiv_first: bool
) -> None:
    preprint = {"id": "2305.10732", "title": arxiv_title, "authors": ["Hwihun Jeong"], "abstract": "a"}
    listed = {
        "id": "iccv2023:jeong-blindharmony",
        "title": listed_title,
        "authors": ["Jeong"],
        "abstract": "b",
        "venue": "ICCV 2023",
        "url": "https://openaccess.thecvf.com/content/ICCV2023/html/Jeong_paper.html",
    }
    first, second = (preprint, listed) if arxiv_first else (listed, preprint)
    fake_index.ingest(jsonl_records(_jsonl(tmp_path / "1.jsonl", first)), "first")
    report = fake_index.ingest(jsonl_records(_jsonl(tmp_path / "2.jsonl", second)), "second")
    assert report.matched == 1 and report.added == 0
    assert fake_index.store.count() == 1
    held = fake_index.store.get(str(first["id"]))
    assert held is not None and held[1].venue == "ICCV 2023"


def test_a_twin_title_by_another_first_author_stays_apart(fake_index: PaperIndex, tmp_path: Path) -> None:
    arxiv_title, listed_title = PAIRS[0]
    fake_index.ingest(
        jsonl_records(
            _jsonl(
                tmp_path / "1.jsonl",
                {"id": "2305.10732", "title": arxiv_title, "authors": ["Hwihun Jeong"], "abstract": "a"},
            )
        ),
        "arxiv",
    )
    report = fake_index.ingest(
        jsonl_records(
            _jsonl(
                tmp_path / "2.jsonl",
                {"id": "x:1", "title": listed_title, "authors": ["Li Ma"], "abstract": "b"},
            )
        ),
        "list",
    )
    assert report.matched == 0 and fake_index.store.count() == 2


def test_title_keys_hold_the_key_itself_first() -> None:
    keys = title_keys("Scratch Each Other's Back")
    assert keys[0] == "scratch each other's back"
    assert "scratch each other\u2019s back" in keys
