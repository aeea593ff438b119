"""Micro-batching of query embeddings: queries that arrive together are embedded together.

A server answers concurrent searches on a few threads; each used to run the encoder for one short query,
paying the model's per-call overhead every time and contending for the same 2 cores. Here the first
caller embeds its query at once (no added wait), and every query that arrives while the encoder is busy
joins the next batch. After its batch a thread hands the lead to the
oldest waiting query's thread, so nobody serves other callers' batches after its own query is done. A
single-threaded caller (the CLI) sees no difference; a batch of texts (an ingest) passes straight through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.retrieval.embed import Embedder


@dataclass
class _Request:
    text: str
    done: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEncoder:
    """Wraps whichever encoder ``current()`` returns at call time (it can change: ONNX, then torch)."""

    def __init__(self, current: Callable[[], Embedder], max_batch: int = 32) -> None:
        self._current = current
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Request] = []
        self._running = False
        self.batches = 0  # how many encoder calls served single queries (for tests and metrics)
        self.queries = 0

    @property
    def dim(self) -> int:
        return self._current().dim

    @property
    def name(self) -> str:
        return self._current().name

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if len(texts) != 1:
            return self._current().encode(texts, progress=progress)
        req = _Request(texts[0])
        with self._lock:
            self._pending.append(req)
            lead = not self._running
            self._running = True
        if lead:
            self._run_batch()
        while True:
            req.done.wait()
            if req.vector is not None or req.error is not None:
                break
            req.done.clear()  # promoted: this thread runs the next batch (its own query is in it)
            self._run_batch()
        if req.error is not None:
            raise req.error
        assert req.vector is not None
        return req.vector[None, :]

    def _run_batch(self) -> None:
        """Embed up to max_batch pending queries, then hand the lead to the oldest query still waiting
        (so no thread serves other callers' batches after its own query is done)."""
        with self._lock:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
        try:
            vecs = self._current().encode([r.text for r in batch])
            for r, v in zip(batch, vecs, strict=True):
                r.vector = v
        except BaseException as e:  # every waiter gets the error, none waits forever
            for r in batch:
                r.error = e
        finally:
            self.batches += 1
            self.queries += len(batch)
            for r in batch:
                r.done.set()
            with self._lock:
                if self._pending:
                    self._pending[0].done.set()  # no vector yet: it wakes as the next leader
                else:
                    self._running = False
