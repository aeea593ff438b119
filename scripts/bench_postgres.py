"""The PostgreSQL backend at scale, beside exact search: store write rate (papers and vectors through the
store's upsert, in ingest-sized batches, the HNSW index maintained as it goes), search p50/p95 through
pgvector's HNSW index (query embedding included) for each ``--ef-search``, and recall@10 against exact
search.

    .venv/bin/python scripts/bench_postgres.py --size 100000 --corpus ../shared/eval/beir/scifact/corpus.jsonl \
        --queries ../shared/eval/beir/scifact/queries.jsonl

A real PostgreSQL 16 + pgvector is started in a temporary directory (the `pgserver` package, as the tests
do). Papers and vectors are the benchmark's realistic set (:mod:`lab.bench_sets`); the English space only.

``--bulk`` is how an operator loads all of arXiv once: the papers are written through the store with the
HNSW index dropped, the index is built once (``CREATE INDEX``), and then ``--then`` more papers are written
the ordinary way, the index maintained: the write rate a daily ingest sees at that size.
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

from index.config import DEFAULT_MODEL, IndexSettings
from index.models import Paper
from index.retrieval.encoders import load_embedder
from index.storage import open_store
from index.storage.rows import Row
from lab.bench_search import exact_neighbours, query_encoder, recall
from lab.bench_sets import read_queries, realistic_texts, realistic_vectors, sentence_pool

BATCH = 256  # papers per ingest transaction (index.spaces.BATCH)


def write(store: Any, pool: Any, vecs: np.ndarray, n: int, first: int = 1) -> float:
    """Write ``n`` composed papers (ids scale:first...) through the store in ingest-sized batches; seconds."""
    t0 = time.perf_counter()
    rows: list[Row] = []
    for batch in realistic_texts(pool, n, seed=n):
        for rowid, text in batch:
            p = Paper(id=f"scale:{first + rowid - 1}", title=" ".join(text.split()[:10]), abstract=text)
            rows.append(Row(p, vecs[rowid - 1], None))
            if len(rows) == BATCH:
                store.upsert(rows)
                rows = []
        if batch[-1][0] % 50_000 < len(batch):
            logging.info("%d papers, %.0f papers/s", batch[-1][0], batch[-1][0] / (time.perf_counter() - t0))
    if rows:
        store.upsert(rows)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--queries", type=Path)
    ap.add_argument("--ef-search", default="256", help="HNSW ef_search values to measure, comma-separated")
    ap.add_argument("--bulk", action="store_true", help="load without the HNSW index, then build it once")
    ap.add_argument(
        "--then", type=int, default=2000, help="with --bulk: papers written after, index maintained"
    )
    ap.add_argument(
        "--maintenance-mem", default="2GB", help="with --bulk: maintenance_work_mem for the build"
    )
    ap.add_argument("--m", type=int, help="with --bulk: build the HNSW index with this m (the store's: 16)")
    ap.add_argument(
        "--ef-construction", type=int, help="with --bulk: and this ef_construction (the store's: 64)"
    )
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    import pgserver

    emb = load_embedder(DEFAULT_MODEL, "auto")
    pool = sentence_pool(emb, a.corpus)
    qtexts = read_queries(a.queries, pool)
    vecs = realistic_vectors(pool, a.size, seed=a.size)
    qemb = query_encoder(emb)  # queries embedded as PaperLens embeds them (the model's ONNX export)
    exact = exact_neighbours(vecs, qtexts, qemb)
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
            extra: dict[str, Any] = {}
            if a.bulk:
                store._db.execute("DROP INDEX papers_vector_hnsw")
            write_s = write(store, pool, vecs, a.size)
            if a.bulk:
                t = time.perf_counter()
                store._db.execute(f"SET maintenance_work_mem = '{a.maintenance_mem}'")
                store._db.execute("SET max_parallel_maintenance_workers = 1")  # 2 cores: leader + 1 worker
                if a.m or a.ef_construction:  # another graph than the store's own, to compare
                    store._db.execute(
                        "CREATE INDEX papers_vector_hnsw ON papers USING hnsw (vector vector_ip_ops) "
                        f"WITH (m = {a.m or 16}, ef_construction = {a.ef_construction or 64})"
                    )
                store.prepare_vectors("vector", vecs.shape[1])  # CREATE INDEX over every row
                extra["index_build_s"] = round(time.perf_counter() - t, 1)
                logging.info("HNSW index built in %.0f s", extra["index_build_s"])
            ids_of = dict(store.query("SELECT rowid, id FROM papers"))  # rowid -> "scale:N"
            searches = []
            for ef in (int(x) for x in a.ef_search.split(",")):
                lat, got = [], []
                for q in qtexts:
                    t = time.perf_counter()
                    _, rowids = store.dense_search("vector", qemb.encode([q]), 10, None, ef)
                    lat.append((time.perf_counter() - t) * 1000)
                    got.append([int(ids_of[r].split(":")[1]) if r in ids_of else -1 for r in rowids[0]])
                lat.sort()
                searches.append(
                    {
                        "ef_search": ef,
                        "p50_ms": round(statistics.median(lat), 2),
                        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 2),
                        "recall@10_vs_exact": round(recall(np.asarray(got), exact), 4),
                    }
                )
                logging.info("search %s", searches[-1])
            size_mb = store.query("SELECT pg_database_size(current_database())")[0][0] / 2**20
            if a.bulk:  # after the searches, so recall is over the set exact search saw
                more = realistic_vectors(pool, a.then, seed=a.then)
                then_s = write(store, pool, more, a.then, first=a.size + 1)
                extra["then_papers"] = a.then
                extra["then_papers_per_s"] = round(a.then / then_s, 1)
            store.close()
        finally:
            srv.cleanup()
    out = {
        "size": a.size,
        "bulk": a.bulk,
        "m": a.m or 16,
        "ef_construction": a.ef_construction or 64,
        "store_write_papers_per_s": round(a.size / write_s, 1),
        "write_s": round(write_s, 1),
        **extra,
        "search": searches,
        "database_mb": round(size_mb, 1),
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
