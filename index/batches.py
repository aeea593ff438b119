"""How PaperIndex writes a batch of papers: which spaces need vectors, embedding them (two encoders side
by side where that pays), and the commit to the store and the loaded indexes under the write lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from index.dedupe import match_held
from index.derived import DerivedIndexes, Space, space_vectors
from index.models import IngestReport, Paper
from index.retrieval.embed import Embedder
from index.storage.rows import Row

Progress = Callable[[int], None]


class BatchWriter(DerivedIndexes):
    """The write path behind :meth:`PaperIndex.ingest` (PaperIndex's base)."""

    _model_lock: threading.Lock
    _encode_pool: ThreadPoolExecutor | None

    def _write(self, papers: list[Paper], report: IngestReport, progress: Progress | None) -> None:
        papers, matched = match_held(self.store, papers)
        report.matched += matched
        existing = self.store.existing([p.id for p in papers])
        need: dict[str, dict[str, np.ndarray]] = {p.id: {} for p in papers}
        work = []
        for sp in self._spaces.values():
            todo = []
            for p in papers:
                e = existing.get(p.id)
                has = e is not None and (e.has_vector if sp.column == "vector" else e.has_mvector)
                if e is None or (p.version >= e.version and (e.text_hash != p.text_hash() or not has)):
                    todo.append(p)
            if todo:
                work.append((sp, todo))
        for (sp, todo), vecs in zip(work, self._embed_spaces(work), strict=True):
            for p, v in zip(todo, vecs, strict=True):
                need[p.id][sp.column] = v
        with self._lock.write():
            self._commit(papers, need, report)
        if progress:
            progress(len(papers))
        if time.monotonic() - self._last_save > self.settings.save_interval_seconds:
            self.save()

    def _embed_spaces(self, work: list[tuple[Space, list[Paper]]]) -> list[np.ndarray]:
        """Each space's vectors of its papers: side by side on two threads when the two encoders run on
        different engines, neither of them NumPy (see :func:`overlaps`), else one after the other."""
        embedders = [sp.embedder() for sp, _ in work]  # loaded here: a model loads on one thread only
        jobs = [
            partial(space_vectors, e, todo, multilingual=sp.column != "vector")
            for e, (sp, todo) in zip(embedders, work, strict=True)
        ]
        if len(work) < 2 or not overlaps(embedders):
            return [job() for job in jobs]
        with self._model_lock:
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
            for name in self._spaces:
                self._fresh(name)
            before = self.store.generation
            results = self.store.upsert(
                [Row(p, need.get(p.id, {}).get("vector"), need.get(p.id, {}).get("mvector")) for p in papers]
            )
            after = self.store.generation
        for sp in self._spaces.values():
            vi = sp.index
            assert vi is not None
            items = [
                (rid, p)
                for (rid, _), p in zip(results, papers, strict=True)
                if sp.column in need.get(p.id, {})
            ]
            if items:
                vi.add(
                    [rid for rid, _ in items],
                    [p.text_hash() for _, p in items],
                    np.vstack([need[p.id][sp.column] for _, p in items]),
                )
            # In sync only if the count moved by our own bump (added/updated rows bump it) or not at all: a +1
            # after rows all "unchanged" may be another process's write (a race test caught one), so -1.
            ours = 1 if any(o in ("added", "updated") for _, o in results) else 0
            vi.generation = after if vi.generation == before and after - before == ours else -1
        for _, outcome in results:
            setattr(report, outcome, getattr(report, outcome) + 1)


def overlaps(embedders: list[Embedder]) -> bool:
    """Whether encoders gain from running side by side. The multilingual encoder barely uses a second core
    (256 abstracts: 1.09 s on one torch thread, 1.17 s on two), so beside the English model's ONNX Runtime
    threads it fills the idle core: 48.8 -> 57.6 papers/s (Zen 5, int8 + bfloat16 torch). Two encoders on
    one engine share its thread pool and gain nothing (torch bfloat16 twice: 51.5 -> 51.3); beside NumPy,
    OpenBLAS's spinning threads and the other engine's fight for the cores (int8 + NumPy: 51.2 -> 36.3)."""
    engines = [getattr(e, "engine", "?") for e in embedders]
    return len(set(engines)) == len(engines) and not {"numpy", "?"} & set(engines)


def merge(a: Paper, b: Paper) -> Paper:
    """Two records of one paper in a batch: keep the newer version, union the topics."""
    newer = b if b.version >= a.version else a
    topics = tuple(dict.fromkeys(a.topics + b.topics))
    return newer.model_copy(update={"topics": topics})
