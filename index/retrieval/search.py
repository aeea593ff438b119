"""Retrieval: dense (FAISS) + BM25 fused by reciprocal rank fusion, filters, similar papers, lookup.

A Chinese question is searched three ways at once: its Latin-script words and a glossary
translation go to BM25 and the English model, and (when the multilingual space is enabled) the
question itself goes to the multilingual encoder; the lists are fused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.config import IndexSettings
from index.errors import InvalidQueryError
from index.models import Filters, Paper, SearchHit, SearchMode
from index.retrieval.embed import Embedder, encode_queries
from index.retrieval.lang import english_query, is_cjk
from index.retrieval.resolve import resolve
from index.storage import PaperStore
from index.text import INVISIBLE


class VectorSearch(Protocol):
    """The searches retrieval runs over the derived indexes (:class:`index.spaces.Spaces` is one), each
    safe while another thread writes."""

    def dense_search(
        self, space: str, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def lexical_search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def dim(self, space: str = "dense") -> int: ...


class QueryEncoders(Protocol):
    """The encoders retrieval embeds queries with (:class:`index.embedders.Embedders` is one)."""

    @property
    def embedder(self) -> Embedder: ...

    @property
    def query_embedder(self) -> Embedder: ...

    @property
    def multilingual_embedder(self) -> Embedder: ...

    @property
    def multilingual(self) -> bool: ...


log = logging.getLogger(__name__)

Ranked = list[tuple[int, float]]
# Control characters and invisible format characters (zero-width spaces and joiners, bidi marks, BOM):
# a query of nothing else is empty.
_INVISIBLE = INVISIBLE  # the one set (index/text.py): import cleaning drops the same characters
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def prepare_query(query: object, max_chars: int) -> str:
    """Validate and normalise a query: a clear error when empty, truncated (not rejected) when long."""
    if not isinstance(query, str):
        raise InvalidQueryError("The query must be text.")
    q = " ".join(
        _INVISIBLE.sub("", _CONTROL.sub(" ", query)).split()
    )  # a tab or newline still separates words
    if not q:
        raise InvalidQueryError("The query is empty: type what the papers should be about.")
    if len(q) > max_chars:
        log.info("query of %d characters truncated to %d", len(q), max_chars)
        q = q[:max_chars]
    return q


def rrf(lists: Sequence[Ranked], k: int) -> Ranked:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the lists a document appears in."""
    scores: dict[int, float] = {}
    for ranked in lists:
        for rank, (rid, _) in enumerate(ranked, start=1):
            scores[rid] = scores.get(rid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


@dataclass(frozen=True)
class Retrieved:
    """A search's hits, and the best cosines its dense routes saw (what weak-evidence checks read)."""

    hits: list[SearchHit]
    best_dense: float | None  # English space; None when the English route did not run (bm25 mode)
    best_multi: float | None  # multilingual space; None when that route did not run (non-CJK queries)


class Retriever:
    """Searches over the parts of one data directory: the store (metadata, filters, stored vectors), the
    derived indexes, and the query encoders. It owns none of them; PaperIndex builds and shares them."""

    def __init__(
        self, settings: IndexSettings, store: PaperStore, indexes: VectorSearch, encoders: QueryEncoders
    ) -> None:
        self.settings, self.store, self.indexes, self.encoders = settings, store, indexes, encoders

    def _dense(self, space: str, vec: np.ndarray, depth: int, allowed: np.ndarray | None) -> Ranked:
        scores, rowids = self.indexes.dense_search(space, vec, depth, allowed)
        return [(int(r), float(s)) for r, s in zip(rowids[0], scores[0], strict=True) if r >= 0]

    def _multi_query(self, query: str) -> np.ndarray:
        return encode_queries(self.encoders.multilingual_embedder, [query])

    def dense_lists(
        self, query: str, depth: int, allowed: np.ndarray | None, qvec: np.ndarray | None = None
    ) -> list[Ranked]:
        """One ranked list per dense route the query takes (English model; multilingual for CJK)."""
        if qvec is None:
            qvec = self.encoders.query_embedder.encode([english_query(query)])
        lists = [self._dense("dense", qvec, depth, allowed)]
        if is_cjk(query) and self.encoders.multilingual:
            lists.append(self._dense("multi", self._multi_query(query), depth, allowed))
        return lists

    def lexical(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked:
        """BM25 hits of a query, as it is (no translation)."""
        return self.indexes.lexical_search(query, k, allowed)

    def best_multilingual(self, query: str, allowed: np.ndarray | None = None) -> float:
        """The best multilingual-encoder cosine of any paper to the query (0 when that space is off)."""
        if not self.encoders.multilingual:
            return 0.0
        q = prepare_query(query, self.settings.max_query_chars)
        multi = self._dense("multi", self._multi_query(q), 1, allowed)
        return multi[0][1] if multi else 0.0

    def best_evidence(self, query: str, allowed: np.ndarray | None = None) -> tuple[float, float]:
        """The best cosine of any paper to the query in the English space, and in the multilingual one
        (0 when that space is off). Calibrated thresholds on these decide whether evidence is weak."""
        q = prepare_query(query, self.settings.max_query_chars)
        en = self._dense("dense", self.encoders.query_embedder.encode([english_query(q)]), 1, allowed)
        return (en[0][1] if en else 0.0), self.best_multilingual(q, allowed)

    def search(
        self, query: str, *, k: int = 10, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> list[SearchHit]:
        """Search; best first (see :meth:`retrieve`)."""
        return self.retrieve(query, k=k, mode=mode, filters=filters).hits

    def retrieve(
        self, query: str, *, k: int = 10, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> Retrieved:
        """Search; best first, with the best dense cosines seen on the way.

        Args:
            query: free text in English or Chinese; truncated past the configured length.
            k: how many hits.
            mode: hybrid (default setting), dense or bm25.
            filters: date range, category, topic, author, venue, code.
        """
        s = self.settings
        q = prepare_query(query, s.max_query_chars)
        mode = mode or s.default_mode
        if mode not in ("hybrid", "dense", "bm25"):
            raise InvalidQueryError(f"Unknown search mode {mode!r}: use hybrid, dense or bm25.")
        if k < 1:
            raise InvalidQueryError("k must be at least 1.")
        allowed = None
        if filters is not None and filters.active():
            allowed = np.fromiter(self.store.filter_rowids(filters), dtype=np.int64)
            if allowed.size == 0:
                return Retrieved([], None, None)
        depth = max(k, s.fusion_depth) if mode == "hybrid" else k
        qvec = self.encoders.query_embedder.encode([english_query(q)]) if mode != "bm25" else None
        dense: list[Ranked] = self.dense_lists(q, depth, allowed, qvec) if qvec is not None else []
        lexical: Ranked = self.lexical(english_query(q), depth, allowed) if mode != "dense" else []
        dense_fused = dense[0] if len(dense) == 1 else rrf(dense, s.rrf_k)
        if mode == "dense":
            ranked = dense_fused
        elif mode == "bm25":
            ranked = lexical
        else:
            ranked = rrf([*dense, lexical], s.rrf_k)
        ranked = ranked[:k]
        cos = dict(dense[0]) if dense else {}
        missing = [r for r, _ in ranked if r not in cos]
        if qvec is not None and missing:  # found by keywords only: its similarity, for the relevance display
            vecs = self.store.vectors("vector", missing, self.indexes.dim("dense"))
            cos.update({r: float(v @ qvec[0]) for r, v in vecs.items()})
        bm = dict(lexical)
        papers = self.store.get_by_rowids([r for r, _ in ranked])
        hits = [
            SearchHit(paper=papers[r], score=sc, rank=i, dense_score=cos.get(r), bm25_score=bm.get(r))
            for i, (r, sc) in enumerate(ranked, start=1)
            if r in papers
        ]
        best_dense = (dense[0][0][1] if dense[0] else 0.0) if dense else None
        best_multi = (dense[1][0][1] if dense[1] else 0.0) if len(dense) > 1 else None
        return Retrieved(hits, best_dense, best_multi)

    def similar(self, ref: str, *, k: int = 5, filters: Filters | None = None) -> list[SearchHit]:
        """Papers nearest to a paper (id, URL or title) by their abstracts' embeddings."""
        paper = self.resolve(ref)
        found = self.store.get(paper.id)
        assert found is not None
        rowid = found[0]
        vec = self.store.vectors("vector", [rowid], self.indexes.dim("dense")).get(rowid)
        if vec is None:
            vec = self.encoders.embedder.encode([paper.embed_text()])[0]
        allowed = None
        if filters is not None and filters.active():
            allowed = np.fromiter(self.store.filter_rowids(filters) - {rowid}, dtype=np.int64)
            if allowed.size == 0:
                return []
        ranked = [(r, s) for r, s in self._dense("dense", vec[None, :], k + 1, allowed) if r != rowid][:k]
        papers = self.store.get_by_rowids([r for r, _ in ranked])
        return [
            SearchHit(paper=papers[r], score=s, rank=i, dense_score=s)
            for i, (r, s) in enumerate(ranked, 1)
            if r in papers
        ]

    def resolve(self, ref: str) -> Paper:
        """One paper by arXiv id, URL, stored id, name or fuzzy title (see :func:`resolve`)."""
        return resolve(self.store, ref, self._title_candidates)

    def _title_candidates(self, text: str, k: int) -> Ranked:
        """Papers whose text shares the most words with a typed title (BM25 over the words as typed)."""
        return self.indexes.lexical_search(text, k)
