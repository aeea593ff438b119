"""PostgreSQL full-text search vs PaperLens's in-process BM25, on a BEIR dataset (the postgres backend's choice).

    .venv/bin/python scripts/fts_vs_bm25.py ../shared/eval/beir/scifact

Starts a throwaway PostgreSQL (pgserver), loads title + text into a tsvector column with a GIN index,
and ranks each query with ts_rank_cd over an OR of its lexemes (plainto_tsquery would AND them and find
almost nothing for sentence-long queries). BM25 is PaperLens's own lexical index on the same documents.
Reports nDCG@10 and recall@10 for both, and the median query time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from index.retrieval.lexical import LexicalIndex
from lab.evaluate import load_qrels, load_queries, metrics


def main() -> int:
    import pgserver
    import psycopg

    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    a = ap.parse_args()
    docs = [json.loads(x) for x in (a.dir / "corpus.jsonl").open(encoding="utf-8")]
    queries, qrels = load_queries(a.dir / "queries.jsonl"), load_qrels(a.dir / "qrels" / "test.tsv")
    ids = [str(d["_id"]) for d in docs]
    texts = [f"{d.get('title', '')}. {d.get('text', '')}" for d in docs]

    lex = LexicalIndex.build([list(enumerate(texts, start=1))], 0)
    results: dict[str, dict[str, list[float]]] = {"bm25 (in process)": {}, "postgres fts": {}}

    srv = pgserver.get_server(tempfile.mkdtemp(), cleanup_mode="stop")
    try:
        with psycopg.connect(srv.get_uri(), autocommit=True) as db:
            db.execute("CREATE TABLE docs (rowid INT PRIMARY KEY, body TEXT, tsv tsvector)")
            with db.cursor().copy("COPY docs (rowid, body) FROM STDIN") as cp:
                for i, t in enumerate(texts, start=1):
                    cp.write_row((i, t))
            db.execute("UPDATE docs SET tsv = to_tsvector('english', body)")
            db.execute("CREATE INDEX ON docs USING gin (tsv)")
            for qid, rel in qrels.items():
                q = queries[qid]
                t = time.perf_counter()
                bm = [ids[r - 1] for r, _ in lex.search(q, 10)]
                t_bm = time.perf_counter() - t
                t = time.perf_counter()
                rows = (
                    db.execute(
                        "WITH q AS (SELECT replace(plainto_tsquery('english', %s)::text, '&', '|')::tsquery AS tq) "
                        "SELECT rowid FROM docs, q WHERE tsv @@ q.tq ORDER BY ts_rank_cd(tsv, q.tq) DESC LIMIT 10",
                        (q,),
                    ).fetchall()
                    if q.strip()
                    else []
                )
                t_fts = time.perf_counter() - t
                fts = [ids[r[0] - 1] for r in rows]
                for name, ranked, secs in (("bm25 (in process)", bm, t_bm), ("postgres fts", fts, t_fts)):
                    m = metrics(ranked, rel)
                    acc = results[name]
                    acc.setdefault("ndcg@10", []).append(m["ndcg@10"])
                    acc.setdefault("recall@10", []).append(m["recall@10"])
                    acc.setdefault("ms", []).append(secs * 1000)
    finally:
        srv.cleanup()
    for name, acc in results.items():
        print(
            f"{name:<18} nDCG@10 {statistics.mean(acc['ndcg@10']):.4f}  recall@10 {statistics.mean(acc['recall@10']):.4f}"
            f"  median query {statistics.median(acc['ms']):.2f} ms  ({len(acc['ms'])} queries)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
