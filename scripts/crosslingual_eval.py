"""Recall@5 / nDCG@10 of each cross-lingual retrieval approach on a Chinese BEIR-format set.

    .venv/bin/python scripts/crosslingual_eval.py eval/sample-zh [--json]

Approaches, each alone and fused (reciprocal rank fusion, as `paperlens search` does):
  raw-dense      the English model on the Chinese question as is
  latin-bm25     BM25 on the Latin-script words inside the question (model names, acronyms)
  use-dense      the multilingual Universal Sentence Encoder on question and abstracts
  gloss-dense    the English model on the glossary translation (Latin words + glossary terms)
  gloss-bm25     BM25 on the glossary translation
  hybrid-no-use  gloss-dense + gloss-bm25 (multilingual space disabled)
  hybrid         gloss-dense + use-dense + gloss-bm25 (the default)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from index.config import IndexSettings
from index.paperindex import PaperIndex
from index.retrieval.lang import english_query, latin_text
from index.retrieval.search import Retriever, rrf
from lab.evaluate import corpus_records, load_qrels, load_queries, metrics


def _dense(r: Retriever, space: str, vec: np.ndarray, depth: int, allowed: None) -> list[tuple[int, float]]:
    scores, rowids = r.indexes.dense_search(space, vec, depth, allowed)
    return [(int(i), float(s)) for i, s in zip(rowids[0], scores[0], strict=True) if i >= 0]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    qrels = load_qrels(a.dir / "qrels" / "test.tsv")
    queries = load_queries(a.dir / "queries.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        ix = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp), multilingual=True))
        ix.ingest(corpus_records(a.dir / "corpus.jsonl"), a.dir.name)
        k = ix.settings.rrf_k
        sums: dict[str, dict[str, float]] = {}
        for qid, rel in qrels.items():
            q = queries[qid]
            en = english_query(q)
            lists = {
                "raw-dense": _dense(ix.retriever, "dense", ix.embedder.encode([q]), 100, None),
                "latin-bm25": ix.lexical_search(latin_text(q), 100),
                "use-dense": _dense(ix.retriever, "multi", ix.multilingual_embedder.encode([q]), 100, None),
                "gloss-dense": _dense(ix.retriever, "dense", ix.embedder.encode([en]), 100, None),
                "gloss-bm25": ix.lexical_search(en, 100),
            }
            lists["hybrid-no-use"] = rrf([lists["gloss-dense"], lists["gloss-bm25"]], k)
            lists["hybrid"] = rrf([lists["gloss-dense"], lists["use-dense"], lists["gloss-bm25"]], k)
            for name, ranked in lists.items():
                papers = ix.get_by_rowids([r for r, _ in ranked[:10]])
                m = metrics([papers[r].id for r, _ in ranked[:10]], rel)
                acc = sums.setdefault(name, {})
                for key, v in m.items():
                    acc[key] = acc.get(key, 0.0) + v
        ix.close()
    n = len(qrels)
    table = {name: {key: round(v / n, 4) for key, v in m.items()} for name, m in sums.items()}
    if a.json:
        print(json.dumps({"dataset": a.dir.name, "queries": n, "approaches": table}))
        return 0
    print(f"{a.dir.name}: {n} queries")
    print(f"{'approach':<14} {'R@5':>7} {'nDCG@10':>8} {'R@1':>7}")
    for name, m in table.items():
        print(f"{name:<14} {m['recall@5']:>7.4f} {m['ndcg@10']:>8.4f} {m['recall@1']:>7.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
