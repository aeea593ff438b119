"""BM25 build cost, bm25s's own index() against PaperLens's batched build, each in a fresh process, on N
abstracts composed from a corpus's real sentences (the benchmark's realistic texts).

    .venv/bin/python scripts/bm25_memory.py 1000000 --corpus ../shared/eval/beir/scifact/corpus.jsonl

Prints build seconds, the memory the built index holds, and the process's peak (VmHWM) for each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def child(way: str, n: int, corpus: str | None) -> None:
    import bm25s

    from index.retrieval.lexical import LexicalIndex, tokenize
    from lab.bench_search import rss_mb
    from lab.bench_sets import SentencePool, abstract_sentences, realistic_texts

    _, texts, counts = abstract_sentences(Path(corpus) if corpus else None, 6000)
    cnt = np.asarray(counts)
    starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    neighbours = np.random.default_rng(0).integers(0, len(cnt), (len(cnt), 10))  # texts only: no vectors
    pool = SentencePool("corpus", texts, np.zeros((0, 1), np.float32), starts, cnt, neighbours)
    before = rss_mb()
    t = time.perf_counter()
    if way == "bm25s":
        tokens: list[list[str]] = []
        for batch in realistic_texts(pool, n):
            tokens.extend(tokenize([x for _, x in batch]))
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        del tokens
    else:
        model = LexicalIndex.build(realistic_texts(pool, n), generation=1)
    out = {
        "build": way,
        "papers": n,
        "build_s": round(time.perf_counter() - t, 1),
        "held_mb": round(rss_mb() - before),
        "peak_mb": round(rss_mb("VmHWM")),
    }
    sys.stdout.write(json.dumps(out) + "\n")
    del model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("papers", type=int)
    ap.add_argument("--corpus", help="JSONL of real abstracts (default: the bundled sample corpus)")
    a = ap.parse_args()
    for way in ("bm25s", "batched"):
        code = f"from scripts.bm25_memory import child; child({way!r}, {a.papers}, {a.corpus!r})"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
