"""Performance benchmark: ingest on synthetic abstracts; search on vector sets built from real embedded
sentences (:mod:`lab.bench_sets`, :mod:`lab.bench_search`).

Every figure is a median over repeats, and throughput is reported as a ratio to raw
sentence-transformers ``encode`` in float32 measured in the same run, so the numbers travel between
machines better than absolute ones.
"""

from __future__ import annotations

import gc
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from index.config import DEFAULT_MODEL, IndexSettings
from index.cpu import cpu_info
from index.errors import ConfigError
from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval.embed import Embedder, SentenceTransformerEmbedder, resolve_model_path
from index.retrieval.encoders import TORCH_FREE, cached_choice, load_embedder
from index.retrieval.multilingual import MultilingualEmbedder
from index.retrieval.vectors import IndexParams
from lab.bench_children import bm25_footprint, run_child, serving_footprint
from lab.bench_search import (
    KINDS,
    StoredVectors,
    bench_kind,
    exact_neighbours,
    multilingual_projection,
    query_encoder,
    write_serving_indexes,
)
from lab.bench_sets import read_queries, realistic_vectors, sentence_pool, stress_vectors
from lab.texts import synthetic_texts

log = logging.getLogger(__name__)


def _taking_turns(runs: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Median of the seconds each run reports, the runs taking turns within each of ``repeats`` rounds: a
    burst of other load on a shared machine then falls on every path alike instead of on whichever ran
    during it (one path measured 1.47x in one block and 0.95x in a later one on the same machine)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            gc.collect()
            times[name].append(fn())
    log.info("ingest timings (s): %s", {k: [round(x, 3) for x in v] for k, v in times.items()})
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench_ingest(n: int = 384, repeats: int = 3) -> dict[str, Any]:
    """PaperLens's own import + embed + index path, per document path, vs raw float32 encode: papers/s,
    ratios, and each path's cosine to the float32 vectors of the same texts."""
    texts = synthetic_texts(n, seed=1)
    papers = [Paper(id=f"bench:{i}", title=f"Paper {i}", abstract=t) for i, t in enumerate(texts)]
    bf16 = cpu_info().bf16_units
    if not bf16:
        log.warning(
            "bfloat16 ingest skipped: this CPU (%s) has no bfloat16 units (AMX/AVX512-BF16), where it runs "
            "about 3-4x slower than float32 and auto never tries it",
            cpu_info().describe(),
        )
    # This machine's choice, measured again and kept, in a child process (see calibration_child).
    chosen = str(run_child("calibration_child()", timeout=1800)["documents"])
    emb: dict[str, Embedder] = {"float32": SentenceTransformerEmbedder(dtype="float32")}
    if bf16:
        emb["bfloat16"] = SentenceTransformerEmbedder(dtype="bfloat16")
    for path in TORCH_FREE:
        try:
            emb[path] = load_embedder(DEFAULT_MODEL, path)
        except ConfigError as err:
            log.warning("%s ingest skipped: %s", path, err)
    raw_model = emb["float32"]._model  # type: ignore[attr-defined]
    bodies = [p.embed_text() for p in papers]

    def raw() -> float:
        t = time.perf_counter()
        raw_model.encode(bodies, batch_size=64, normalize_embeddings=True)
        return time.perf_counter() - t

    # One multilingual encoder for every run, loaded and warmed before the timings, as one import's is:
    # a new one per run put its load (about 0.5 s) inside a 2.5 s measurement.
    multi = MultilingualEmbedder()
    multi.encode(texts[:8])

    def ingest(e: Embedder, multilingual: bool) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            s = IndexSettings(_env_file=None, data_dir=Path(tmp), multilingual=multilingual)
            ix = PaperIndex(s, embedder=e, multilingual_embedder=multi if multilingual else None)
            try:
                t = time.perf_counter()
                ix.ingest(list(enumerate(papers)), "bench")
                return time.perf_counter() - t
            finally:
                ix.close()

    runs: dict[str, Callable[[], float]] = {"raw": raw}
    runs.update({name: partial(ingest, e, False) for name, e in emb.items()})
    runs["default"] = partial(ingest, emb.get(chosen, emb["float32"]), True)
    raw()  # warm the models
    for e in emb.values():
        e.encode(texts[:8])
    seconds = _taking_turns(runs, repeats)
    t_raw = seconds["raw"]
    reference = emb["float32"].encode(bodies)
    paths = {}
    for name, e in emb.items():
        t = seconds[name]
        cos = (e.encode(bodies) * reference).sum(axis=1)
        paths[name] = {
            "papers_per_s": round(n / t, 1),
            "ratio": round(t_raw / t, 3),
            "cos_mean": round(float(cos.mean()), 5),
            "cos_min": round(float(cos.min()), 5),
        }
    t_default = seconds["default"]
    choice = cached_choice(resolve_model_path(DEFAULT_MODEL))
    return {
        "papers": n,
        "fastest_dtype": chosen,
        "bfloat16_skipped": not bf16,
        "raw_encode_float32_papers_per_s": round(n / t_raw, 1),
        "paths": paths,
        "paperlens_float32_papers_per_s": paths["float32"]["papers_per_s"],
        "paperlens_fastest_papers_per_s": paths[chosen]["papers_per_s"],
        "paperlens_default_multilingual_papers_per_s": round(n / t_default, 1),
        "ratio_same_dtype": paths["float32"]["ratio"],
        "ratio_fastest_dtype": paths[chosen]["ratio"],
        "ratio_default_with_multilingual": round(t_raw / t_default, 3),
        "queries": choice.queries if choice is not None else "float32",
        "calibration": choice.measured if choice is not None else {},
    }


def bench_sets(
    sizes: list[int],
    corpus: Path | None,
    queries_file: Path | None,
    kinds: tuple[str, ...] = KINDS,
    sets: tuple[str, ...] = ("realistic", "stress"),
    bm25: bool = True,
    abstracts: int = 6000,
) -> dict[str, Any]:
    """Per set, size and index kind: latency incl. query embedding, recall@10 vs exact, add, reload, memory;
    per size: a serving process's RSS (both spaces, models, the auto kind) and BM25's cost."""
    emb = load_embedder(DEFAULT_MODEL, "auto")  # PaperLens's document path here (the serving child's too)
    qemb = query_encoder(emb)  # queries are embedded as PaperLens embeds them (its ONNX export)
    pool = sentence_pool(emb, corpus, abstracts)
    qtexts = read_queries(queries_file, pool)
    adds = synthetic_texts(5, seed=9)
    out: dict[str, Any] = {
        "pool": {"source": pool.source, "abstracts": pool.abstracts, "sentences": len(pool.texts)},
        "queries": len(qtexts),
        "search": [],
        "serving": [],
        "bm25": [],
    }
    if pool.abstracts < 1000:
        log.warning(
            "bench: %d abstracts is too few for realistic neighbourhoods at scale; pass --corpus with a few "
            "thousand real abstracts (e.g. a BEIR corpus.jsonl)",
            pool.abstracts,
        )
    proj = multilingual_projection(pool.vectors.shape[1])
    for name in sets:
        for size in sizes:
            make = realistic_vectors if name == "realistic" else stress_vectors
            vecs = make(pool, size, seed=size)
            exact = exact_neighbours(vecs, qtexts, qemb)
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                store = StoredVectors(work / "store.db")
                store.fill(vecs, proj if name == "realistic" else None)
                for kind in kinds:
                    row = {"set": name, **bench_kind(kind, vecs, qtexts, emb, exact, store, adds, qemb)}
                    log.info("bench %s", row)
                    out["search"].append(row)
                if name == "realistic":
                    kind = IndexParams("auto").resolve(size).kind
                    write_serving_indexes(work, vecs, proj, kind)
                    del vecs
                    gc.collect()
                    if bm25:  # built first: the serving process then loads it too (hybrid search's memory)
                        out["bm25"].append(bm25_footprint(work, pool, size, qtexts))
                        log.info("bench bm25 %s", out["bm25"][-1])
                    out["serving"].append({"size": size, **serving_footprint(work, qtexts)})
                    log.info("bench serving %s", out["serving"][-1])
    return out


def run_bench(
    sizes: list[int],
    ingest_papers: int = 384,
    corpus: Path | None = None,
    queries_file: Path | None = None,
    kinds: tuple[str, ...] = KINDS,
    sets: tuple[str, ...] = ("realistic", "stress"),
    bm25: bool = True,
    abstracts: int = 6000,
) -> dict[str, Any]:
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
        **bench_sets(sizes, corpus, queries_file, kinds, sets, bm25, abstracts),
    }
