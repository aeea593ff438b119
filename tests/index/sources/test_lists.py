"""A group's own paper lists: the CVPR-style table with Chinese headers imports unchanged, year-only dates
stay years, overlapping lists leave one row per paper, and imported lists can be filed under a topic."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from index.dedupe import same_paper, surname, title_key
from index.errors import ImportFormatError
from index.models import Filters
from index.paperindex import PaperIndex
from index.sample import sample_corpus
from index.sources.importers import header_name, records_for

TABLE = Path(__file__).resolve().parents[2] / "data" / "cvpr2020_medical_zh.md"


def test_the_chinese_header_table_imports_as_it_is(fake_index: PaperIndex) -> None:
    assert (
        TABLE.read_text(encoding="utf-8")
        .splitlines()[2]
        .startswith("| 年份 | 题目 | 作者 | 摘要 | 中文摘要 | link |")
    )
    report = fake_index.ingest(records_for(TABLE, "table"), "table")
    assert (report.seen, report.added, report.bad_count) == (23, 23, 0)
    hits = fake_index.store.get_by_rowids(sorted(fake_index.store.filter_rowids(Filters())))
    focal = next(p for p in hits.values() if p.title.startswith("FocalMix"))
    assert focal.abstract_zh and "17.3%" in focal.abstract_zh
    assert focal.url and focal.url.startswith("https://openaccess.thecvf.com/") and "](" not in focal.url
    assert focal.published_year_only and focal.published_label == "2020"


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("年份", "year"),
        ("**题目**", "title"),
        ("Abstract (Chinese)", "abstract_zh"),
        ("摘要（中文）", "abstract_zh"),
        ("中文摘要：", "abstract_zh"),
        ("Link", "link"),
        ("链接", "link"),
        ("主题", "topic"),
        ("DOI", "doi"),
        ("whatever", "whatever"),
    ],
)
def test_header_names_in_english_or_chinese(cell: str, column: str) -> None:
    assert header_name(cell) == column


def test_a_table_without_title_or_abstract_says_which_names_work(tmp_path: Path) -> None:
    bad = tmp_path / "t.md"
    bad.write_text("| 年份 | 名字 |\n|---|---|\n| 2020 | x |\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="题目"):
        list(records_for(bad, "table"))


def test_year_only_dates_are_years_in_filters_and_never_new_on_a_day(
    fake_index: PaperIndex, tmp_path: Path
) -> None:
    src = tmp_path / "p.jsonl"
    rows = [
        {"id": "y:2020", "title": "A year-only paper", "abstract": "a", "published": "2020"},
        {"id": "d:2020", "title": "A dated paper", "abstract": "b", "published": "2020-03-02"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    fake_index.ingest(records_for(src, "jsonl"), "p")
    p = fake_index.store.get("y:2020")
    assert p is not None and p[1].published_year_only and p[1].published_label == "2020"

    def ids(**kw: date) -> set[str]:
        papers = fake_index.store.get_by_rowids(sorted(fake_index.store.filter_rowids(Filters(**kw))))
        return {x.id for x in papers.values()}

    assert ids(since=date(2020, 6, 1)) == {"y:2020"}  # the year may hold June
    assert ids(since=date(2020, 1, 1), until=date(2020, 12, 31)) == {"y:2020", "d:2020"}
    assert ids(until=date(2019, 12, 31)) == set()
    assert ids(since=date(2021, 1, 1)) == set()


def test_overlapping_lists_twice_leave_one_row_per_paper(fake_index: PaperIndex) -> None:
    fake_index.ingest(records_for(sample_corpus(), "jsonl"), "sample")
    for _ in range(2):
        report = fake_index.ingest(records_for(TABLE, "table"), "table")
        assert report.added == 0 and report.matched == 23
    assert fake_index.store.count() == 40
    assert max(fake_index.store.id_counts().values()) == 1
    got = fake_index.store.get("cvpr2020:focalmix-semi-supervised-learning-for-3d-medical-image-detec")
    assert got is not None
    focal = got[1]
    assert focal.abstract_zh and focal.published == date(2020, 6, 14) and not focal.published_year_only
    hits = fake_index.search("FocalMix semi-supervised lung nodule detection", k=5)
    assert len({h.paper.title for h in hits}) == len(hits)


def test_import_topic_files_every_paper_under_it(fake_index: PaperIndex) -> None:
    fake_index.ingest(records_for(TABLE, "table", topics=("medical imaging",)), "table")
    assert len(fake_index.store.filter_rowids(Filters(topic="medical imaging"))) == 23


def test_same_paper_rules() -> None:
    assert surname("Dong Wang") == surname("Wang, Dong") == "wang"
    assert title_key("FocalMix:  Semi-Supervised") == "focalmix: semi-supervised"
    assert same_paper("t", ("Dong Wang",), ("D. Wang",))
    assert not same_paper("t", ("Dong Wang",), ("Li Ma",))
    assert not same_paper("Introduction", (), ("Li Ma",))  # a short title alone is not enough


def test_the_same_doi_is_the_same_paper_even_when_titles_differ(
    fake_index: PaperIndex, tmp_path: Path
) -> None:
    first = tmp_path / "a.jsonl"
    first.write_text(
        json.dumps(
            {
                "id": "a:1",
                "title": "Deep Flow Registration",
                "abstract": "x",
                "doi": "10.1109/CVPR.2020.00123",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    second = tmp_path / "b.jsonl"
    second.write_text(
        json.dumps(
            {
                "id": "b:7",
                "title": "Deep flow registration (extended)",
                "abstract": "y",
                "doi": "https://doi.org/10.1109/cvpr.2020.00123",
                "abstract_zh": "中文",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    fake_index.ingest(records_for(first, "jsonl"), "a")
    report = fake_index.ingest(records_for(second, "jsonl"), "b")
    assert report.matched == 1 and report.added == 0 and fake_index.store.count() == 1
    got = fake_index.store.get("a:1")
    assert got is not None and got[1].abstract_zh == "中文"
