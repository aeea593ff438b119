"""PaperIndex: the store, the embedders, the FAISS indexes and BM25 behind one object, safe to share.

The SQLite store is the source of truth (metadata and vectors commit together). The FAISS files and the
BM25 cache are derived: each records the store generation it matches, and on open any disagreement is
repaired (stray vectors removed, missing ones restored from the store or re-embedded) and logged.

Sharing: the bot's event loop, its worker threads, the digest refresh and the HTTP API use one
PaperIndex at once. Searches hold the read side of an :class:`~index.rwlock.RWLock` while they touch
FAISS; writers (ingest, rebuild, a catch-up with another process's writes) hold the write side, so no
search reads vector storage an ``add`` is reallocating. Embedding happens outside the lock. Searches
never write files: a repair found on the way is kept in memory and saved by the next writer,
:meth:`PaperIndex.save` or :meth:`PaperIndex.close`. Every search first compares the store's
generation with the one its index matches, so papers another process added are seen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from index.batches import BatchWriter, Progress, merge
from index.config import IndexSettings
from index.cpu import cpu_info
from index.derived import BATCH, BM25_FILE, Space
from index.errors import ModelMismatchError
from index.models import BadLine, Filters, IngestReport, Paper, SearchHit, SearchMode
from index.retrieval import search as retrieval
from index.retrieval.batching import BatchingEncoder
from index.retrieval.e5 import load_multilingual, multilingual_model_name
from index.retrieval.embed import Embedder
from index.retrieval.encoders import describe_paths, document_path, load_embedder
from index.retrieval.fast_query import FastQuery
from index.retrieval.lexical import LexicalIndex
from index.retrieval.vectors import CorruptIndexError, IndexParams, VectorIndex
from index.rwlock import RWLock
from index.sources import Record
from index.storage import PaperStore, open_store

log = logging.getLogger(__name__)


class PaperIndex(BatchWriter):
    """Everything PaperLens knows about papers, for one data directory."""

    def __init__(
        self,
        settings: IndexSettings,
        *,
        embedder: Embedder | None = None,
        multilingual_embedder: Embedder | None = None,
        check_model: bool = True,
    ) -> None:
        self.settings = settings
        self.store: PaperStore = open_store(settings)
        self._embedder = embedder
        self._fast = FastQuery(settings.model, settings.query_dtype) if embedder is None else None
        self._batcher = BatchingEncoder(self._query_encoder)
        self._multi = multilingual_embedder
        s = settings
        self.params = IndexParams(
            s.index_type, s.hnsw_m, s.hnsw_ef_search, s.hnsw_ef_construction, s.ivf_nprobe
        )
        self._lexical: LexicalIndex | None = None
        self._last_save = time.monotonic()
        self._lock = RWLock()
        self._model_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._dirty: set[str] = set()  # derived files whose in-memory state is newer than the file
        self._encode_pool: ThreadPoolExecutor | None = None  # a second space's encoder, beside the first
        self._spaces = {"dense": Space("vector", "dense.npz", lambda: self.embedder)}
        if settings.multilingual:
            self._spaces["multi"] = Space("mvector", "multilingual.npz", lambda: self.multilingual_embedder)
        if check_model:
            self._check_model()

    # ----- embedders (loaded on first use) -----
    @property
    def model_name(self) -> str:
        """The English embedding model's name (what the index was built with)."""
        return self._embedder.name if self._embedder is not None else self.settings.model

    @property
    def embedder(self) -> Embedder:
        """The English embedding model, loaded on first use."""
        if self._embedder is None:
            with self._model_lock:  # two threads must not load the model twice
                if self._embedder is None:
                    self._embedder = load_embedder(
                        self.settings.model, self.settings.embed_dtype, self.settings.embed_batch_size
                    )
                    if self._fast is not None:
                        self._fast.refresh()  # loading may have written the export and the choice
        return self._embedder

    @property
    def query_embedder(self) -> Embedder:
        """What embeds queries, micro-batched (queries arriving together are embedded together): the model's
        ONNX export when it is cached, in the variant this machine's encoder choice names (no torch import;
        int8 takes 1.5 ms for one query on a Zen 5, float32 3.3 ms, torch bfloat16 about 6), else the model."""
        return self._batcher

    def _query_encoder(self) -> Embedder:
        fast = self._fast.encoder() if self._fast is not None else None
        return fast if fast is not None else self.embedder

    @property
    def multilingual_embedder(self) -> Embedder:
        """The multilingual encoder, loaded on first use."""
        if self._multi is None:
            with self._model_lock:
                if self._multi is None:
                    s = self.settings
                    self._multi = load_multilingual(s.multilingual_model, s.embed_batch_size, s.embed_dtype)
        return self._multi

    @property
    def multilingual_model_name(self) -> str:
        """The multilingual space's encoder (what its vectors were made with), known without loading it."""
        if self._multi is not None:
            return self._multi.name
        return multilingual_model_name(self.settings.multilingual_model)

    @property
    def multilingual(self) -> bool:
        """Whether abstracts are also embedded in the multilingual space."""
        return "multi" in self._spaces

    def _check_model(self) -> None:
        recorded = self.store.get_meta("embed_model")
        if recorded is None:
            self.store.set_meta("embed_model", self.model_name)
            if self.multilingual:
                self.store.set_meta("model_mvector", self.multilingual_model_name)
        elif recorded != self.model_name:
            raise ModelMismatchError(
                f"This index was built with the embedding model {recorded!r}, but the configured model is "
                f"{self.model_name!r}. Run `paperlens rebuild` to re-embed every paper with the new model, "
                f"or set PAPERLENS_MODEL={recorded} to keep the old one."
            )

    def warm(self) -> None:
        """Load the models and every index now, saving any repair: what a server does before its first
        request, so no user waits for a lazy load."""
        self.embedder.encode(["warm-up"])
        if self.multilingual:
            self.multilingual_embedder.encode(["warm-up"])
        with self._lock.write():
            for name in self._spaces:
                self._fresh(name)
            self._fresh_lexical()
            self._save_dirty()

    # ----- ingest -----
    def ingest(
        self, records: Iterable[Record], source: str, progress: Progress | None = None
    ) -> IngestReport:
        """Write a stream of records in batches: embed what changed, commit, index, save.

        Bad records are counted in the report with their line numbers; the rest land. A re-run of
        the same input finds everything unchanged and embeds nothing.
        """
        report = IngestReport(source=source)
        for name in self._spaces:
            self._fresh(name)
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
        self.save()
        log.info("%s", report.summary())
        return report

    # ----- retrieval (index/search.py) -----
    def search(
        self, query: str, *, k: int = 10, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> list[SearchHit]:
        """Hybrid (default), dense or BM25 search with optional filters; best first."""
        return retrieval.search(self, query, k=k, mode=mode, filters=filters)

    def similar(self, ref: str, *, k: int = 5, filters: Filters | None = None) -> list[SearchHit]:
        """Papers nearest to the paper named by id, URL or title."""
        return retrieval.similar(self, ref, k=k, filters=filters)

    def resolve(self, ref: str) -> Paper:
        """One paper by arXiv id, URL, stored id, name or fuzzy title."""
        return retrieval.resolve(self, ref)

    # ----- maintenance -----
    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-embed every paper with the configured model and rebuild every index file."""
        with self._lock.write():
            self.store.clear_vectors()
            self.store.set_meta("embed_model", self.model_name)
            if self.multilingual:
                self.store.set_meta("model_mvector", self.multilingual_model_name)
            for name, sp in self._spaces.items():
                self.store.remove_file(sp.filename)
                self.store.set_meta(f"dim_{sp.column}", str(sp.embedder().dim))
                sp.index = None
                self._fresh(name)
            self.store.remove_file(BM25_FILE)
            self._lexical = None
            self._fresh_lexical()
            self._save_dirty()
        n = self.store.count()
        if progress:
            progress(n)
        return n

    def check(self) -> dict[str, Any]:
        """Compare store and indexes without repairing: what a drill asserts on."""
        want = self.store.hashes()
        out: dict[str, Any] = {
            "papers": len(want),
            "duplicate_ids": sum(c - 1 for c in self.store.id_counts().values()),
        }
        for name, sp in self._spaces.items():
            if self.store.dialect == "postgres":
                have = {r: h.decode() for r, h in self.vectors(name).live().items()}
                out[name] = {"vectors": len(have), "agree": have == want}
                continue
            path = self.store.file(sp.filename)
            try:
                with path.open("rb") as fh:
                    vi, _ = VectorIndex.load(fh, self.params)
                have = {r: h.decode() for r, h in vi.live().items()}
                out[name] = {"vectors": len(have), "agree": have == want}
            except (OSError, CorruptIndexError) as e:
                out[name] = {"vectors": 0, "agree": False, "error": str(e)}
        return out

    def stats(self) -> dict[str, Any]:
        """Counts, model, dtype, index type and sizes (`paperlens stats`, /status, /healthz)."""
        dense = self._fresh("dense")
        out: dict[str, Any] = {
            "papers": self.store.count(),
            "data_dir": str(self.settings.data_dir.resolve()),
            "model": self.model_name,
            "dtype": document_path(self._embedder)
            if self._embedder is not None
            else self.settings.embed_dtype,
            "embed_dtype_setting": self.settings.embed_dtype,
            "encoder_paths": describe_paths(
                self.model_name, self.settings.embed_dtype, self.settings.query_dtype
            ),
            "cpu": cpu_info().describe(),
            "dim": dense.dim,
            "backend": self.settings.backend,
            "index_type": dense.kind,
            "vectors": self.vector_count("dense"),
            "multilingual_vectors": self.vector_count("multi") if self.multilingual else None,
            "topics": self.store.topic_counts(),
            "disk_bytes": self.store.size_bytes(),
        }
        return out

    def close(self) -> None:
        """Save what only memory holds (a repair, a rebuilt BM25) and close the store."""
        if self._encode_pool is not None:
            self._encode_pool.shutdown(wait=True)
        with self._lock.write():
            try:
                self._save_dirty()
            except OSError as e:  # a full disk must not stop a shutdown; the next open repairs again
                log.warning("could not save the index on close: %s", e)
            self.store.close()
