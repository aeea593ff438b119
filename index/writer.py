"""How papers are written: batches matched to the papers already held, embedded in each space that needs a
vector (two encoders side by side where that pays), committed to the store with their vectors, then added
to the loaded indexes under the write lock. Bad records are counted with their line numbers; the rest land.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from index.dedupe import match_held
from index.models import BadLine, IngestReport, Paper
from index.retrieval.embed import Embedder
from index.sources import Record
from index.spaces import BATCH, Spaces, VectorSpace, space_vectors
from index.storage import PaperStore
from index.storage.rows import Row

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


class BatchWriter:
    """The write path of one data directory: records in, papers and vectors committed together."""

    def __init__(self, store: PaperStore, spaces: Spaces, save_interval_seconds: float) -> None:
        self.store, self.spaces, self.save_interval = store, spaces, save_interval_seconds
        self._pool_lock = threading.Lock()
        self._encode_pool: ThreadPoolExecutor | None = None  # a second space's encoder, beside the first

    def ingest(
        self, records: Iterable[Record], source: str, progress: Progress | None = None
    ) -> IngestReport:
        """Write a stream of records in batches: embed what changed, commit, index, save.

        A re-run of the same input finds everything unchanged and embeds nothing.
        """
        report = IngestReport(source=source)
        for sp in self.spaces:
            sp.fresh()
        batch: dict[str, Paper] = {}
        for _, rec in records:
            if isinstance(rec, BadLine):
                report.bad.append(rec)
                continue
            report.seen += 1
            prev = batch.get(rec.id)
            if prev is not None:
                rec = merge(prev, rec)
            batch[rec.id] = rec
            if len(batch) >= BATCH:
                self._write(list(batch.values()), report, progress)
                batch = {}
        if batch:
            self._write(list(batch.values()), report, progress)
        self.spaces.save()
        log.info("%s", report.summary())
        return report

    def _write(self, papers: list[Paper], report: IngestReport, progress: Progress | None) -> None:
        papers, matched = match_held(self.store, papers)
        report.matched += matched
        existing = self.store.existing([p.id for p in papers])
        need: dict[str, dict[str, np.ndarray]] = {p.id: {} for p in papers}
        work = []
        for sp in self.spaces:
            col = sp.model.column
            todo = []
            for p in papers:
                e = existing.get(p.id)
                has = e is not None and (e.has_vector if col == "vector" else e.has_mvector)
                if e is None or (p.version >= e.version and (e.text_hash != p.text_hash() or not has)):
                    todo.append(p)
            if todo:
                work.append((sp, todo))
        for (sp, todo), vecs in zip(work, self._embed_spaces(work), strict=True):
            for p, v in zip(todo, vecs, strict=True):
                need[p.id][sp.model.column] = v
        with self.spaces.lock.write():
            self._commit(papers, need, report)
        if progress:
            progress(len(papers))
        if time.monotonic() - self.spaces.last_save > self.save_interval:
            self.spaces.save()

    def _embed_spaces(self, work: list[tuple[VectorSpace, list[Paper]]]) -> list[np.ndarray]:
        """Each space's vectors of its papers: side by side on two threads when the two encoders run on
        different engines, neither of them NumPy (see :func:`overlaps`), else one after the other."""
        embedders = [sp.model.embedder() for sp, _ in work]  # loaded here: a model loads on one thread only
        jobs = [
            partial(space_vectors, e, todo, multilingual=sp.model.multilingual)
            for e, (sp, todo) in zip(embedders, work, strict=True)
        ]
        if len(work) < 2 or not overlaps(embedders):
            return [job() for job in jobs]
        with self._pool_lock:
            if self._encode_pool is None:
                self._encode_pool = ThreadPoolExecutor(1, thread_name_prefix="paperlens-embed")
        later = [self._encode_pool.submit(job) for job in jobs[1:]]
        first = jobs[0]()
        return [first, *(f.result() for f in later)]

    def _commit(
        self, papers: list[Paper], need: dict[str, dict[str, np.ndarray]], report: IngestReport
    ) -> None:
        """Store a batch and add its vectors to the loaded indexes (the caller holds the write lock).

        Inside the store's write lock, the batch is matched to held papers again: another process may have
        stored some of them, under other ids, since the match made before embedding. A paper that now
        matches is merged into the held one, whose text and vectors stay.
        """
        with self.store.write_lock():
            papers, matched = match_held(self.store, papers)
            report.matched += matched
            for sp in self.spaces:
                sp.fresh()
            before = self.store.generation
            results = self.store.upsert(
                [Row(p, need.get(p.id, {}).get("vector"), need.get(p.id, {}).get("mvector")) for p in papers]
            )
            after = self.store.generation
        # The count moves by one for a batch that added or updated rows, not at all otherwise.
        ours = 1 if any(o in ("added", "updated") for _, o in results) else 0
        for sp in self.spaces:
            col = sp.model.column
            items = [
                (rid, p) for (rid, _), p in zip(results, papers, strict=True) if col in need.get(p.id, {})
            ]
            vecs = np.vstack([need[p.id][col] for _, p in items]) if items else np.zeros((0, 0), np.float32)
            sp.added([rid for rid, _ in items], [p.text_hash() for _, p in items], vecs, before, after, ours)
        for _, outcome in results:
            setattr(report, outcome, getattr(report, outcome) + 1)

    def close(self) -> None:
        if self._encode_pool is not None:
            self._encode_pool.shutdown(wait=True)


def overlaps(embedders: list[Embedder]) -> bool:
    """Whether encoders gain from running side by side. The multilingual encoder barely uses a second core,
    so beside the English model's ONNX Runtime threads it fills the idle core. Two encoders on one engine
    share its thread pool and gain nothing; beside NumPy, OpenBLAS's spinning threads and the other
    engine's fight for the cores."""
    engines = [getattr(e, "engine", "?") for e in embedders]
    return len(set(engines)) == len(engines) and not {"numpy", "?"} & set(engines)


def merge(a: Paper, b: Paper) -> Paper:
    """Two records of one paper in a batch: keep the newer version, union the topics."""
    newer = b if b.version >= a.version else a
    topics = tuple(dict.fromkeys(a.topics + b.topics))
    return newer.model_copy(update={"topics": topics})
