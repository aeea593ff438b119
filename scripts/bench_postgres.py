"""The PostgreSQL backend at scale, beside exact search: store write rate (papers and vectors through the
store's upsert, in ingest-sized batches, the HNSW index maintained as it goes), search p50/p95 through
pgvector's HNSW index (query embedding included), and recall@10 against exact search.

    .venv/bin/python scripts/bench_postgres.py --size 100000 --corpus ../shared/eval/beir/scifact/corpus.jsonl \
        --queries ../shared/eval/beir/scifact/queries.jsonl

A real PostgreSQL 16 + pgvector is started in a temporary directory (the `pgserver` package, as the tests
do). Papers and vectors are the benchmark's realistic set (:mod:`index.bench_sets`); the English space only.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr

from index.bench_search import exact_neighbours, recall
from index.bench_sets import read_queries, realistic_texts, realistic_vectors, sentence_pool
from index.config import IndexSettings
from index.models import Paper
from index.retrieval.embed import SentenceTransformerEmbedder
from index.storage import open_store
from index.storage.rows import Row

BATCH = 256  # papers per ingest transaction (index.derived.BATCH)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--queries", type=Path)
    ap.add_argument("--ef-search", type=int, default=256)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    import pgserver

    emb = SentenceTransformerEmbedder(dtype="auto")
    pool = sentence_pool(emb, a.corpus)
    qtexts = read_queries(a.queries, pool)
    vecs = realistic_vectors(pool, a.size, seed=a.size)
    exact = exact_neighbours(vecs, qtexts, emb)
    with tempfile.TemporaryDirectory(prefix="paperlens-pgbench-") as tmp:
        srv = pgserver.get_server(tmp, cleanup_mode="stop")  # type: ignore[attr-defined]
        try:
            settings = IndexSettings(
                _env_file=None,
                data_dir=Path(tmp) / "data",
                backend="postgres",
                database_url=SecretStr(srv.get_uri()),
                multilingual=False,
            )
            store: Any = open_store(settings)  # the PostgreSQL store: its SQL helpers too
            store.prepare_vectors("vector", vecs.shape[1])
            t0 = time.perf_counter()
            rows: list[Row] = []
            for batch in realistic_texts(pool, a.size, seed=a.size):
                for rowid, text in batch:
                    p = Paper(id=f"scale:{rowid}", title=" ".join(text.split()[:10]), abstract=text)
                    rows.append(Row(p, vecs[rowid - 1], None))
                    if len(rows) == BATCH:
                        store.upsert(rows)
                        rows = []
                if batch[-1][0] % 50_000 < len(batch):
                    logging.info("%d papers, %.0f papers/s", batch[-1][0], batch[-1][0] / (time.perf_counter() - t0))
            if rows:
                store.upsert(rows)
            write_s = time.perf_counter() - t0
            ids_of = dict(store.query("SELECT rowid, id FROM papers"))  # rowid -> "scale:N"
            lat, got = [], []
            for q in qtexts:
                t = time.perf_counter()
                _, rowids = store.dense_search("vector", emb.encode([q]), 10, None, a.ef_search)
                lat.append((time.perf_counter() - t) * 1000)
                got.append([int(ids_of[r].split(":")[1]) if r in ids_of else -1 for r in rowids[0]])
            size_mb = store.query("SELECT pg_database_size(current_database())")[0][0] / 2**20
            store.close()
        finally:
            srv.cleanup()
    lat.sort()
    out = {
        "size": a.size,
        "store_write_papers_per_s": round(a.size / write_s, 1),
        "write_s": round(write_s, 1),
        "p50_ms": round(statistics.median(lat), 2),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 2),
        "recall@10_vs_exact": round(recall(np.asarray(got), exact), 4),
        "ef_search": a.ef_search,
        "database_mb": round(size_mb, 1),
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
