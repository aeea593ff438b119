"""Concurrent ingest and searches on one PaperIndex, in a process of its own (a crash must fail the test
that runs it, not take pytest down with it).

    python -m tests.helpers.race_search DATA_DIR [BASE] [EXTRA] [READERS] [DIM]

One thread ingests EXTRA papers (in the index's own batches of 256, each an ``add`` that can reallocate
the vector storage) while READERS threads search (mostly dense, some hybrid and similar) as fast as they can. Wide vectors (DIM, default 1536) make the storage large enough that each growth
of it is a fresh mapping and the old one is unmapped, so a search still reading it crashes. Every hit must be a stored paper with a finite score. Prints one JSON line with the
counts; exits 1 on any reader or writer error (and dies with SIGSEGV where the index is not safe).
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from pathlib import Path

from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from tests.helpers.fakes import HashEmbedder

WORDS = [
    "nerf",
    "gaussian",
    "splatting",
    "registration",
    "segmentation",
    "medical",
    "mamba",
    "rain",
    "depth",
    "pose",
    "mesh",
]


def papers(start: int, n: int) -> list[tuple[int, Paper]]:
    out = []
    for i in range(start, start + n):
        words = " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(12))
        out.append((i, Paper(id=f"race:{i}", title=f"Paper {i} on {WORDS[i % len(WORDS)]}", abstract=words)))
    return out


def main() -> int:
    data = Path(sys.argv[1])
    base = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    extra = int(sys.argv[3]) if len(sys.argv) > 3 else 30_000
    readers = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    dim = int(sys.argv[5]) if len(sys.argv) > 5 else 1536
    settings = IndexSettings(_env_file=None, data_dir=data, multilingual=False)
    ix = PaperIndex(settings, embedder=HashEmbedder(dim))
    ix.ingest(papers(0, base), "base")
    stop = threading.Event()
    errors: list[str] = []
    counts = {"searches": 0, "hits": 0}
    lock = threading.Lock()

    todo = papers(base, extra)  # built before the race: the writer spends its time in the index

    def writer() -> None:
        try:
            ix.ingest(todo, "extra")
        except Exception as e:  # reported, and the run fails
            errors.append(f"writer: {type(e).__name__}: {e}")
        finally:
            stop.set()

    def reader(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                q = f"{WORDS[(n + i) % len(WORDS)]} {WORDS[i % len(WORDS)]}"
                if i % 7 == 0:
                    hits = ix.similar(f"race:{i % base}", k=5)
                else:
                    hits = ix.search(q, k=10, mode="hybrid" if i % 10 == 0 else "dense")
                for h in hits:
                    if not math.isfinite(h.score) or not h.paper.id.startswith("race:"):
                        errors.append(f"reader {n}: bad hit {h.paper.id} {h.score}")
                with lock:
                    counts["searches"] += 1
                    counts["hits"] += len(hits)
            except Exception as e:
                errors.append(f"reader {n}: {type(e).__name__}: {e}")
                return

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader, args=(n,)) for n in range(readers)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = ix.check()
    ix.close()
    print(
        json.dumps(
            {
                **counts,
                "seconds": round(time.perf_counter() - t0, 1),
                "errors": errors[:5],
                "papers": state["papers"],
                "agree": state["dense"]["agree"],
            }
        )
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
