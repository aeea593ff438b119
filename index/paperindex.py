"""PaperIndex: the front door of one data directory, composed of the parts it owns and shares.

- the store (:mod:`index.storage`): the source of truth; metadata and vectors commit together;
- the encoders (:class:`~index.embedders.Embedders`), loaded on first use;
- the derived indexes (:class:`~index.spaces.Spaces`): a vector space per encoder (FAISS files or pgvector)
  and BM25, kept in step with the store and searched under one readers-writer lock;
- the writer (:class:`~index.writer.BatchWriter`) and the retriever
  (:class:`~index.retrieval.search.Retriever`), each built from the parts above and nothing else.

One PaperIndex is shared by the bot's event loop, its worker threads, the digest refresh and the HTTP API;
see :mod:`index.spaces` for the sharing rules. The reads front ends need are methods here, so nothing
outside the library's storage reaches into the store.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from index.config import IndexSettings
from index.cpu import cpu_info
from index.embedders import Embedders
from index.errors import ModelMismatchError
from index.models import Filters, IngestReport, Paper, SearchHit, SearchMode
from index.retrieval.embed import Embedder
from index.retrieval.search import Retrieved, Retriever
from index.retrieval.vectors import IndexParams
from index.sources import Record
from index.spaces import SpaceModel, Spaces
from index.storage import PaperStore, open_store
from index.storage.rows import Existing
from index.writer import BatchWriter, Progress

log = logging.getLogger(__name__)


class PaperIndex:
    """Everything PaperLens knows about papers, for one data directory."""

    def __init__(
        self,
        settings: IndexSettings,
        *,
        embedder: Embedder | None = None,
        multilingual_embedder: Embedder | None = None,
        check_model: bool = True,
    ) -> None:
        s = self.settings = settings
        self.store: PaperStore = open_store(settings)
        self.encoders = Embedders(settings, embedder, multilingual_embedder)
        e = self.encoders
        models = [SpaceModel("dense", "vector", "dense.npz", lambda: e.embedder, lambda: e.model_name)]
        if settings.multilingual:
            models.append(
                SpaceModel(
                    "multi",
                    "mvector",
                    "multilingual.npz",
                    lambda: e.multilingual_embedder,
                    lambda: e.multilingual_model_name,
                )
            )
        params = IndexParams(s.index_type, s.hnsw_m, s.hnsw_ef_search, s.hnsw_ef_construction, s.ivf_nprobe)
        self.spaces = Spaces(self.store, params, models)
        self.writer = BatchWriter(self.store, self.spaces, s.save_interval_seconds)
        self.retriever = Retriever(settings, self.store, self.spaces, self.encoders)
        if check_model:
            self._check_model()

    # ----- encoders -----
    @property
    def model_name(self) -> str:
        """The English embedding model's name (what the index was built with)."""
        return self.encoders.model_name

    @property
    def multilingual_model_name(self) -> str:
        """The multilingual space's encoder, known without loading it."""
        return self.encoders.multilingual_model_name

    @property
    def embedder(self) -> Embedder:
        """The English embedding model, loaded on first use."""
        return self.encoders.embedder

    @property
    def query_embedder(self) -> Embedder:
        """What embeds queries (micro-batched, the fast path where this machine has one)."""
        return self.encoders.query_embedder

    @property
    def multilingual_embedder(self) -> Embedder:
        """The multilingual encoder, loaded on first use."""
        return self.encoders.multilingual_embedder

    @property
    def multilingual(self) -> bool:
        """Whether abstracts are also embedded in the multilingual space."""
        return "multi" in self.spaces

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
        self.encoders.warm()
        self.repair()

    def repair(self) -> None:
        """Load every index now, reconciling it with the store and saving any repair (maintenance)."""
        self.spaces.load_all()

    # ----- writing -----
    def ingest(
        self, records: Iterable[Record], source: str, progress: Progress | None = None
    ) -> IngestReport:
        """Write a stream of records in batches (see :class:`~index.writer.BatchWriter`)."""
        return self.writer.ingest(records, source, progress)

    def save(self) -> None:
        """Write every loaded index (and a rebuilt BM25 cache) atomically."""
        self.spaces.save()

    # ----- retrieval -----
    def search(
        self, query: str, *, k: int = 10, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> list[SearchHit]:
        """Hybrid (default), dense or BM25 search with optional filters; best first."""
        return self.retriever.search(query, k=k, mode=mode, filters=filters)

    def retrieve(
        self, query: str, *, k: int = 10, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> Retrieved:
        """A search's hits with the best dense cosines seen (what weak-evidence checks read)."""
        return self.retriever.retrieve(query, k=k, mode=mode, filters=filters)

    def similar(self, ref: str, *, k: int = 5, filters: Filters | None = None) -> list[SearchHit]:
        """Papers nearest to the paper named by id, URL or title."""
        return self.retriever.similar(ref, k=k, filters=filters)

    def resolve(self, ref: str) -> Paper:
        """One paper by arXiv id, URL, stored id, name or fuzzy title."""
        return self.retriever.resolve(ref)

    def best_multilingual(self, query: str) -> float:
        """The best multilingual cosine of any paper to the query (0 when that space is off)."""
        return self.retriever.best_multilingual(query)

    def best_evidence(self, query: str) -> tuple[float, float]:
        """The best English and multilingual cosines of any paper to the query."""
        return self.retriever.best_evidence(query)

    def lexical_search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """BM25 hits of a query as it is (no translation)."""
        return self.retriever.lexical(query, k, allowed)

    def vector_dim(self, space: str = "dense") -> int:
        """A space's vector width."""
        return self.spaces.dim(space)

    def vector_count(self, space: str = "dense") -> int:
        """Live vectors in a space (what /healthz compares with the paper count)."""
        return self.spaces.count(space)

    # ----- reads -----
    @property
    def generation(self) -> int:
        """Moves on with every write, in any process (what caches of the store's contents compare)."""
        return self.store.generation

    def count(self) -> int:
        """How many papers are held."""
        return self.store.count()

    def get(self, paper_id: str) -> tuple[int, Paper] | None:
        """A paper and its rowid by stored id, or None."""
        return self.store.get(paper_id)

    def get_by_rowids(self, rowids: Sequence[int]) -> dict[int, Paper]:
        """Papers by rowid (missing rowids are left out)."""
        return self.store.get_by_rowids(rowids)

    def existing(self, ids: Sequence[str]) -> dict[str, Existing]:
        """What is held for these ids (absent ids are left out)."""
        return self.store.existing(ids)

    def titles(self) -> list[tuple[int, str, str]]:
        """(rowid, id, title) of every paper."""
        return self.store.titles()

    def filter_rowids(self, filters: Filters) -> set[int]:
        """Rows matching every active filter."""
        return self.store.filter_rowids(filters)

    def english_vectors(self, rowids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored English-space vectors of rows (rankings by similarity to a topic or a taste)."""
        return self.store.vectors("vector", rowids, self.vector_dim("dense"))

    def topic_counts(self) -> dict[str, int]:
        """Papers per topic."""
        return self.store.topic_counts()

    def latest_published(self, topic: str) -> date | None:
        """The most recent publication date among a topic's papers."""
        return self.store.latest_published(topic)

    def added_to_topic(self, topic: str, start: datetime, end: datetime) -> list[int]:
        """Rowids of the papers filed under a topic in [start, end), oldest first."""
        return self.store.added_to_topic(topic, start, end)

    def last_added(self, topic: str) -> datetime | None:
        """When a paper was last filed under the topic, or None."""
        return self.store.last_added(topic)

    def topic_last_run(self, topic: str) -> datetime | None:
        """When this topic was last fetched from its source, or None if never."""
        return self.store.topic_last_run(topic)

    def topic_state(self, topic: str) -> date | None:
        """The newest publication date an ingest of this topic has seen."""
        return self.store.topic_state(topic)

    def set_topic_state(self, topic: str, last_published: date | None, seen: int) -> None:
        """Record a topic ingest: the newest date seen (never moves back) and how many papers."""
        self.store.set_topic_state(topic, last_published, seen)

    def cached_summary(self, paper: Paper, lang: str, provider: str) -> str | None:
        """A cached summary of this version of a paper, or None."""
        return self.store.get_summary(paper.id, paper.version, lang, provider)

    def cache_summary(self, paper: Paper, lang: str, provider: str, body: str) -> None:
        """Cache a summary per (paper, version, language, provider)."""
        self.store.put_summary(paper.id, paper.version, lang, provider, body)

    # ----- maintenance -----
    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-embed every paper with the configured model and rebuild every index file."""
        with self.spaces.lock.write():
            self.store.clear_vectors()
            self.store.set_meta("embed_model", self.model_name)
            if self.multilingual:
                self.store.set_meta("model_mvector", self.multilingual_model_name)
            self.spaces.rebuild()
        n = self.store.count()
        if progress:
            progress(n)
        return n

    def integrity_problems(self) -> list[str]:
        """What the database's own consistency check found wrong (empty when all is well)."""
        return [p for p in self.store.integrity_check() if p != "ok"]

    def check(self) -> dict[str, Any]:
        """Compare store and indexes without repairing: what a drill asserts on."""
        want = self.store.hashes()
        out: dict[str, Any] = {
            "papers": len(want),
            "duplicate_ids": sum(c - 1 for c in self.store.id_counts().values()),
        }
        for name, sp in self.spaces.items():
            out[name] = sp.check(want)
        return out

    def stats(self) -> dict[str, Any]:
        """Counts, model, dtype, index type and sizes (`paperlens stats`, /status, /healthz)."""
        dense = self.spaces["dense"]
        return {
            "papers": self.store.count(),
            "data_dir": str(self.settings.data_dir.resolve()),
            **self.encoders.describe(),
            "cpu": cpu_info().describe(),
            "dim": dense.dim(),
            "backend": self.settings.backend,
            "index_type": dense.kind,
            "vectors": dense.count(),
            "multilingual_vectors": self.vector_count("multi") if self.multilingual else None,
            "topics": self.store.topic_counts(),
            "disk_bytes": self.store.size_bytes(),
        }

    def close(self) -> None:
        """Save what only memory holds (a repair, a rebuilt BM25) and close the store."""
        self.writer.close()
        with self.spaces.lock.write():
            try:
                self.spaces.save_dirty()
            except OSError as e:  # a full disk must not stop a shutdown; the next open repairs again
                log.warning("could not save the index on close: %s", e)
            self.store.close()
