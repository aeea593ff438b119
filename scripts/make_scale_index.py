"""A PaperLens data directory of N papers for load tests at scale: texts and vectors composed from a real
corpus's embedded sentences (the benchmark's realistic set, :mod:`index.bench_sets`), written through the
store as an ingest writes them; the indexes are then built by opening it, as a server would.

    .venv/bin/python scripts/make_scale_index.py DIR --size 100000 --corpus ../shared/eval/beir/scifact/corpus.jsonl

The dense vectors are mixes of the sentence embeddings of the very sentences in each text (not the text's
own embedding); the multilingual column holds a fixed projection of them (its memory and cost, not its
quality). For load and latency, not for retrieval quality.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from index.bench_search import multilingual_projection, to_multi
from index.bench_sets import realistic_texts, realistic_vectors, sentence_pool
from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval.embed import SentenceTransformerEmbedder
from index.storage import open_store
from index.storage.rows import Row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--corpus", type=Path, help="JSONL of real abstracts (default: the bundled sample)")
    ap.add_argument("--no-multilingual", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    emb = SentenceTransformerEmbedder(dtype="auto")
    pool = sentence_pool(emb, a.corpus)
    vecs = realistic_vectors(pool, a.size, seed=a.size)
    proj = multilingual_projection(vecs.shape[1])
    settings = IndexSettings(_env_file=None, data_dir=a.data_dir, multilingual=not a.no_multilingual)
    store = open_store(settings)
    t = time.perf_counter()
    for batch in realistic_texts(pool, a.size, seed=a.size):
        rows = []
        chunk = vecs[batch[0][0] - 1 : batch[-1][0]]
        multi = None if a.no_multilingual else to_multi(chunk, proj)
        for (rowid, text), j in zip(batch, range(len(batch)), strict=True):
            title = " ".join(text.split()[:10]).rstrip(".,;:")
            p = Paper(id=f"scale:{rowid}", title=title, abstract=text, topics=("scale",))
            rows.append(Row(p, chunk[j], None if multi is None else multi[j]))
        store.upsert(rows)
        logging.info("%d papers written", batch[-1][0])
    store.set_meta("dim_vector", str(vecs.shape[1]))
    store.close()
    logging.info("store written in %.0f s; building the indexes", time.perf_counter() - t)
    ix = PaperIndex(settings, embedder=emb, check_model=False)
    ix.search("warm up", k=1)  # loads and saves every index (vectors restored from the store, BM25 built)
    ix.save()
    print(ix.stats())
    ix.close()


if __name__ == "__main__":
    main()
