"""Venues and code links from every source: arXiv records, imported tables (a venue column, a comment column,
or the conference the id prefix names) and JSONL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import arxiv

from index.models import Paper
from index.sources.arxiv_source import result_to_paper
from index.sources.importers import records_for

ROOT = Path(__file__).resolve().parents[3]


def papers(path: Path, fmt: str, prefix: str | None = None) -> list[Paper]:
    return [r for _, r in records_for(path, fmt, prefix) if isinstance(r, Paper)]


def test_an_arxiv_record_takes_its_venue_and_code_links() -> None:
    r = arxiv.Result(
        entry_id="http://arxiv.org/abs/2404.06270v2", title="T", summary="We segment. Code: https://github.com/a/seg.",
        comment="Accepted to MICCAI 2024. Project page: https://lab.example.org/seg", journal_ref=None,
        published=None, links=[arxiv.Result.Link("http://arxiv.org/abs/2404.06270v2")],
    )  # fmt: skip
    p = result_to_paper(r, "seg")
    assert p.venue == "MICCAI 2024"
    assert p.code_links == ("https://github.com/a/seg",) and "https://lab.example.org/seg" in p.links.other
    journal = arxiv.Result(entry_id="http://arxiv.org/abs/2404.00001v1", title="T", summary="S.",
                           comment="Submitted to CVPR 2025", journal_ref="IEEE Trans. Med. Imaging 43 (2024)")  # fmt: skip
    assert result_to_paper(journal, None).venue == "IEEE Trans. Med. Imaging 43 (2024)"
    assert result_to_paper(arxiv.Result(entry_id="http://arxiv.org/abs/2404.00002v1", title="T", summary="S.",
                                         comment="Submitted to CVPR 2025"), None).venue is None  # fmt: skip


def test_the_seed_table_is_cvpr_2020_by_its_name_with_year_only_dates() -> None:
    got = papers(ROOT / "tests" / "data" / "cvpr2020_medical_zh.md", "table")
    assert got and {(p.venue, p.published, p.published_year_only) for p in got} == {
        ("CVPR 2020", date(2020, 1, 1), True)
    }
    intra = next(p for p in got if p.title.startswith("IntrA"))
    assert intra.has_code and intra.code_links == ("https://github.com/intra2d2019/IntrA",)
    assert {
        p.venue for p in papers(ROOT / "tests" / "data" / "cvpr2020_medical_zh.md", "table", "my-list")
    } == {None}


def test_a_table_venue_column_and_a_comment_column(tmp_path: Path) -> None:
    table = tmp_path / "list.md"
    table.write_text(
        "| 年份 | 题目 | 作者 | 摘要 | 会议 | 备注 |\n|---|---|---|---|---|---|\n"
        "| 2023-06 | A | Ann Li | Abstract A. | MICCAI2023 | oral |\n"
        "| 2024 | B | Bo Wu | Abstract B. | IEEE TMI | code at https://gitlab.com/bo/b |\n"
        "| 2024 | C | Cy Xu | Abstract C. | Submitted to CVPR 2025 | |\n"
        "| 2024 | D | Di Yu | Abstract D. |  | Accepted by ECCV 2024 |\n",
        encoding="utf-8",
    )
    got = {p.title: p for p in papers(table, "table", "cvpr2020")}
    assert {t: p.venue for t, p in got.items()} == {
        "A": "MICCAI 2023",
        "B": "IEEE TMI",
        "C": None,
        "D": "ECCV 2024",
    }
    assert got["C"].comment == "Submitted to CVPR 2025"
    assert (
        got["A"].comment == "oral"
        and got["B"].has_code
        and got["B"].code_links == ("https://gitlab.com/bo/b",)
    )
    assert (got["A"].published_label, got["A"].published_month_only) == ("2023-06", True)
    assert got["A"].model_dump(mode="json")["published"] == "2023-06"


def test_a_jsonl_venue_key_and_the_sample_corpus(tmp_path: Path) -> None:
    f = tmp_path / "list.jsonl"
    rows = [
        {"id": "mine:1", "title": "One", "abstract": "A.", "venue": "MIDL 2024", "published": "2024"},
        {"id": "miccai2023:two", "title": "Two", "abstract": "B."},
        {"id": "mine:3", "title": "Three", "abstract": "C."},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert [(p.venue, p.published_label) for p in papers(f, "jsonl")] == [
        ("MIDL 2024", "2024"),
        ("MICCAI 2023", "n.d."),
        (None, "n.d."),
    ]
    sample = {p.id: p for p in papers(ROOT / "index" / "data" / "sample_papers.jsonl", "jsonl")}
    named = [p for p in sample.values() if p.comment and "(CVPR), 2024" in p.comment]
    assert named and {p.venue for p in named} == {"CVPR 2024"}
    assert next(p for p in sample.values() if p.comment == "under review").venue is None
