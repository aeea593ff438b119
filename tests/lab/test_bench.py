"""The benchmark's vector sets and its measurements: composed sets are what they claim, ivf re-scored from a
store-shaped table matches exact search, and one real run through every step (children included)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lab import bench_sets
from lab.bench_search import StoredVectors, bench_kind, exact_neighbours, multilingual_projection, to_multi
from lab.bench_sets import neighbourhood, realistic_texts, realistic_vectors, sentence_pool, stress_vectors
from tests.helpers.fakes import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=48)
        self.calls = 0

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.calls += 1
        return super().encode(texts)


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bench_sets.SentencePool:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return sentence_pool(CountingEmbedder(), None)


def test_the_pool_is_the_sample_corpus_sentences_embedded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    emb = CountingEmbedder()
    first = sentence_pool(emb, None)
    again = sentence_pool(emb, None)
    assert emb.calls == 1  # the second pool came from the cache
    assert first.abstracts == 40 and len(first.texts) == int(first.counts.sum()) > 200
    assert np.array_equal(first.vectors, again.vectors) and first.neighbours.shape == (40, 10)
    assert all(len(s.split()) >= bench_sets.MIN_WORDS for s in first.texts)
    assert not np.any(first.neighbours == np.arange(40)[:, None])  # an abstract is not its own neighbour


def test_realistic_vectors_and_texts_are_the_same_draws(pool: bench_sets.SentencePool) -> None:
    vecs = realistic_vectors(pool, 300, seed=5)
    texts = [t for batch in realistic_texts(pool, 300, seed=5) for t in batch]
    assert vecs.shape == (300, 48) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    assert [r for r, _ in texts] == list(range(1, 301))
    sentences = set(pool.texts)
    idx, weight = next(bench_sets._compose(pool, 300, 5, bench_sets.OWN))  # the draws both were made from
    for (_, text), row, weights in zip(texts, idx, weight, strict=True):
        used = [pool.texts[j] for j, w in zip(row, weights, strict=True) if w > 0]
        assert text == " ".join(used) and all(u in sentences for u in used) and 3 <= len(used) <= 12
    assert np.array_equal(vecs, realistic_vectors(pool, 300, seed=5))  # deterministic per seed


def test_stress_vectors_crowd_their_neighbourhoods_more_than_realistic_ones(
    pool: bench_sets.SentencePool,
) -> None:
    q = realistic_vectors(pool, 40, seed=99)
    real = neighbourhood(realistic_vectors(pool, 20_000, seed=1), q)
    stress = neighbourhood(stress_vectors(pool, 20_000, seed=1), q)
    assert stress["ties_within_0.01"] > real["ties_within_0.01"]


def test_ivf_rescored_from_a_store_table_matches_exact(pool: bench_sets.SentencePool, tmp_path: Path) -> None:
    vecs = realistic_vectors(pool, 5000, seed=2)
    emb = HashEmbedder(48)
    queries = pool.texts[:40]
    exact = exact_neighbours(vecs, queries, emb)
    store = StoredVectors(tmp_path / "store.db", dim=48)
    store.fill(vecs, multilingual_projection(48))
    got = store([3, 7, 999_999])
    assert set(got) == {3, 7} and np.array_equal(got[3], vecs[2])
    assert StoredVectors(tmp_path / "store.db", "mvector", 512)([3])[3].shape == (512,)
    assert np.allclose(
        StoredVectors(tmp_path / "store.db", "mvector", 512)([3])[3],
        to_multi(vecs[2:3], multilingual_projection(48))[0],
    )
    row = bench_kind("ivf", vecs, queries, emb, exact, store, ["a new paper"])
    assert row["index"] == "ivf" and row["recall@10_vs_exact"] >= 0.95 and row["size"] == 5000
    assert [c["nprobe"] for c in row["curve"]] == [16, 32, 64, 128]
    flat = bench_kind("flat", vecs, queries, emb, exact, store, ["a new paper"])
    assert flat["recall@10_vs_exact"] == 1.0 and flat["curve"] == []


@pytest.mark.slow
def test_one_real_run_of_every_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real models, the serving child (both spaces) and the BM25 child, on a small realistic set."""
    from lab.bench import bench_sets as run

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = run([2000], None, None, kinds=("flat", "ivf"), sets=("realistic",))
    assert [(r["set"], r["index"]) for r in out["search"]] == [("realistic", "flat"), ("realistic", "ivf")]
    assert out["search"][0]["recall@10_vs_exact"] == 1.0 and out["search"][1]["recall@10_vs_exact"] >= 0.9
    serving = out["serving"][0]
    assert serving["index"] == "flat" and serving["process_rss_mb"] > serving["python_start_rss_mb"] > 0
    assert serving["hybrid_process_rss_mb"] >= serving["process_rss_mb"]  # and BM25, loaded from its file
    bm25 = out["bm25"][0]
    assert bm25["size"] == 2000 and bm25["held_mb"] > 0 and bm25["p50_ms"] > 0


ZEN3 = "".join(
    f"processor\t: {i}\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC\n"
    "flags\t\t: fpu sse4_2 avx avx2 fma\n\n"
    for i in range(2)
)


@pytest.mark.slow
def test_the_ingest_bench_on_a_cpu_without_bfloat16_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One real run of the ingest measurement as a Zen 3 (AVX2, no bfloat16 units) sees it: bfloat16 is
    skipped with a line saying so, every other path measured against raw float32, and the path auto
    chose is one of those measured."""
    from index.cpu import parse_cpuinfo
    from index.retrieval import embed, encoders
    from lab import bench, bench_children

    zen3 = parse_cpuinfo(ZEN3, 2)
    assert not zen3.bf16_units
    for module in (bench, encoders, embed):
        monkeypatch.setattr(module, "cpu_info", lambda: zen3)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # The measurement runs in a child process, which would see this machine's real CPU: here, in-process.
    monkeypatch.setattr(bench, "run_child", lambda call, timeout: bench_children.calibration_child())
    out = bench.bench_ingest(16, repeats=1)
    assert "bfloat16 ingest skipped" in caplog.text and out["bfloat16_skipped"]
    assert set(out["paths"]) == {"float32", "int8", "onnx-float32"}
    assert out["fastest_dtype"] in out["paths"] and "bfloat16" not in out["calibration"]
    assert (
        out["raw_encode_float32_papers_per_s"] > 0 and out["paperlens_default_multilingual_papers_per_s"] > 0
    )
    assert out["paths"]["onnx-float32"]["cos_min"] > 0.9999  # the export in float32 is the model's vectors
    assert out["ratio_fastest_dtype"] == out["paths"][out["fastest_dtype"]]["ratio"]
