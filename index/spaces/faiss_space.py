"""An embedding space in a FAISS index file beside an embedded store.

The file is derived: it records the store generation it matches, and on load any disagreement with the
store is repaired (stray vectors removed, missing ones restored from the store or re-embedded) and logged.
A repair found by a search is kept in memory and written by the next save, never by the search itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.retrieval.exact import VectorSource
from index.retrieval.vectors import TRAIN_PER_LIST, CorruptIndexError, IndexParams, VectorIndex, nlist_for
from index.rwlock import RWLock
from index.spaces.model import SpaceModel, StoredVectors
from index.storage import PaperStore

log = logging.getLogger(__name__)

RESTORE_CHUNK = 100_000  # stored vectors read back into an index at a time


class FaissSpace:
    """One embedding space as a FAISS index (flat, HNSW or ivf) saved atomically beside the store."""

    def __init__(self, model: SpaceModel, store: PaperStore, params: IndexParams, lock: RWLock) -> None:
        self.model, self.store, self.params, self._lock = model, store, params, lock
        self.stored = StoredVectors(store, model)
        self.index: VectorIndex | None = None
        self._dirty = False  # the index in memory is newer than its file
        self._save_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self.index is not None

    @property
    def kind(self) -> str:
        return self._current().kind

    def _current(self) -> VectorIndex:
        self.fresh()
        assert self.index is not None
        return self.index

    def fresh(self) -> None:
        vi = self.index
        if vi is not None and vi.generation == self.store.generation:
            return
        with self._lock.write():
            if self.index is None:
                self.index = self._load()
            elif self.index.generation != self.store.generation:
                log.info("the store changed outside this process; catching the %s index up", self.model.name)
                self._reconcile(self.index)

    def dim(self) -> int:
        return self._current().dim

    def count(self) -> int:
        self.fresh()
        with self._lock.read():
            assert self.index is not None
            return len(self.index)

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        self.fresh()
        with self._lock.read():  # the index is read under the lock: a rebuild may have replaced it meanwhile
            vi = self.index
            assert vi is not None
            return vi.search(queries, k, allowed, self._source(vi.dim))

    def _source(self, dim: int) -> VectorSource:
        """The store's exact vectors of this space (what an ivf index re-scores its candidates with)."""
        return lambda rowids: self.stored.of(rowids, dim)

    def added(
        self,
        rowids: Sequence[int],
        hashes: Sequence[str],
        vectors: np.ndarray,
        before: int,
        after: int,
        ours: int,
    ) -> None:
        vi = self.index
        assert vi is not None
        if len(rowids):
            vi.add(rowids, hashes, vectors)
        # In sync only if the count moved by our own bump or not at all: a +1 after rows all "unchanged"
        # may be another process's write (a race test caught one), so -1 (caught up on the next search).
        vi.generation = after if vi.generation == before and after - before == ours else -1

    def _load(self) -> VectorIndex:
        self.stored.adopt_model()
        path = self.store.file(self.model.filename)
        params = self.params.resolve(self.store.count())
        vi: VectorIndex | None = None
        if path.exists():
            try:
                with path.open("rb") as fh:
                    vi, header = VectorIndex.load(fh, params)
                if header.get("model") != self.model.model_name() or vi.params.kind != params.kind:
                    log.info("index file %s is for another model or index type; rebuilding it", path.name)
                    vi = None
            except CorruptIndexError as e:
                log.warning("index file %s is damaged (%s); rebuilding it from the store", path.name, e)
                vi = None
        elif self.store.count():
            log.warning("index file %s is missing; rebuilding it from the store", path.name)
        if vi is None:
            vi = VectorIndex(self.stored.dim(), params)
            vi.generation = -1
        if vi.generation != self.store.generation:
            self._reconcile(vi)
        return vi

    def _reconcile(self, vi: VectorIndex) -> None:
        generation = self.store.generation
        want = self.store.hashes()
        have = {r: h.decode() for r, h in vi.live().items()}
        stray = [r for r, h in have.items() if want.get(r) != h]
        vi.remove(stray)
        missing = [r for r, h in want.items() if have.get(r) != h]
        vi.expect(len(missing))
        restored: set[int] = set()
        chunk = max(RESTORE_CHUNK, TRAIN_PER_LIST * nlist_for(len(missing)))  # an ivf trains on the first
        for i in range(0, len(missing), chunk):  # chunks: 1M vectors never sit in memory twice
            stored = self.stored.of(missing[i : i + chunk], vi.dim)
            if stored:
                ids = list(stored)
                vi.add(ids, [want[r] for r in ids], np.vstack([stored[r] for r in ids]))
                restored.update(ids)
        embedded = self.stored.embed_missing(set(missing) - restored, vi.add)
        if embedded:
            generation = self.store.generation
        if vi.tombstones > max(1000, 0.2 * len(vi)) or vi.needs_retrain:
            vi.compact(self._source(vi.dim) if vi.kind == "ivf" else None)
        if stray or missing:
            log.warning(
                "%s index and store disagreed: %d stray vectors removed, %d restored from the store, %d re-embedded",
                self.model.column,
                len(stray),
                len(restored),
                embedded,
            )
        vi.generation = generation
        self._dirty = True

    def save(self, *, only_dirty: bool = False) -> None:
        vi = self.index
        if vi is None or (only_dirty and not self._dirty):
            return
        with self._save_lock:
            meta = {"model": self.model.model_name()}
            self.store.write_atomic(self.model.filename, lambda fh: vi.save(fh, meta))
            self._dirty = False

    def rebuild(self) -> None:
        with self._lock.write():
            self.store.remove_file(self.model.filename)
            self.stored.reset()
            self.index = None
            self.fresh()

    def check(self, want: dict[int, str]) -> dict[str, Any]:
        try:
            with self.store.file(self.model.filename).open("rb") as fh:
                vi, _ = VectorIndex.load(fh, self.params)
        except (OSError, CorruptIndexError) as e:
            return {"vectors": 0, "agree": False, "error": str(e)}
        have = {r: h.decode() for r, h in vi.live().items()}
        return {"vectors": len(have), "agree": have == want}
