"""Choose the reciprocal-rank-fusion constant on SciFact's TRAIN queries (test shown for reference only).

.venv/bin/python scripts/tune_rrf.py   # needs ../shared/eval/beir/scifact
"""

import tempfile
from pathlib import Path

from index.config import IndexSettings
from index.paperindex import PaperIndex
from lab.evaluate import corpus_records, evaluate_index, load_qrels, load_queries


def main() -> None:
    d = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "beir" / "scifact"
    queries = load_queries(d / "queries.jsonl")
    train, test = load_qrels(d / "qrels/train.tsv"), load_qrels(d / "qrels/test.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        ix = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp), multilingual=False))
        ix.ingest(corpus_records(d / "corpus.jsonl"), "scifact")
        for k in (10, 20, 40, 60, 100):
            ix.settings.rrf_k = k
            tr = evaluate_index(ix, queries, train, ("hybrid",))["hybrid"]
            te = evaluate_index(ix, queries, test, ("hybrid",))["hybrid"]
            print(
                f"rrf_k {k:>3}: train nDCG@10 {tr['ndcg@10']:.4f}  test nDCG@10 {te['ndcg@10']:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
