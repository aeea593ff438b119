"""The lab's commands: the bench report prints every field the benchmark returns (no model is loaded: the
result is given), the Makefile's command lines parse, and eval-answers grades both providers."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lab.bench
from lab.commands import cmd_bench

ROW = {
    "size": 10000,
    "index": "flat",
    "p50_ms": 9.8,
    "p95_ms": 20.6,
    "recall@10_vs_exact": 1.0,
    "add_one_ms": 24.8,
    "reload_s": 0.02,
    "build_s": 0.01,
    "index_mb": 14.9,
    "set": "realistic",
    "curve": [],
}
RESULT = {
    "machine": {"cpu": {"model": "AMD EPYC", "cores": 2, "features": ["avx2"]}},
    "ingest": {
        "papers": 128,
        "fastest_dtype": "float32",
        "bfloat16_skipped": True,
        "raw_encode_float32_papers_per_s": 10.3,
        "paperlens_float32_papers_per_s": 10.3,
        "paperlens_fastest_papers_per_s": 10.3,
        "paperlens_default_multilingual_papers_per_s": 7.8,
        "ratio_same_dtype": 0.997,
        "ratio_fastest_dtype": 0.997,
        "ratio_default_with_multilingual": 0.753,
    },
    "pool": {"source": "corpus.jsonl", "abstracts": 5183, "sentences": 45291},
    "queries": 200,
    "search": [
        ROW,
        {**ROW, "index": "hnsw", "curve": [{"ef_search": 128, "recall@10": 0.95, "search_ms": 0.4}]},
        {**ROW, "index": "ivf", "size": 1000000, "recall@10_vs_exact": 0.991, "set": "stress"},
    ],
    "serving": [
        {
            "size": 10000,
            "index": "flat",
            "process_rss_mb": 1181.0,
            "p50_ms_dense": 9.1,
            "hybrid_process_rss_mb": 1230.5,
        }
    ],
    "bm25": [
        {
            "size": 10000,
            "build_s": 2.5,
            "held_mb": 40.0,
            "peak_rss_mb": 600.0,
            "file_mb": 12.0,
            "p50_ms": 1.1,
            "p95_ms": 2.0,
        },
        {"size": 1000000, "error": "building BM25 needed more than 16 GB"},
    ],
    "service": {
        "size": 100000,
        "index_type": "ivf",
        "store_write_s": 50.0,
        "index_build_s": 20.0,
        "one_shot": {"stats_s": 0.51, "show_s": 0.49, "search_s": 0.93},
        "api": {
            "concurrency": 8,
            "throughput_rps": 110.8,
            "p50_ms": 67.6,
            "p95_ms": 122.6,
            "p99_ms": 174.8,
            "errors": 0,
            "runs": [{}, {}, {}],
        },
    },
}


def args(tmp_path: Path, **kw: object) -> argparse.Namespace:
    base = dict(
        sizes="10000", ingest_papers=128, json=False, corpus=None, queries=None, kinds="flat,hnsw,ivf"
    )
    more = {
        "no_bm25": False,
        "abstracts": 6000,
        "plot": tmp_path / "b.png",
        "service_size": 0,
        "requests": 10,
    }
    return argparse.Namespace(**{**base, "sets": "realistic,stress", **more, **kw})


def test_bench_prints_every_row_and_draws_the_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(lab.bench, "run_bench", lambda *a: RESULT)
    rc = cmd_bench(args(tmp_path))
    out = capsys.readouterr().out
    assert rc == 0 and "CPU: AMD EPYC, 2 cores, avx2" in out and "bfloat16: skipped" in out
    assert (
        "realistic     10000 flat" in out and "realistic     10000 hnsw" in out and "ef_search   128" in out
    )
    assert "stress      1000000 ivf" in out and "0.991" in out and "45291 sentences of 5183 abstracts" in out
    assert (
        "RSS 1181.0 MB" in out
        and "with BM25 loaded too (hybrid): RSS 1230.5 MB" in out
        and "BM25 at 10000: build 2.5 s, held 40.0 MB" in out
    )
    assert "BM25 at 1000000: building BM25 needed more than 16 GB" in out
    assert "stats 0.51 s, show 0.49 s, search 0.93 s" in out
    assert (
        "API at 100000 papers (ivf), /search from 8 clients, run of median throughput of 3: 110.8 requests/s"
        in out
    )
    assert "p99 174.8 ms, 0 errors" in out
    png = (tmp_path / "b.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000  # a real figure, not an empty canvas


def test_bench_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_bench(args(tmp_path, kinds="flat,annoy")) == 2
    assert cmd_bench(args(tmp_path, sizes="10")) == 2
    assert cmd_bench(args(tmp_path, corpus=tmp_path / "missing.jsonl")) == 2
    err = capsys.readouterr().err
    assert "--kinds takes flat,hnsw,ivf" in err and "missing.jsonl is not a file" in err


def test_the_make_bench_command_line_parses() -> None:
    """The Makefile's `bench` arguments, as written there (with SciFact beside the checkout: a corpus of 1,500
    abstracts, more than the 1,000 cap on counts)."""
    import shlex

    from lab.__main__ import build_parser

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if "paperlens-lab bench" in x and x.startswith("\t"))
    words = shlex.split(line.split("paperlens-lab", 1)[1])
    data = ["--corpus", "c.jsonl", "--queries", "q.jsonl", "--abstracts", "1500"]
    words = [w for word in words for w in (data if word == "$(BENCH_DATA)" else [word])]
    a = build_parser().parse_args(words)
    assert (
        a.abstracts == 1500
        and a.ingest_papers == 128
        and a.corpus == Path("c.jsonl")
        and a.kinds == "flat,hnsw,ivf"
    )
    assert a.sizes == "10000,100000" and a.requests == 1000 and a.service_size is None  # the API at 100,000


def test_service_size_zero_skips_the_service_measurements_and_a_negative_one_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's `--service-size 0` (skip the one-shot and API timings) parses; -1 is a clear error."""
    from lab.__main__ import build_parser

    assert build_parser().parse_args(["bench", "--service-size", "0"]).service_size == 0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--service-size", "-1"])
    assert "must be at least 0" in capsys.readouterr().err


@pytest.mark.slow  # a real paperlens-lab process with the real models
def test_eval_answers_scores_extractive_and_the_configured_provider(tmp_path: Path) -> None:
    """`paperlens-lab eval-answers` against a loopback OpenAI-compatible endpoint: both runs graded."""
    from tests.helpers.openai_server import OpenAIServer

    root = Path(__file__).resolve().parents[2]
    lines = (root / "eval" / "answers" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    # The fake model states the fact only for the first question, so the two runs must differ.
    with OpenAIServer(
        lambda body: "It uses ScanNet and NeRF-Real [1]." if "ASDF" in str(body) else "No idea."
    ) as srv:
        env = {
            **os.environ,
            "PAPERLENS_LLM_PROVIDER": "openai",
            "PAPERLENS_LLM_BASE_URL": srv.base_url,
            "PAPERLENS_LLM_API_KEY": "sk-test",
            "PAPERLENS_DATA_DIR": str(tmp_path / "data"),
        }
        r = subprocess.run(
            [sys.executable, "-m", "lab", "eval-answers", "--questions", str(questions), "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=tmp_path,
        )
    assert r.returncode == 0, r.stderr
    runs = json.loads(r.stdout)["runs"]
    assert [x["provider"] for x in runs] == ["extractive", "openai:gpt-4o-mini"]
    assert runs[0]["scores"]["en"]["correct"] == 2
    assert [row["correct"] for row in runs[1]["rows"]] == [True, False]
