"""Performance benchmark on synthetic abstracts and vectors (the machine has no large real corpus).

Every figure is a median over repeats, and throughput is reported as a ratio to raw
sentence-transformers ``encode`` in float32 measured in the same run, so the numbers travel between
machines better than absolute ones.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import random
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexSettings
from index.cpu import cpu_info
from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval.embed import SentenceTransformerEmbedder
from index.retrieval.vectors import IndexParams, VectorIndex

log = logging.getLogger(__name__)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def synthetic_texts(n: int, seed: int = 0, sentences: int = 7) -> list[str]:
    """Abstract-like texts: sentences of the sample corpus's abstracts, mixed (about 170 words each)."""
    from index.answers.sentences import split_sentences

    src = resources.files("index").joinpath("data/sample_papers.jsonl").read_text(encoding="utf-8")
    pool = [s for line in src.splitlines() for s in split_sentences(json.loads(line)["abstract"])]
    rng = random.Random(seed)
    return [" ".join(rng.sample(pool, sentences)) for _ in range(n)]


def _median_time(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_ingest(n: int = 384, repeats: int = 3) -> dict[str, Any]:
    """PaperLens's own import + embed + index path vs raw encode, papers/s and ratios."""
    texts = synthetic_texts(n, seed=1)
    papers = [Paper(id=f"bench:{i}", title=f"Paper {i}", abstract=t) for i, t in enumerate(texts)]
    bf16 = cpu_info().bf16_units
    if not bf16:
        log.warning(
            "bfloat16 ingest skipped: this CPU (%s) has no bfloat16 units (AMX/AVX512-BF16), where it runs "
            "about 3-4x slower than float32 and auto never picks it",
            cpu_info().model,
        )
    emb = {
        dt: SentenceTransformerEmbedder(dtype=dt)
        for dt in (("float32", "bfloat16") if bf16 else ("float32",))
    }
    raw_model = emb["float32"]._model

    def raw() -> None:
        raw_model.encode([p.embed_text() for p in papers], batch_size=64, normalize_embeddings=True)

    def ingest(dtype: str, multilingual: bool) -> float:
        runs = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                s = IndexSettings(_env_file=None, data_dir=Path(tmp), multilingual=multilingual)
                ix = PaperIndex(s, embedder=emb[dtype])
                gc.collect()
                t = time.perf_counter()
                ix.ingest(list(enumerate(papers)), "bench")
                runs.append(time.perf_counter() - t)
                ix.close()
        return statistics.median(runs)

    raw()  # warm the models
    for e in emb.values():
        e.encode(texts[:8])
    t_raw = _median_time(raw, repeats)
    t_f32 = ingest("float32", False)
    fastest = "bfloat16" if bf16 else "float32"  # what auto picks on this CPU
    t_fast = ingest("bfloat16", False) if bf16 else t_f32
    t_default = ingest(fastest, True)
    return {
        "papers": n,
        "fastest_dtype": fastest,
        "bfloat16_skipped": not bf16,
        "raw_encode_float32_papers_per_s": round(n / t_raw, 1),
        "paperlens_float32_papers_per_s": round(n / t_f32, 1),
        "paperlens_fastest_papers_per_s": round(n / t_fast, 1),
        "paperlens_default_multilingual_papers_per_s": round(n / t_default, 1),
        "ratio_same_dtype": round(t_raw / t_f32, 3),
        "ratio_fastest_dtype": round(t_raw / t_fast, 3),
        "ratio_default_with_multilingual": round(t_raw / t_default, 3),
    }


def clustered_vectors(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    """N unit vectors scattered around real embeddings (more realistic for ANN recall than uniform noise)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for i in range(0, n, 100_000):
        m = min(100_000, n - i)
        v = base[rng.integers(0, len(base), m)] + rng.normal(
            0, 0.35 / np.sqrt(base.shape[1]), (m, base.shape[1])
        )
        out[i : i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


BASE_ABSTRACTS = 2000


def base_vectors(emb: SentenceTransformerEmbedder, n: int = BASE_ABSTRACTS) -> np.ndarray:
    """The embedded synthetic abstracts the search sets are scattered around, cached per model and dtype in
    the user cache directory: embedding 2,000 abstracts takes about 3.5 minutes on a 2-core CPU without
    bfloat16 units (4,000, the earlier base, took 7), and they are the same every run."""
    import platformdirs

    path = (
        platformdirs.user_cache_path("paperlens", appauthor=False)
        / "bench"
        / f"base-{emb.name}-{emb.dtype}-{n}.npy"
    )
    if path.exists():
        try:
            cached: np.ndarray = np.load(path, allow_pickle=False)
            if cached.shape == (n, emb.dim):
                log.info("bench: base vectors from %s", path)
                return cached
        except (OSError, ValueError):
            log.warning("bench: ignoring a damaged cache %s", path)
    log.info("bench: embedding %d base abstracts (cached in %s for the next run)", n, path)
    base = emb.encode(synthetic_texts(n, seed=2))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, base, allow_pickle=False)
    tmp.replace(path)
    return base


def bench_search(sizes: list[int], queries: int = 100, repeats: int = 1) -> list[dict[str, Any]]:
    """Per size and index type: query latency (embedding + FAISS) p50/p95, recall@10 vs exact, add, reload, RSS."""
    emb = SentenceTransformerEmbedder(dtype="auto")
    base = base_vectors(emb)
    qtexts = synthetic_texts(queries, seed=3, sentences=1)
    results = []
    for size in sizes:
        vecs = clustered_vectors(base, size, seed=size)
        exact: np.ndarray | None = None
        for kind in ("flat", "hnsw"):
            gc.collect()
            t0 = time.perf_counter()
            vi = VectorIndex(base.shape[1], IndexParams(kind))
            for i in range(0, size, 50_000):
                ids = list(range(i + 1, min(size, i + 50_000) + 1))
                vi.add(ids, ["0" * 16] * len(ids), vecs[i : i + len(ids)])
            build_s = time.perf_counter() - t0
            mem = rss_mb()
            lat, got, qvs = [], [], []
            for q in qtexts:
                t = time.perf_counter()
                qv = emb.encode([q])
                _, rowids = vi.search(qv, 10)
                lat.append((time.perf_counter() - t) * 1000)
                got.append(rowids[0])
                qvs.append(qv[0])
            if kind == "flat":  # exact neighbours of the very same query vectors
                exact = vi.search(np.vstack(qvs), 10)[1]
            assert exact is not None
            recall = float(np.mean([len(set(g) & set(e)) / 10 for g, e in zip(got, exact, strict=True)]))
            adds: list[float] = []
            for j, text in enumerate(synthetic_texts(5, seed=9)):  # one new paper at a time: embed + add
                t = time.perf_counter()
                vi.add([size + 1 + j], ["1" * 16], emb.encode([text]))
                adds.append((time.perf_counter() - t) * 1000)
            add_ms = statistics.median(adds)
            curve: list[dict[str, float]] = []
            if kind == "hnsw":  # the recall / latency trade-off (search only, the query already embedded)
                qmat = np.vstack(qvs)
                for ef in (128, 256, 512, 1024):
                    vi.params = IndexParams("hnsw", vi.params.hnsw_m, ef, vi.params.ef_construction)
                    t = time.perf_counter()
                    found = np.vstack([vi.search(qmat[i : i + 1], 10)[1] for i in range(len(qmat))])
                    ms = (time.perf_counter() - t) / len(qmat) * 1000
                    rec = float(
                        np.mean([len(set(g) & set(e)) / 10 for g, e in zip(found, exact, strict=True)])
                    )
                    curve.append({"ef_search": ef, "recall@10": round(rec, 4), "search_ms": round(ms, 2)})
            buf = io.BytesIO()
            t = time.perf_counter()
            vi.save(buf, {"model": "bench"})
            save_s = time.perf_counter() - t
            t = time.perf_counter()
            VectorIndex.load(buf.getvalue(), IndexParams(kind))
            load_s = time.perf_counter() - t
            lat.sort()
            results.append(
                {
                    "size": size,
                    "index": kind,
                    "build_s": round(build_s, 2),
                    "p50_ms": round(statistics.median(lat), 2),
                    "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 2),
                    "recall@10_vs_exact": round(recall, 4),
                    "add_one_ms": round(add_ms, 2),
                    "save_s": round(save_s, 3),
                    "reload_s": round(load_s, 3),
                    "process_rss_mb": round(mem, 1),
                    "ef_curve": curve,
                    "file_mb": round(buf.getbuffer().nbytes / 2**20, 1),
                }
            )
            log.info("bench %s", results[-1])
            del vi, buf
    return results


def run_bench(sizes: list[int], ingest_papers: int = 384) -> dict[str, Any]:
    import faiss
    import torch

    return {
        "machine": {
            "cpu": cpu_info().as_dict(),
            "torch_threads": torch.get_num_threads(),
            "faiss": faiss.__version__,
            "torch": torch.__version__,
        },
        "ingest": bench_ingest(ingest_papers),
        "search": bench_search(sizes),
    }
