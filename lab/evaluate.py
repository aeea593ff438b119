"""Retrieval evaluation on BEIR-format datasets: nDCG@10, recall@1/5/10, MRR@10 per search mode.

The corpus is imported into a temporary data directory through PaperLens's own import path, so the
figures measure what users get.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from index.config import IndexSettings
from index.cpu import cpu_info
from index.errors import ImportFormatError
from index.models import BadLine, Paper, SearchMode
from index.paperindex import PaperIndex
from index.retrieval.encoders import document_path
from index.sources import Record

log = logging.getLogger(__name__)

MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
# A progress display: progress(description, total) gives an advance(n) callable (the CLI's draws a bar).
ProgressFactory = Callable[[str, int | None], AbstractContextManager[Callable[[int], None]]]


@contextmanager
def no_progress(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().strip().split("\t")
        if header[:2] != ["query-id", "corpus-id"]:
            raise ImportFormatError(f"{path}: expected a header 'query-id corpus-id score'")
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and int(parts[2]) > 0:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def load_queries(path: Path) -> dict[str, str]:
    out = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                out[str(obj["_id"])] = obj["text"]
    return out


def corpus_records(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text = " ".join(str(obj.get("text") or "").split())
                title = " ".join(str(obj.get("title") or "").split()) or text[:80]
                yield n, Paper(id=str(obj["_id"]), title=title, abstract=text or title, source="beir")
            except (ValueError, KeyError) as e:
                yield n, BadLine(line=n, reason=str(e))


def metrics(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """Per-query nDCG@10, recall@1/5/10 and MRR@10 (binary or graded relevance)."""
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    rel = set(relevant)
    rr = next((1.0 / (i + 1) for i, d in enumerate(ranked[:10]) if d in rel), 0.0)
    out = {"ndcg@10": dcg / idcg if idcg else 0.0, "mrr@10": rr}
    for k in (1, 5, 10):
        out[f"recall@{k}"] = len(rel & set(ranked[:k])) / len(rel)
    return out


def evaluate_index(
    index: PaperIndex,
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    modes: tuple[SearchMode, ...],
    progress: ProgressFactory = no_progress,
) -> dict[str, dict[str, float]]:
    """Mean metrics per mode over the queries that have judgements."""
    results: dict[str, dict[str, float]] = {}
    qids = [q for q in qrels if q in queries]
    for mode in modes:
        sums: dict[str, float] = {}
        with progress(f"queries ({mode})", len(qids)) as advance:
            for qid in qids:
                hits = index.search(queries[qid], k=10, mode=mode)
                for name, v in metrics([h.paper.id for h in hits], qrels[qid]).items():
                    sums[name] = sums.get(name, 0.0) + v
                advance(1)
        results[mode] = {name: round(v / max(1, len(qids)), 4) for name, v in sums.items()}
        results[mode]["queries"] = len(qids)
    return results


def run_eval(
    directory: Path,
    modes: tuple[SearchMode, ...] = MODES,
    split: str = "test",
    progress: ProgressFactory = no_progress,
    **overrides: Any,
) -> dict[str, Any]:
    """Import a BEIR dataset into a temporary index and score each mode."""
    d = Path(directory)
    for need in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (d / need).exists():
            raise ImportFormatError(f"{d} is not a BEIR dataset: {need} is missing")
    qrels = load_qrels(d / "qrels" / f"{split}.tsv")
    queries = load_queries(d / "queries.jsonl")
    with tempfile.TemporaryDirectory(prefix="paperlens-eval-") as tmp:
        settings = IndexSettings(_env_file=None, **{**overrides, "data_dir": Path(tmp)})
        ix = PaperIndex(settings)
        try:
            with progress(f"import {d.name}", None) as advance:
                report = ix.ingest(corpus_records(d / "corpus.jsonl"), d.name, advance)
            scores = evaluate_index(ix, queries, qrels, modes, progress)
            dtype = document_path(ix.embedder)
            query_dtype = ix.encoders.query_path()
        finally:
            ix.close()
    return {
        "dataset": d.name,
        "documents": report.added + report.updated + report.unchanged,
        "model": settings.model,
        "dtype": dtype,
        "query_dtype": query_dtype,
        "multilingual": settings.multilingual,
        "cpu": cpu_info().as_dict(),
        "modes": scores,
    }
