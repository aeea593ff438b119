"""An imported list reaches its topic's digest (issue 24): `paperlens import TABLE --topic T` then `paperlens
digest --topic T` in Markdown, JSON and RIS, with the venue and year-only dates shown as years; an empty
digest says why, and an empty citation export fails instead of printing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rispy

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "tests" / "data" / "cvpr2020_medical_zh.md"
TOPIC = "medical image segmentation"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """`paperlens ARGS` in this process over a fresh data directory: (exit code, stdout, stderr)."""
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERLENS_MULTILINGUAL", "false")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _table_titles() -> list[str]:
    rows = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("| 2020 |")]
    return [row.split("|")[2].strip() for row in rows]


# `paperlens import` embeds the table with the real packaged model: slow, as the marker defines.
@pytest.mark.slow
def test_an_imported_table_is_in_its_topics_digest_with_venue_and_year(cli) -> None:  # type: ignore[no-untyped-def]
    titles = _table_titles()
    code, out, err = cli("import", str(TABLE), "--format", "table", "--topic", TOPIC)
    assert code == 0, err
    assert f"{len(titles)} added" in out

    code, md, err = cli("digest", "--topic", TOPIC)
    assert code == 0, err
    for title in titles:
        assert f"## {title}" in md
    assert md.count("Published: 2020 · Venue: CVPR 2020 · Source: imported: cvpr2020-medical-zh") == len(
        titles
    )
    assert "2020-01-01" not in md
    assert "Code: https://github.com/intra2d2019/IntrA" in md  # the IntrA abstract links its code

    code, js, err = cli("digest", "--topic", TOPIC, "--format", "json")
    assert code == 0, err
    digest = json.loads(js)
    papers = [e["paper"] for e in digest["shown"] + digest["rest"]]
    assert sorted(p["title"] for p in papers) == sorted(titles)
    assert {(p["venue"], p["published"], p["published_year_only"]) for p in papers} == {
        ("CVPR 2020", "2020", True)
    }
    assert {e["origin"] for e in digest["shown"]} == {"imported: cvpr2020-medical-zh"}

    code, ris, err = cli("digest", "--topic", TOPIC, "--format", "ris")
    assert code == 0, err
    records = rispy.loads(ris)
    assert sorted(r["title"] for r in records) == sorted(titles)
    assert {(r["type_of_reference"], r["secondary_title"], r["year"]) for r in records} == {
        ("CONF", "CVPR 2020", "2020")
    }
    assert all("date" not in r for r in records)  # a year-only date has no day to give

    code, out, err = cli("show", "IntrA: 3D Intracranial Aneurysm Dataset for Deep Learning")
    assert code == 0, err
    assert "Venue: CVPR 2020" in out and "Code: https://github.com/intra2d2019/IntrA" in out
    code, out, err = cli("show", "IntrA: 3D Intracranial Aneurysm Dataset for Deep Learning", "--json")
    assert json.loads(out)["published"] == "2020"

    code, out, err = cli("search", "aneurysm", "--venue", "cvpr", "--has-code", "--json", "-k", "5")
    assert code == 0, err
    hits = json.loads(out)
    assert [h["title"] for h in hits] == ["IntrA: 3D Intracranial Aneurysm Dataset for Deep Learning"]
    assert hits[0]["published"] == "2020" and hits[0]["venue"] == "CVPR 2020"
    code, out, err = cli("search", "aneurysm", "--venue", "miccai", "--json")
    assert code == 0 and json.loads(out) == []


@pytest.mark.slow  # imports with the real packaged model, as above
def test_an_empty_digest_says_why_and_an_empty_export_fails(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", str(TABLE), "--format", "table", "--topic", TOPIC)[0] == 0
    code, md, err = cli("digest", "--topic", TOPIC, "--date", "2019-06-03")
    assert code == 0, err
    assert f"no papers published on 2019-06-03 or added to topic '{TOPIC}' since 2019-06-03" in md
    assert "last arXiv fetch never" in md
    for fmt in ("ris", "bibtex"):
        code, out, err = cli("digest", "--topic", TOPIC, "--date", "2019-06-03", "--format", fmt)
        assert code == 2 and out == ""
        assert "lists no papers" in err and "no papers published on 2019-06-03" in err


def test_an_unknown_topic_is_still_refused(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("digest", "--topic", "nothing like it")
    assert code == 2 and "Unknown topic 'nothing like it'" in err
