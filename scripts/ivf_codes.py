"""Which codes an ivf index should keep: recall@10 against exact search, search time and index size for
each faiss scalar quantiser and number of candidates re-scored exactly, on the benchmark's vector sets.

    .venv/bin/python scripts/ivf_codes.py 1000000 --codes SQ4,SQ8 --set realistic \\
        --corpus ../shared/eval/beir/scifact/corpus.jsonl --queries ../shared/eval/beir/scifact/queries.jsonl

Queries are embedded before the timing (the search alone is timed); candidates are re-scored from a
SQLite table shaped like the store's, as in `paperlens bench`.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.config import DEFAULT_MODEL
from index.cpu import cpu_info
from index.retrieval import vectors
from index.retrieval.encoders import load_embedder
from lab.bench_search import StoredVectors, exact_neighbours, recall
from lab.bench_sets import read_queries, realistic_vectors, sentence_pool, stress_vectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size", type=int)
    ap.add_argument("--codes", default="SQ4,SQ6,SQ8")
    ap.add_argument("--rescore", default="100,200,400")
    ap.add_argument("--set", choices=["realistic", "stress"], default="realistic")
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--queries", type=Path)
    a = ap.parse_args()
    print("CPU:", cpu_info().describe())
    emb = load_embedder(DEFAULT_MODEL, "auto")
    pool = sentence_pool(emb, a.corpus)
    qtexts = read_queries(a.queries, pool)
    vecs = (realistic_vectors if a.set == "realistic" else stress_vectors)(pool, a.size, seed=a.size)
    exact = exact_neighbours(vecs, qtexts, emb)
    qm = np.vstack([emb.encode([t]) for t in qtexts])
    with tempfile.TemporaryDirectory() as tmp:
        store = StoredVectors(Path(tmp) / "store.db")
        store.fill(vecs, None)
        for codes in a.codes.split(","):
            vectors.IVF_CODES = codes
            vi = vectors.VectorIndex(vecs.shape[1], vectors.IndexParams("ivf"))
            t = time.perf_counter()
            vi.expect(len(vecs))
            vi.add(np.arange(1, len(vecs) + 1), ["0" * 16] * len(vecs), vecs)
            build_s = time.perf_counter() - t
            buf = io.BytesIO()
            vi.save(buf, {"model": "bench"})
            for n in (int(x) for x in a.rescore.split(",")):
                vi.params = replace(vi.params, rescore=n)
                lat, got = [], []
                for i in range(len(qm)):
                    t = time.perf_counter()
                    got.append(vi.search(qm[i : i + 1], 10, vectors_of=store)[1][0])
                    lat.append(time.perf_counter() - t)
                print(
                    f"{a.set} {len(vecs)} {codes}, {n} re-scored: recall@10 {recall(np.vstack(got), exact):.4f}, "
                    f"search p50 {statistics.median(lat) * 1000:.2f} ms, index {buf.getbuffer().nbytes / 2**20:.0f} MB, "
                    f"build {build_s:.0f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
