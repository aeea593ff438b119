"""A PaperLens data directory of N papers for load and one-shot measurements at scale: texts and vectors
composed from a real corpus's embedded sentences (the benchmark's realistic set, :mod:`lab.bench_sets`),
written through the store as an ingest writes them; the indexes are then built by opening it, as a server
would.

The dense vectors are mixes of the sentence embeddings of the very sentences in each text (not the text's
own embedding); the multilingual column holds a fixed projection of them (its memory and cost, not its
quality). For load and latency, not for retrieval quality.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval.embed import Embedder
from index.storage import open_store
from index.storage.rows import Row
from lab.bench_search import multilingual_projection, to_multi
from lab.bench_sets import SentencePool, realistic_texts, realistic_vectors

log = logging.getLogger(__name__)


def write_scale_data_dir(
    data_dir: Path, pool: SentencePool, size: int, emb: Embedder, *, multilingual: bool = True
) -> dict[str, Any]:
    """Fill ``data_dir`` with ``size`` composed papers (ids ``scale:N``), then build and save its indexes.
    Returns the index's stats and how long the store and the indexes took."""
    vecs = realistic_vectors(pool, size, seed=size)
    proj = multilingual_projection(vecs.shape[1])
    settings = IndexSettings(_env_file=None, data_dir=data_dir, multilingual=multilingual)
    store = open_store(settings)
    t = time.perf_counter()
    try:
        for batch in realistic_texts(pool, size, seed=size):
            chunk = vecs[batch[0][0] - 1 : batch[-1][0]]
            multi = to_multi(chunk, proj) if multilingual else None
            rows = []
            for j, (rowid, text) in enumerate(batch):
                title = " ".join(text.split()[:10]).rstrip(".,;:")
                p = Paper(id=f"scale:{rowid}", title=title, abstract=text, topics=("scale",))
                rows.append(Row(p, chunk[j], None if multi is None else multi[j]))
            store.upsert(rows)
            log.info("%d papers written", batch[-1][0])
        store.set_meta("dim_vector", str(vecs.shape[1]))
    finally:
        store.close()
    store_s = time.perf_counter() - t
    log.info("store written in %.0f s; building the indexes", store_s)
    t = time.perf_counter()
    ix = PaperIndex(settings, embedder=emb, check_model=False)
    # The directory has no index files by construction: the repair warnings (file missing, vectors restored
    # from the store) are how the indexes get built here, not news for whoever runs the benchmark.
    derived = logging.getLogger("index.spaces")
    level = derived.level
    derived.setLevel(logging.ERROR)
    try:
        ix.search("warm up", k=1)  # loads and saves every index (vectors restored from the store, BM25 built)
        ix.save()
        stats = ix.stats()
    finally:
        derived.setLevel(level)
        ix.close()
    return {**stats, "store_write_s": round(store_s, 1), "index_build_s": round(time.perf_counter() - t, 1)}
