from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.errors import ImportFormatError
from index.ids import parse_arxiv_id
from index.models import BadLine, Paper
from index.sources.importers import records_for, split_row
from tests.helpers.factories import SAMPLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.13934", ("2401.13934", None)),
        ("2401.13934v2", ("2401.13934", 2)),
        ("arXiv:2401.13934v1", ("2401.13934", 1)),
        ("https://arxiv.org/abs/2401.13934v3", ("2401.13934", 3)),
        ("http://arxiv.org/pdf/2401.13934.pdf", ("2401.13934", None)),
        ("https://arxiv.org/pdf/2401.13934v2", ("2401.13934", 2)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("MambaMorph", None),
        ("cvpr2020:explorable-super-resolution", None),
    ],
)
def test_parse_arxiv_id(text: str, expected: tuple[str, int | None] | None) -> None:
    assert parse_arxiv_id(text) == expected


def test_sample_corpus_imports_whole_with_ids_kept() -> None:
    recs = [r for _, r in records_for(SAMPLE, "jsonl")]
    assert len(recs) == 40 and all(isinstance(r, Paper) for r in recs)
    src = [json.loads(line)["id"] for line in SAMPLE.open()]
    assert [r.id for r in recs] == src
    mamba = next(r for r in recs if r.id == "2401.13934")
    assert mamba.links.abs == "https://arxiv.org/abs/2401.13934"
    cvpr = next(r for r in recs if r.id.startswith("cvpr2020:explorable"))
    assert cvpr.comment == "CVPR 2020" and cvpr.links.pdf and cvpr.links.pdf.endswith(".pdf")


def test_jsonl_bad_lines_are_counted_with_line_numbers(tmp_path: Path) -> None:
    f = tmp_path / "p.jsonl"
    f.write_text(
        '{"id": "2401.00001", "title": "Good", "abstract": "A"}\n'
        "{not json\n"
        '{"id": "x", "title": "", "abstract": "no title"}\n'
        "\n"
        '["a list"]\n'
        '{"id": "2401.00002v3", "title": "Also good", "abstract": "B", "published": "2024-01-02"}\n',
        encoding="utf-8",
    )
    recs = list(records_for(f, "jsonl"))
    bad = [r for _, r in recs if isinstance(r, BadLine)]
    good = [r for _, r in recs if isinstance(r, Paper)]
    assert [b.line for b in bad] == [2, 3, 5]
    assert "invalid JSON" in bad[0].reason and "title" in bad[1].reason
    assert [(p.id, p.version) for p in good] == [("2401.00001", 1), ("2401.00002", 3)]


def test_markdown_table_keeps_chinese_abstract_and_escaped_pipes(tmp_path: Path) -> None:
    f = tmp_path / "CVPR 2020.md"
    f.write_text(
        "# CVPR 2020 medical imaging\n\n"
        "| year | title | authors | abstract | Chinese abstract | link |\n"
        "|---|---|---|---|---|---|\n"
        "| 2020 | A \\| B: pipes | Ann Lee, Bo Chen | We segment CT. | 我们分割CT。 | [pdf](https://x.org/a.pdf) |\n"
        "| 2020 | Too | few | cells |\n"
        "| 2021 | On arXiv | C D | Abstract. |  | https://arxiv.org/abs/2101.00001v2 |\n",
        encoding="utf-8",
    )
    recs = list(records_for(f, "table", "cvpr2020"))
    good = [r for _, r in recs if isinstance(r, Paper)]
    bad = [r for _, r in recs if isinstance(r, BadLine)]
    assert [b.line for b in bad] == [6]
    assert good[0].title == "A | B: pipes" and good[0].abstract_zh == "我们分割CT。"
    assert good[0].id == "cvpr2020:a-b-pipes" and good[0].authors == ("Ann Lee", "Bo Chen")
    assert good[0].links.pdf == "https://x.org/a.pdf" and good[0].published and good[0].published.year == 2020
    assert good[1].id == "2101.00001" and good[1].abstract_zh is None


def test_table_without_required_columns_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "t.md"
    f.write_text("| a | b |\n|---|---|\n| 1 | 2 |\n")
    with pytest.raises(ImportFormatError, match="title"):
        list(records_for(f, "table"))


def test_split_row() -> None:
    assert split_row("| a | b \\| c | d |") == ["a", "b | c", "d"]


def test_arxiv_snapshot_lines(tmp_path: Path) -> None:
    good = {
        "id": "0704.0001",
        "title": "Calculation of  prompt\n diphoton",
        "authors": "C. Balázs, E. L. Berger and C.-P. Yuan",
        "abstract": "  A fully differential calculation. ",
        "categories": "hep-ph astro-ph",
        "versions": [
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
        ],
        "update_date": "2008-11-13",
        "comments": "37 pages",
    }
    f = tmp_path / "snap.json"
    f.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "nope"}) + "\n" + "{}\n")
    recs = list(records_for(f, "arxiv-snapshot"))
    p = recs[0][1]
    assert isinstance(p, Paper)
    assert (p.id, p.version, p.title) == ("0704.0001", 2, "Calculation of prompt diphoton")
    assert p.authors == ("C. Balázs", "E. L. Berger", "C.-P. Yuan")
    assert p.primary_category == "hep-ph" and p.published and p.published.isoformat() == "2007-04-02"
    assert [type(r).__name__ for _, r in recs[1:]] == ["BadLine", "BadLine"]


def test_unknown_file_and_format_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="No such file"):
        records_for(tmp_path / "missing.jsonl", "jsonl")
    f = tmp_path / "x.jsonl"
    f.write_text("")
    with pytest.raises(ImportFormatError, match="Unknown import format"):
        records_for(f, "csv")
