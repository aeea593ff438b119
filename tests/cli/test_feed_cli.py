"""`paperlens` feed commands through cli.main in-process, on a temporary data directory holding the sample
papers under the concept-counting fake embedder (exact rankings); one real process on the packaged model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import cli.main
from index.config import IndexSettings
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.bot.conftest import SAMPLE, nerf_topics
from tests.helpers.fakes import FakeEmbedder

NERF_LIKED, GAUSSIAN_LIKED = "2403.19985", "2403.19655"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with the sample papers (NeRF topic on its NeRF papers); cli.main opens it with the
    fake embedder it was built with."""
    d = tmp_path / "data"
    settings = IndexSettings(_env_file=None, data_dir=d, multilingual=False)
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    ix.ingest(map(nerf_topics, records_for(SAMPLE, "jsonl")), "sample")
    ix.close()
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(d))
    monkeypatch.setenv("PAPERLENS_MULTILINGUAL", "false")
    real = PaperIndex

    def with_fake(s: IndexSettings, **kw: Any) -> PaperIndex:
        return real(s, embedder=FakeEmbedder(), **{k: v for k, v in kw.items() if k != "check_model"})

    monkeypatch.setattr(cli.main, "PaperIndex", with_fake)
    return d


def pl(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_like_then_feed_shows_cards_with_the_liked_paper_as_reason(data: Path, capsys: Any) -> None:
    assert pl(capsys, "like", NERF_LIKED, "--member", "ana")[0] == 0
    code, out, _ = pl(capsys, "feed", "NeRF", "--member", "ana", "-k", "3")
    assert code == 0
    assert out.count("why: like 'Stable Surface Regularization for Fast Few-Shot NeRF' you 👍") == 3, out
    code, out, _ = pl(capsys, "feed", "--member", "ana", "-k", "3", "--json")
    cards = json.loads(out)
    assert len(cards) == 3 and all(c["topic"] == "NeRF" and c["reason"]["kind"] == "liked" for c in cards)
    assert NERF_LIKED not in {c["id"] for c in cards}


def test_opposite_members_get_different_feeds_and_dislike_counts(data: Path, capsys: Any) -> None:
    pl(capsys, "like", GAUSSIAN_LIKED, "--member", "ana")
    pl(capsys, "dislike", NERF_LIKED, "--member", "ana")
    pl(capsys, "like", NERF_LIKED, "--member", "bo")
    pl(capsys, "dislike", GAUSSIAN_LIKED, "--member", "bo")
    a = json.loads(pl(capsys, "feed", "NeRF", "--member", "ana", "-k", "4", "--json")[1])
    b = json.loads(pl(capsys, "feed", "NeRF", "--member", "bo", "-k", "4", "--json")[1])
    assert all("Gaussian" in c["title"] or "Splat" in c["title"] for c in a), a
    assert not any("Gaussian" in c["title"] or "Splat" in c["title"] for c in b), b


def test_follow_mute_read_prefs_and_undo(data: Path, capsys: Any) -> None:
    assert "Followed" in pl(capsys, "follow", "Dey, Arnab", "--member", "ana")[1]
    cards = json.loads(pl(capsys, "feed", "NeRF", "--member", "ana", "-k", "2", "--json")[1])
    assert {c["id"] for c in cards} == {"2404.06246", "2404.06152"}
    assert all(c["reason"]["text"] == "by Dey, Arnab, whom you follow" for c in cards)
    pl(capsys, "mute", "human", "--member", "ana")
    cards = json.loads(pl(capsys, "feed", "NeRF", "--member", "ana", "-k", "20", "--json")[1])
    assert not {"2404.06246", "2404.06152"} & {c["id"] for c in cards}
    assert pl(capsys, "read", "add", "DerainNeRF", "--member", "ana")[0] == 0
    assert pl(capsys, "read", "add", "2403.19780", "--channel", "lab")[0] == 0
    assert "DerainNeRF" in pl(capsys, "read", "list", "--member", "ana")[1]
    assert "Motion Blur" in pl(capsys, "read", "list", "--channel", "lab")[1]
    pl(capsys, "like", NERF_LIKED, "--member", "ana")
    code, out, _ = pl(capsys, "prefs", "--member", "ana")
    assert code == 0
    for shown in (
        f"undo: paperlens unvote {NERF_LIKED}",
        "undo: paperlens unfollow 'Dey, Arnab'",
        "undo: paperlens unmute 'human'",
        "undo: paperlens read done 2403.20013",
    ):
        assert shown in out, (shown, out)
    pl(capsys, "unvote", NERF_LIKED, "--member", "ana")
    pl(capsys, "unfollow", "Arnab Dey", "--member", "ana")
    pl(capsys, "unmute", "Human", "--member", "ana")
    pl(capsys, "read", "done", "2403.20013", "--member", "ana")
    assert "Nothing to read" in pl(capsys, "read", "list", "--member", "ana")[1]
    prefs = json.loads(pl(capsys, "prefs", "--member", "ana", "--json")[1])
    assert prefs["votes"] == [] and prefs["follows"] == [] and prefs["mutes"] == []


def test_errors_are_one_line_exit_2(data: Path, capsys: Any) -> None:
    code, _, err = pl(capsys, "like", "a paper about llamas nobody wrote", "--member", "ana")
    assert code == 2 and "No paper matches" in err and "Traceback" not in err
    code, _, err = pl(capsys, "read", "done", "2403.20013", "--member", "ana")
    assert code == 2 and "not on the reading list" in err
    code, _, err = pl(capsys, "recap", "Llamas")
    assert code == 2 and "Unknown topic" in err


def test_seed_file_bibtex_and_ris_match_held_papers(data: Path, capsys: Any, tmp_path: Path) -> None:
    bib = tmp_path / "seeds.bib"
    bib.write_text(
        "@article{a, title={{DerainNeRF}: 3D Scene Estimation with Adhesive Waterdrop Removal}}\n"
        "@misc{b, title={Whatever}, eprint={2403.19780}, archivePrefix={arXiv}}\n"
        "@misc{c, title={A Paper This Group Does Not Hold About Llamas}}\n",
        encoding="utf-8",
    )
    code, out, _ = pl(capsys, "seed", "NeRF", "--file", str(bib))
    assert code == 0 and "2 paper(s)" in out and "2403.20013" in out and "2403.19780" in out
    assert "Not held here (1)" in out and "Llamas" in out
    ris = tmp_path / "seeds.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Something else\nDO  - 10.48550/arXiv.2403.19985\nER  - \n", encoding="utf-8"
    )
    assert "2403.19985" in pl(capsys, "seed", "NeRF", "--file", str(ris))[1]
    cards = json.loads(pl(capsys, "feed", "NeRF", "--member", "cy", "-k", "3", "--json")[1])
    assert cards[0]["reason"]["kind"] == "seed" and {c["id"] for c in cards}.isdisjoint(
        {"2403.20013", "2403.19780", "2403.19985"}
    )
    bad = tmp_path / "bad.bib"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = pl(capsys, "seed", "NeRF", "--file", str(bad))
    assert code == 2 and "UTF-8" in err


def test_recap_groups_cite_their_papers_and_show_the_reading_list(data: Path, capsys: Any) -> None:
    pl(capsys, "read", "add", "2404.06246", "--channel", "lab")
    code, out, _ = pl(capsys, "recap", "NeRF", "--end", "2024-04-14", "--channel", "lab", "--json")
    r = json.loads(out)
    assert code == 0 and r["groups"] and r["reading"] == ["2404.06246"]
    cited = {n for g in r["groups"] for n in g["cited"]}
    assert cited == {int(n) for n in r["citations"]} and all(
        f"[{n}]" in json.dumps(r["groups"]) for n in cited
    )
    text = pl(capsys, "recap", "NeRF", "--end", "2024-04-14", "--channel", "lab")[1]
    assert "Weekly recap: NeRF, 2024-04-08 – 2024-04-14" in text and "Reading list:" in text and "[1]" in text


@pytest.mark.slow
def test_a_real_process_on_the_packaged_model(sample_copy: Path) -> None:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(sample_copy)}
    env.pop("DISCORD_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=sample_copy.parent,
        )

    r = run("like", "DerainNeRF", "--member", "ana")
    assert r.returncode == 0, r.stderr
    r = run("feed", "--member", "ana", "-k", "3", "--json")
    assert r.returncode == 0, r.stderr
    cards = json.loads(r.stdout)
    assert len(cards) == 3 and any(c["reason"]["kind"] == "liked" for c in cards), cards
