"""Performance benchmark: ingest on synthetic abstracts; search on vector sets built from real embedded
sentences (:mod:`index.bench_sets`, :mod:`index.bench_search`).

Every figure is a median over repeats, and throughput is reported as a ratio to raw
sentence-transformers ``encode`` in float32 measured in the same run, so the numbers travel between
machines better than absolute ones.
"""

from __future__ import annotations

import gc
import json
import logging
import random
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from index.bench_search import (
    KINDS,
    StoredVectors,
    bench_kind,
    bm25_footprint,
    exact_neighbours,
    multilingual_projection,
    query_encoder,
    serving_footprint,
    write_serving_indexes,
)
from index.bench_sets import read_queries, realistic_vectors, sentence_pool, stress_vectors
from index.config import IndexSettings
from index.cpu import cpu_info
from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval.embed import SentenceTransformerEmbedder
from index.retrieval.vectors import IndexParams

log = logging.getLogger(__name__)


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
            cpu_info().describe(),
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
    emb = SentenceTransformerEmbedder(dtype="auto")
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
