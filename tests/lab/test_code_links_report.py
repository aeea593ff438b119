"""The code-link report reads abstracts through the importer and counts what a reader would check: papers
with code, addresses written but not found as code, and code links the abstract does not write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.code_links_report import PAPERS, main, report, rows

ABSTRACTS = {
    "a": "We segment polyps. The code is available at https://github.com/lab/polyp-seg.",
    "b": "We register scans. The code is available at https://anonymous.4open.science/r/Reg-2025.",
    "c": r"We grade retinas. Implementation: \url{https://github.com/lab/retina}.",
    "d": "We track cells. Our code will be available.",
    "e": "We thank https://www.example.org for hosting the data.",
}


def _list(tmp_path: Path) -> Path:
    path = tmp_path / "papers.jsonl"
    lines = [json.dumps({"id": k, "title": f"Paper {k}", "abstract": v}) for k, v in ABSTRACTS.items()]
    path.write_text("\n".join([*lines, "{not json"]) + "\n", encoding="utf-8")
    return path


def test_the_report_counts_code_unlinked_addresses_and_invented_links(tmp_path: Path) -> None:
    found = rows(_list(tmp_path))
    assert [r.id for r in found] == ["a", "b", "c", "d", "e"]  # the bad line is no paper
    assert found[2].addresses == ["https://github.com/lab/retina"]  # LaTeX's braces are not the address
    rep = report(found)
    assert (rep.papers, rep.writing_an_address, rep.with_code) == (5, 4, 3)
    assert rep.address_without_code == ["e"]  # listed for the hand check: here an address that is no code
    assert rep.invented == []
    assert rep.hosts == {"github.com": 2, "anonymous.4open.science": 1}


def test_the_command_prints_the_counts_and_a_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--papers", str(_list(tmp_path)), "--sample", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "papers with code links: 3" in out and "hand-check sample (seed 1)" in out
    assert main(["--papers", str(_list(tmp_path)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["report"]["with_code"] == 3
    assert PAPERS.is_file()
