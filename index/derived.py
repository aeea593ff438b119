"""The derived indexes behind PaperIndex: one FAISS index per embedding space and BM25, each loaded from
its file, reconciled with the store (the source of truth), searched under the read lock, and saved.

See :mod:`index.paperindex` for the sharing rules (searches never write files; writers hold the lock).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.config import IndexSettings
from index.models import Paper
from index.retrieval.e5 import USE_NAME
from index.retrieval.embed import Embedder
from index.retrieval.exact import VectorSource
from index.retrieval.lexical import LexicalIndex
from index.retrieval.pgindex import PgVectorIndex
from index.retrieval.vectors import TRAIN_PER_LIST, CorruptIndexError, IndexParams, VectorIndex, nlist_for
from index.rwlock import RWLock
from index.storage import PaperStore

log = logging.getLogger(__name__)

BATCH = 256  # papers embedded and committed together
BM25_FILE = "bm25.npz"
RESTORE_CHUNK = 100_000  # stored vectors read back into an index at a time


@dataclass
class Space:
    """One embedding space: its column in the store, its file, its embedder and its FAISS index."""

    column: str
    filename: str
    embedder: Callable[[], Embedder]
    index: VectorIndex | None = None


TITLE_WEIGHT = (
    0.5  # the title's share of a multilingual vector, beside the abstract's (chosen on a dev split)
)


def space_vectors(emb: Embedder, papers: list[Paper], *, multilingual: bool) -> np.ndarray:
    """A space's vectors of papers: title and abstract. A multilingual vector also takes the title alone
    (a question in another language often names what the title says, which one abstract-long vector
    dilutes) and, where the paper has one, its Chinese abstract: the renormalised sum, so a Chinese question
    finds the paper through either wording. The English space embeds title and abstract only. One encoder
    call per batch: its texts sort and pad together."""
    if not multilingual or not papers:
        return emb.encode([p.embed_text() for p in papers])
    zh = [i for i, p in enumerate(papers) if p.abstract_zh]
    texts = [p.embed_text() for p in papers] + [p.title for p in papers]
    texts += [f"{papers[i].title}. {papers[i].abstract_zh}" for i in zh]
    out = emb.encode(texts)
    n = len(papers)
    vecs = out[:n] + TITLE_WEIGHT * out[n : 2 * n]
    vecs[zh] += out[2 * n :]
    return np.asarray(vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12), dtype=np.float32)


class DerivedIndexes:
    """Loading, reconciling, searching and saving the derived indexes (PaperIndex's base)."""

    settings: IndexSettings
    store: PaperStore
    params: IndexParams
    _spaces: dict[str, Space]
    _lock: RWLock
    _save_lock: threading.Lock
    _dirty: set[str]
    _lexical: LexicalIndex | None
    _last_save: float

    @property
    def model_name(self) -> str:
        raise NotImplementedError

    @property
    def multilingual_model_name(self) -> str:
        raise NotImplementedError

    # ----- vector indexes -----
    def vectors(self, space: str = "dense") -> VectorIndex:
        """The index of a space, loaded and reconciled with the store, any repair saved.

        For inspection and maintenance; concurrent readers go through :meth:`dense_search`.
        """
        with self._lock.write():
            vi = self._fresh(space)
            self._save_dirty()
            return vi

    def _fresh(self, space: str) -> VectorIndex:
        """The space's index, loaded on first use and caught up with writes made by other processes."""
        sp = self._spaces[space]
        vi = sp.index
        if vi is not None and (isinstance(vi, PgVectorIndex) or vi.generation == self.store.generation):
            return vi
        with self._lock.write():
            if sp.index is None:
                sp.index = self._load(sp)
            elif not isinstance(sp.index, PgVectorIndex) and sp.index.generation != self.store.generation:
                log.info("the store changed outside this process; catching the %s index up", space)
                self._reconcile(sp, sp.index)
            return sp.index

    def dense_search(
        self, space: str, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rowids) in one embedding space, safe while another thread ingests."""
        self._fresh(space)
        with self._lock.read():
            sp = self._spaces[space]
            assert sp.index is not None
            return sp.index.search(queries, k, allowed, self._source(sp))

    def _source(self, sp: Space) -> VectorSource:
        """The store's exact vectors of a space (what an ivf index re-scores its candidates with)."""
        dim = sp.index.dim if sp.index is not None else self._space_dim(sp)
        return lambda rowids: self.store.vectors(sp.column, rowids, dim)

    def vector_dim(self, space: str = "dense") -> int:
        return self._fresh(space).dim

    def vector_count(self, space: str = "dense") -> int:
        """Live vectors in a space (what /healthz compares with the paper count)."""
        vi = self._fresh(space)
        with self._lock.read():
            return len(vi)

    def _load(self, sp: Space) -> VectorIndex:
        if self.store.dialect == "postgres":
            if sp.column != "vector":
                self._adopt_model(sp)
            dim = self._space_dim(sp)
            self.store.prepare_vectors(sp.column, dim)
            self._embed_missing(sp, set(self.store.hashes()))
            return PgVectorIndex(self.store, sp.column, dim, self.params)  # type: ignore[return-value]
        if sp.column != "vector":
            self._adopt_model(sp)
        path = self.store.file(sp.filename)
        params = self.params.resolve(self.store.count())
        vi: VectorIndex | None = None
        if path.exists():
            try:
                with path.open("rb") as fh:
                    vi, header = VectorIndex.load(fh, params)
                if header.get("model") != self._space_model(sp) or vi.params.kind != params.kind:
                    log.info("index file %s is for another model or index type; rebuilding it", sp.filename)
                    vi = None
            except CorruptIndexError as e:
                log.warning("index file %s is damaged (%s); rebuilding it from the store", sp.filename, e)
                vi = None
        elif self.store.count():
            log.warning("index file %s is missing; rebuilding it from the store", sp.filename)
        if vi is None:
            vi = VectorIndex(self._space_dim(sp), params)
            vi.generation = -1
        if vi.generation != self.store.generation:
            self._reconcile(sp, vi)
        return vi

    def _embed_missing(self, sp: Space, rowids: set[int], vi: VectorIndex | None = None) -> list[Any]:
        """Embed the rows among ``rowids`` that have no stored vector in this space; store (and index) them."""
        todo = [(r, h, t) for r, h, t in self.store.missing_vectors(sp.column) if r in rowids]
        if todo:
            log.info("embedding %d papers that have no %s vector yet", len(todo), sp.column)
            emb = sp.embedder()
            for i in range(0, len(todo), BATCH):
                chunk = todo[i : i + BATCH]
                if sp.column == "vector":
                    vecs = emb.encode([t for _, _, t in chunk])
                else:  # the multilingual vector reads more of the paper than its text (see space_vectors)
                    held = self.store.get_by_rowids([r for r, _, _ in chunk])
                    chunk = [c for c in chunk if c[0] in held]
                    vecs = space_vectors(emb, [held[r] for r, _, _ in chunk], multilingual=True)
                self.store.set_vectors(
                    (r, h, v, None) if sp.column == "vector" else (r, h, None, v)
                    for (r, h, _), v in zip(chunk, vecs, strict=True)
                )
                if vi is not None:
                    vi.add([r for r, _, _ in chunk], [h for _, h, _ in chunk], vecs)
        return todo

    def _space_model(self, sp: Space) -> str:
        return self.model_name if sp.column == "vector" else self.multilingual_model_name

    def _adopt_model(self, sp: Space) -> None:
        """A space whose stored vectors come from another encoder than the configured one (the multilingual
        encoder changed) is emptied and re-embedded: vectors of two models never share an index. Stores
        from before the model was recorded hold USE multilingual v3 vectors."""
        key, want = f"model_{sp.column}", self._space_model(sp)
        had = self.store.get_meta(key) or (USE_NAME if self.store.get_meta(f"dim_{sp.column}") else None)
        if had != want and had is not None:
            log.warning(
                "the %s space holds %s vectors; re-embedding its %d papers with %s (once)",
                sp.column,
                had,
                self.store.count(),
                want,
            )
            self.store.clear_vectors(sp.column)
            self.store.remove_file(sp.filename)
            self.store.set_meta(f"dim_{sp.column}", str(sp.embedder().dim))
        if self.store.get_meta(key) != want:
            self.store.set_meta(key, want)

    def _space_dim(self, sp: Space) -> int:
        recorded = self.store.get_meta(f"dim_{sp.column}")
        if recorded:
            return int(recorded)
        dim = sp.embedder().dim
        self.store.set_meta(f"dim_{sp.column}", str(dim))
        return dim

    def _reconcile(self, sp: Space, vi: VectorIndex) -> None:
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
            stored = self.store.vectors(sp.column, missing[i : i + chunk], vi.dim)
            if stored:
                ids = list(stored)
                vi.add(ids, [want[r] for r in ids], np.vstack([stored[r] for r in ids]))
                restored.update(ids)
        todo = self._embed_missing(sp, set(missing) - restored, vi)
        if todo:
            generation = self.store.generation
        if vi.tombstones > max(1000, 0.2 * len(vi)) or vi.needs_retrain:
            vi.compact(self._source(sp) if vi.kind == "ivf" else None)
        if stray or missing:
            log.warning(
                "%s index and store disagreed: %d stray vectors removed, %d restored from the store, %d re-embedded",
                sp.column,
                len(stray),
                len(restored),
                len(todo),
            )
        vi.generation = generation
        self._dirty.add(sp.filename)

    def _save_space(self, sp: Space, vi: VectorIndex) -> None:
        meta = {"model": self._space_model(sp)}
        self.store.write_atomic(sp.filename, lambda fh: vi.save(fh, meta))

    def save(self) -> None:
        """Write every loaded index (and a rebuilt BM25 cache) atomically."""
        with self._lock.read(), self._save_lock:
            for sp in self._spaces.values():
                if isinstance(sp.index, VectorIndex):
                    self._save_space(sp, sp.index)
                    self._dirty.discard(sp.filename)
            self._save_lexical()
            self._last_save = time.monotonic()

    def _save_dirty(self) -> None:
        """Write the derived files a repair or a rebuild changed in memory (caller holds a lock)."""
        with self._save_lock:
            for sp in self._spaces.values():
                if sp.filename in self._dirty and isinstance(sp.index, VectorIndex):
                    self._save_space(sp, sp.index)
                    self._dirty.discard(sp.filename)
            self._save_lexical()

    # ----- BM25 -----
    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current generation (built and swapped in when stale)."""
        return self._fresh_lexical()

    def lexical_search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        # A built LexicalIndex is never changed, only replaced: a reader keeps the one it took.
        return self._fresh_lexical().search(query, k, allowed)

    def _fresh_lexical(self) -> LexicalIndex:
        lex = self._lexical
        if lex is not None and lex.generation == self.store.generation:
            return lex
        with self._lock.write():
            gen = self.store.generation
            if self._lexical is None or self._lexical.generation != gen:
                self._lexical = self._load_lexical(gen)
            return self._lexical

    def _load_lexical(self, gen: int) -> LexicalIndex:
        self.store.remove_file("bm25.pkl")  # the old pickled cache: never read, derived, so just removed
        path = self.store.file(BM25_FILE)
        if path.exists():
            try:
                cached = LexicalIndex.loads(path.read_bytes())
                if cached.generation == gen:
                    return cached
            except Exception as e:  # a damaged cache is rebuilt, never fatal
                log.warning("BM25 cache is damaged (%s); rebuilding", e)
        lex = LexicalIndex.build(self.store.iter_texts(), gen)
        self._dirty.add(BM25_FILE)
        return lex

    def _save_lexical(self) -> None:
        lex = self._lexical
        if lex is not None and BM25_FILE in self._dirty:
            self.store.write_atomic(BM25_FILE, lambda fh: fh.write(lex.dumps()))
            self._dirty.discard(BM25_FILE)
