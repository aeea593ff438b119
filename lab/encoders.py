"""How fast each embedding space encodes real abstracts on this machine, and a whole import with both.

The paths take turns within each round (a burst of other load falls on all of them alike) and each figure is
the median of its rounds. The English space is timed through the path ``auto`` chose on this machine; the
multilingual space through e5's ONNX export (batches, what an import uses), e5's C engine, and the USE v3
encoder it replaced (the baseline). The import is PaperIndex.ingest into an empty data directory with both
spaces, as `paperlens import` runs it.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexSettings
from index.cpu import cpu_info
from index.paperindex import PaperIndex
from lab.evaluate import corpus_records


def _texts(corpus: Path, n: int) -> list[str]:
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [f"{r.get('title', '')}. {r.get('text', '')}" for r in rows[:n]]


def measure_encoders(corpus: Path, n: int = 128, rounds: int = 3) -> dict[str, Any]:
    """Papers per second of each encoder path on the first ``n`` abstracts of ``corpus`` (medians)."""
    from index.retrieval.e5 import E5Embedder
    from index.retrieval.encoders import load_embedder
    from index.retrieval.multilingual import MultilingualEmbedder

    texts = _texts(corpus, n)
    english = load_embedder(IndexSettings(_env_file=None).model, "auto", 64)
    e5 = E5Embedder()
    e5_engine = E5Embedder(batches=False)
    use = MultilingualEmbedder()
    paths: dict[str, Callable[[list[str]], np.ndarray]] = {
        f"english ({getattr(english, 'dtype', 'auto')})": english.encode,
        "e5-small, ONNX int8 (a text per run)": e5.encode,
        "e5-small, C engine": e5_engine.encode,
        "USE v3 (the former multilingual encoder)": use.encode,
    }
    for encode in paths.values():  # warm-up: models load, the export is built, kernels are picked
        encode(texts[:8])
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, encode in paths.items():
            t = time.perf_counter()
            encode(texts)
            times[name].append(time.perf_counter() - t)
    out = {name: round(len(texts) / statistics.median(ts), 2) for name, ts in times.items()}
    onnx, engine = e5.encode(texts[:16]), e5_engine.encode(texts[:16])
    return {
        "abstracts": len(texts),
        "rounds": rounds,
        "papers_per_s": out,
        "e5_onnx_vs_engine_cosine_min": round(float((onnx * engine).sum(axis=1).min()), 4),
    }


def measure_import(corpus: Path, n: int = 128) -> dict[str, Any]:
    """One import of ``n`` abstracts with both spaces into an empty data directory (models loaded first)."""
    records = list(corpus_records(corpus))[:n]
    with tempfile.TemporaryDirectory() as tmp:
        warm = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp) / "warm"))
        warm.ingest(records[:4], "warm-up")  # loads both models and builds the e5 export if needed
        ix = PaperIndex(
            IndexSettings(_env_file=None, data_dir=Path(tmp) / "data"),
            embedder=warm.embedder,
            multilingual_embedder=warm.multilingual_embedder,
        )
        t = time.perf_counter()
        report = ix.ingest(records, "import")
        seconds = time.perf_counter() - t
        ix.close()
        warm.close()
    rate = report.added / seconds
    return {
        "papers": report.added,
        "seconds": round(seconds, 1),
        "papers_per_s": round(rate, 2),
        "hours_for_100000": round(100_000 / rate / 3600, 2),
    }


def run(corpus: Path, n: int, rounds: int) -> dict[str, Any]:
    return {
        "cpu": cpu_info().as_dict(),
        "corpus": str(corpus),
        "encoders": measure_encoders(corpus, n, rounds),
        "import": measure_import(corpus, n),
    }
