"""A PaperLens data directory of N papers for load tests at scale (:mod:`lab.bench_scale`): texts and
vectors composed from a real corpus's embedded sentences, written through the store, indexes built.

    .venv/bin/python scripts/make_scale_index.py DIR --size 100000 --corpus ../shared/eval/beir/scifact/corpus.jsonl

For load and latency, not for retrieval quality (the vectors are mixes of sentence embeddings).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from index.config import DEFAULT_MODEL
from index.retrieval.encoders import load_embedder
from lab.bench_scale import write_scale_data_dir
from lab.bench_sets import sentence_pool


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--corpus", type=Path, help="JSONL of real abstracts (default: the bundled sample)")
    ap.add_argument("--no-multilingual", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    emb = load_embedder(DEFAULT_MODEL, "auto")
    pool = sentence_pool(emb, a.corpus)
    print(write_scale_data_dir(a.data_dir, pool, a.size, emb, multilingual=not a.no_multilingual))


if __name__ == "__main__":
    main()
