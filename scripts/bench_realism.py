"""How much the benchmark's vector sets look like real abstracts: with real queries, the similarity of the
1st and 10th neighbour and the near-ties around the 10th, for a corpus's real abstracts embedded whole and
for the realistic and stress sets composed from the same corpus's sentences, at the same size.

    .venv/bin/python scripts/bench_realism.py ../shared/eval/beir/scifact [--dtype float32]
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from index.config import DEFAULT_MODEL
from index.retrieval.encoders import load_embedder
from lab.bench_sets import (
    cached_embeddings,
    neighbourhood,
    realistic_vectors,
    sentence_pool,
    stress_vectors,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("beir_dir", type=Path, help="a BEIR dataset directory (corpus.jsonl, queries.jsonl)")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--queries", type=int, default=300)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    emb = load_embedder(DEFAULT_MODEL, a.dtype)
    corpus = a.beir_dir / "corpus.jsonl"
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    real = cached_embeddings(emb, [f"{r['title']}. {r['text']}" for r in rows], "whole abstracts")
    pool = sentence_pool(emb, corpus, limit=len(rows))
    queries = [json.loads(line)["text"] for line in (a.beir_dir / "queries.jsonl").read_text().splitlines()]
    q = emb.encode(queries[: a.queries])
    n = len(real)
    print(f"{len(q)} real queries; {n} documents each; model {emb.name} ({getattr(emb, 'dtype', '?')})")
    print(f"{'set':<48} {'top-1 sim':>9} {'top-10 sim':>10} {'docs within 0.01 of the 10th':>29}")
    for name, vecs in (
        (f"real abstracts, embedded whole ({a.beir_dir.name})", real),
        ("realistic (composed from their sentences)", realistic_vectors(pool, n, seed=1)),
        ("stress (tight clusters of mixed sentences)", stress_vectors(pool, n, seed=1)),
    ):
        s = neighbourhood(vecs, q)
        print(f"{name:<48} {s['top1']:>9} {s['top10']:>10} {s['ties_within_0.01']:>29}")


if __name__ == "__main__":
    main()
