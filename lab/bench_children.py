"""The benchmark's measurements in fresh child processes, so its own arrays do not count: the footprint of
a serving process (both embedding spaces, both models, the default index kind; BM25 loaded too) and of
building and querying BM25."""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from index.retrieval.vectors import IndexParams, VectorIndex
from lab.bench_search import StoredVectors, query_encoder, rss_mb
from lab.bench_sets import SentencePool, realistic_texts


def serving_footprint(work: Path, queries: list[str]) -> dict[str, Any]:
    """RSS and latency of a fresh process holding both models, both spaces' indexes
    (:func:`write_serving_indexes`) and, when :func:`bm25_footprint` saved one, the BM25 index."""
    (work / "queries.json").write_text(json.dumps(queries[:50]))
    return run_child(f"serving_child({str(work)!r})", timeout=1800)


def run_child(call: str, timeout: int) -> dict[str, Any]:
    """Run ``call`` (a function of this module) in a fresh Python process; its last output line is JSON."""
    code = f"from lab.bench_children import *; {call}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"the benchmark's child {call} failed: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def calibration_child() -> dict[str, str]:
    """Child process: measure this machine's encoder paths again and keep the choice; reports the document
    path chosen. In the timing process itself, after the measurement's models and thread pools, the float32
    runs timed took up to 1.5x as long, at random."""
    from index.config import DEFAULT_MODEL
    from index.retrieval.encoders import document_path, load_embedder

    out = {"documents": document_path(load_embedder(DEFAULT_MODEL, "auto", measure=True))}
    sys.stdout.write(json.dumps(out) + "\n")
    return out


def serving_child(work_dir: str) -> None:
    """Child process: load what a server loads, answer queries in both spaces, report RSS and latency."""
    from index.config import DEFAULT_MODEL
    from index.retrieval.encoders import document_path, load_embedder
    from index.retrieval.multilingual import MultilingualEmbedder

    work = Path(work_dir)
    base = rss_mb()
    # A server holds the document embedder `auto` chose on this machine (for new papers), the multilingual
    # encoder, and embeds queries by the export.
    emb, multi = load_embedder(DEFAULT_MODEL, "auto"), MultilingualEmbedder()
    qemb = query_encoder(emb)
    spaces = []
    for name, column in (("dense.npz", "vector"), ("multi.npz", "mvector")):
        with (work / name).open("rb") as fh:
            vi, _ = VectorIndex.load(fh, IndexParams("auto"))
        spaces.append((vi, StoredVectors(work / "store.db", column, vi.dim)))
    queries = json.loads((work / "queries.json").read_text())
    lat: dict[str, list[float]] = {"dense": [], "multi": []}
    for (vi, source), encoder, name in ((spaces[0], qemb, "dense"), (spaces[1], multi, "multi")):
        for q in queries:  # warm-up: bfloat16 kernels are prepared per input shape on first use
            encoder.encode([q])
        for q in queries:  # one space at a time: an English query takes only the first route
            t = time.perf_counter()
            vi.search(encoder.encode([q]), 10, vectors_of=source)
            lat[name].append((time.perf_counter() - t) * 1000)
    out = {
        "index": spaces[0][0].kind,
        "documents": document_path(emb),
        "queries": getattr(qemb, "dtype", "?"),
        "torch_loaded": "torch" in sys.modules,
        "process_rss_mb": round(rss_mb(), 1),
        "python_start_rss_mb": round(base, 1),
        "p50_ms_dense": round(statistics.median(lat["dense"]), 2),
        "p50_ms_multi": round(statistics.median(lat["multi"]), 2),
    }
    if (
        work / "bm25.npz"
    ).exists():  # what hybrid search holds besides: the BM25 index, loaded as a server does
        from index.retrieval.lexical import LexicalIndex

        lex = LexicalIndex.loads((work / "bm25.npz").read_bytes())
        gc.collect()
        for q in queries:
            lex.search(q, 100)
        out["hybrid_process_rss_mb"] = round(rss_mb(), 1)
    sys.stdout.write(json.dumps(out) + "\n")


def bm25_footprint(work: Path, pool: SentencePool, size: int, queries: list[str]) -> dict[str, Any]:
    """BM25 over ``size`` composed abstracts, built in a child: build time, memory, query latency."""
    np.savez(work / "pool.npz", starts=pool.starts, counts=pool.counts, neighbours=pool.neighbours)
    (work / "texts.json").write_text(json.dumps(pool.texts))
    (work / "queries.json").write_text(json.dumps(queries))
    return run_child(f"bm25_child({str(work)!r}, {size})", timeout=3600)


def bm25_child(work_dir: str, size: int) -> None:
    import resource

    from index.retrieval.lexical import LexicalIndex

    work = Path(work_dir)
    texts = json.loads((work / "texts.json").read_text())
    with np.load(work / "pool.npz") as z:
        pool = SentencePool(
            "pool", texts, np.zeros((0, 1), np.float32), z["starts"], z["counts"], z["neighbours"]
        )
    queries = json.loads((work / "queries.json").read_text())
    before = rss_mb()
    limit_gb = 16  # fail with MemoryError here rather than wake the OOM killer on the benchmark itself
    resource.setrlimit(resource.RLIMIT_AS, (limit_gb * 2**30, resource.RLIM_INFINITY))
    t = time.perf_counter()
    try:
        lex = LexicalIndex.build(realistic_texts(pool, size), generation=1)
    except MemoryError:
        sys.stdout.write(
            json.dumps({"size": size, "error": f"building BM25 needed more than {limit_gb} GB"}) + "\n"
        )
        return
    build_s = time.perf_counter() - t
    gc.collect()
    held = rss_mb() - before
    lat = []
    for q in queries:
        t = time.perf_counter()
        lex.search(q, 100)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    data = lex.dumps()
    (work / "bm25.npz").write_bytes(data)  # for the serving process (serving_footprint)
    sys.stdout.write(
        json.dumps(
            {
                "size": size,
                "build_s": round(build_s, 1),
                "held_mb": round(held, 1),
                "peak_rss_mb": round(rss_mb("VmHWM"), 1),
                "p50_ms": round(statistics.median(lat), 2),
                "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 2),
                "file_mb": round(len(data) / 2**20, 1),
            }
        )
        + "\n"
    )
