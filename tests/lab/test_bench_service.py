"""`paperlens bench`'s measurements of the product as users run it: a data directory of composed papers,
the one-shot commands in fresh processes, and `paperlens serve` under concurrent HTTP load (all real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import IndexSettings
from index.paperindex import PaperIndex
from lab.bench_service import bench_service, percentile

pytestmark = pytest.mark.slow


def test_percentile_picks_the_nearest_rank() -> None:
    xs = [float(x) for x in range(1, 101)]
    assert percentile(xs, 50) == 51.0 and percentile(xs, 99) == 99.0 and percentile([3.0], 95) == 3.0


def test_bench_service_times_one_shot_commands_and_the_api_over_a_composed_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # its first search writes the ONNX export
    out = bench_service(600, None, 40, requests=48)
    assert out["size"] == 600 and out["index_type"] == "flat"  # auto below 100,000 papers
    assert set(out["one_shot"]) == {"stats_s", "show_s", "search_s"}
    assert all(0 < s < 60 for s in out["one_shot"].values())
    api = out["api"]
    assert len(api["runs"]) == 3 and all(r["requests"] == 48 and r["errors"] == 0 for r in api["runs"])
    assert api["throughput_rps"] == sorted(r["throughput_rps"] for r in api["runs"])[1]
    assert 0 < api["p50_ms"] <= api["p95_ms"] <= api["p99_ms"]
    assert list((tmp_path / "cache").rglob("*.onnx"))  # the timed searches ran without torch


def test_the_composed_data_dir_is_searchable_through_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.retrieval.embed import SentenceTransformerEmbedder
    from lab.bench_scale import write_scale_data_dir
    from lab.bench_sets import sentence_pool

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    emb = SentenceTransformerEmbedder(dtype="float32")
    built = write_scale_data_dir(tmp_path / "d", sentence_pool(emb, None), 300, emb, multilingual=False)
    assert built["papers"] == built["vectors"] == 300 and built["multilingual_vectors"] is None
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=tmp_path / "d", multilingual=False), embedder=emb)
    try:
        paper = ix.resolve("scale:7")
        hits = ix.search(paper.abstract, k=3, mode="dense")
        assert hits[0].paper.id == "scale:7"  # its vector is a mix of its own sentences' embeddings
    finally:
        ix.close()
