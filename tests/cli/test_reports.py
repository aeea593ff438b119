"""The report commands print every field the benchmark returns (no model is loaded: the result is given)."""

from __future__ import annotations

import argparse

import pytest

import index.bench
from cli.reports import cmd_bench

ROW = {
    "size": 10000,
    "index": "flat",
    "p50_ms": 9.8,
    "p95_ms": 20.6,
    "recall@10_vs_exact": 1.0,
    "add_one_ms": 24.8,
    "reload_s": 0.02,
    "build_s": 0.01,
    "process_rss_mb": 1181.0,
    "file_mb": 14.9,
    "ef_curve": {},
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
    "search": [ROW, {**ROW, "index": "hnsw"}],
}


def test_bench_prints_every_row(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(index.bench, "run_bench", lambda sizes, n: RESULT)
    rc = cmd_bench(argparse.Namespace(sizes="10000", ingest_papers=128, json=False))
    out = capsys.readouterr().out
    assert rc == 0 and "CPU: AMD EPYC, 2 cores, avx2" in out and "bfloat16: skipped" in out
    assert "   10000 flat" in out and "   10000 hnsw" in out and "1181.0" in out
