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
from rapidfuzz import fuzz, process, utils

from index.config import IndexSettings
from index.errors import InvalidQueryError, PaperNotFoundError
from index.ids import parse_arxiv_id
from index.models import Filters, Paper, SearchHit, SearchMode
from index.retrieval.embed import Embedder, encode_queries
from index.retrieval.lang import english_query, is_cjk
from index.storage import PaperStore
from index.text import INVISIBLE


class Searchable(Protocol):
    """What retrieval needs of an index (PaperIndex is one): its settings, store, embedders and the
    thread-safe searches over its vector spaces and BM25."""

    settings: IndexSettings
    store: PaperStore

    @property
    def embedder(self) -> Embedder: ...

    @property
    def query_embedder(self) -> Embedder: ...

    @property
    def multilingual_embedder(self) -> Embedder: ...

    @property
    def multilingual(self) -> bool: ...

    def dense_search(
        self, space: str, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def lexical_search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def vector_dim(self, space: str = "dense") -> int: ...


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


def _dense(index: Searchable, space: str, vec: np.ndarray, depth: int, allowed: np.ndarray | None) -> Ranked:
    scores, rowids = index.dense_search(space, vec, depth, allowed)
    return [(int(r), float(s)) for r, s in zip(rowids[0], scores[0], strict=True) if r >= 0]


def dense_lists(
    index: Searchable, query: str, depth: int, allowed: np.ndarray | None, qvec: np.ndarray | None = None
) -> list[Ranked]:
    """One ranked list per dense route the query takes (English model; multilingual for CJK)."""
    if qvec is None:
        qvec = index.query_embedder.encode([english_query(query)])
    lists = [_dense(index, "dense", qvec, depth, allowed)]
    if is_cjk(query) and index.multilingual:
        lists.append(
            _dense(index, "multi", encode_queries(index.multilingual_embedder, [query]), depth, allowed)
        )
    return lists


@dataclass(frozen=True)
class Retrieved:
    """A search's hits, and the best cosines its dense routes saw (what weak-evidence checks read)."""

    hits: list[SearchHit]
    best_dense: float | None  # English space; None when the English route did not run (bm25 mode)
    best_multi: float | None  # multilingual space; None when that route did not run (non-CJK queries)


def best_multilingual(index: Searchable, query: str, allowed: np.ndarray | None = None) -> float:
    """The best multilingual-encoder cosine of any paper to the query (0 when that space is off)."""
    if not index.multilingual:
        return 0.0
    q = prepare_query(query, index.settings.max_query_chars)
    multi = _dense(index, "multi", encode_queries(index.multilingual_embedder, [q]), 1, allowed)
    return multi[0][1] if multi else 0.0


def best_evidence(index: Searchable, query: str, allowed: np.ndarray | None = None) -> tuple[float, float]:
    """The best cosine of any paper to the query in the English space, and in the multilingual one
    (0 when that space is off). Calibrated thresholds on these decide whether evidence is weak."""
    q = prepare_query(query, index.settings.max_query_chars)
    en = _dense(index, "dense", index.query_embedder.encode([english_query(q)]), 1, allowed)
    return (en[0][1] if en else 0.0), best_multilingual(index, q, allowed)


def search(
    index: Searchable,
    query: str,
    *,
    k: int = 10,
    mode: SearchMode | None = None,
    filters: Filters | None = None,
) -> list[SearchHit]:
    """Search the index; best first (see :func:`retrieve`)."""
    return retrieve(index, query, k=k, mode=mode, filters=filters).hits


def retrieve(
    index: Searchable,
    query: str,
    *,
    k: int = 10,
    mode: SearchMode | None = None,
    filters: Filters | None = None,
) -> Retrieved:
    """Search the index; best first, with the best dense cosines seen on the way.

    Args:
        index: the paper index.
        query: free text in English or Chinese; truncated past the configured length.
        k: how many hits.
        mode: hybrid (default setting), dense or bm25.
        filters: date range, category, topic, author.
    """
    s = index.settings
    q = prepare_query(query, s.max_query_chars)
    mode = mode or s.default_mode
    if mode not in ("hybrid", "dense", "bm25"):
        raise InvalidQueryError(f"Unknown search mode {mode!r}: use hybrid, dense or bm25.")
    if k < 1:
        raise InvalidQueryError("k must be at least 1.")
    allowed = None
    if filters is not None and filters.active():
        allowed = np.fromiter(index.store.filter_rowids(filters), dtype=np.int64)
        if allowed.size == 0:
            return Retrieved([], None, None)
    depth = max(k, s.fusion_depth) if mode == "hybrid" else k
    qvec = index.query_embedder.encode([english_query(q)]) if mode != "bm25" else None
    dense: list[Ranked] = dense_lists(index, q, depth, allowed, qvec) if qvec is not None else []
    lexical: Ranked = index.lexical_search(english_query(q), depth, allowed) if mode != "dense" else []
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
        vecs = index.store.vectors("vector", missing, index.vector_dim("dense"))
        cos.update({r: float(v @ qvec[0]) for r, v in vecs.items()})
    bm = dict(lexical)
    papers = index.store.get_by_rowids([r for r, _ in ranked])
    hits = [
        SearchHit(paper=papers[r], score=sc, rank=i, dense_score=cos.get(r), bm25_score=bm.get(r))
        for i, (r, sc) in enumerate(ranked, start=1)
        if r in papers
    ]
    best_dense = (dense[0][0][1] if dense[0] else 0.0) if dense else None
    best_multi = (dense[1][0][1] if dense[1] else 0.0) if len(dense) > 1 else None
    return Retrieved(hits, best_dense, best_multi)


def similar(index: Searchable, ref: str, *, k: int = 5, filters: Filters | None = None) -> list[SearchHit]:
    """Papers nearest to a paper (id, URL or title) by their abstracts' embeddings."""
    paper = resolve(index, ref)
    found = index.store.get(paper.id)
    assert found is not None
    rowid = found[0]
    vec = index.store.vectors("vector", [rowid], index.vector_dim("dense")).get(rowid)
    if vec is None:
        vec = index.embedder.encode([paper.embed_text()])[0]
    allowed = None
    if filters is not None and filters.active():
        allowed = np.fromiter(index.store.filter_rowids(filters) - {rowid}, dtype=np.int64)
        if allowed.size == 0:
            return []
    ranked = [(r, s) for r, s in _dense(index, "dense", vec[None, :], k + 1, allowed) if r != rowid][:k]
    papers = index.store.get_by_rowids([r for r, _ in ranked])
    return [
        SearchHit(paper=papers[r], score=s, rank=i, dense_score=s)
        for i, (r, s) in enumerate(ranked, 1)
        if r in papers
    ]


def _name(title: str) -> str:
    """The short name before a colon ('MambaMorph' in 'MambaMorph: a Mamba-based ...')."""
    return title.split(":", 1)[0].strip().lower() if ":" in title else ""


def resolve(index: Searchable, ref: str) -> Paper:
    """Find one paper by arXiv id (with or without version), abs/pdf URL, store id, name or title.

    Raises:
        PaperNotFoundError: with a message naming what was tried.
    """
    text = " ".join(str(ref).split())
    if not text:
        raise InvalidQueryError("Give a paper id, an arXiv URL or a title.")
    parsed = parse_arxiv_id(text)
    if parsed is not None:
        found = index.store.get(parsed[0])
        if found:
            return found[1]
        raise PaperNotFoundError(
            f"arXiv paper {parsed[0]} is not in the index (looked up by id). "
            "Import it or run `paperlens ingest` for its topic."
        )
    found = index.store.get(text)
    if found:
        return found[1]
    titles = index.store.titles()
    low = text.lower()
    by_name = [pid for _, pid, t in titles if _name(t) == low or t.lower() == low]
    if len(by_name) == 1:
        got = index.store.get(by_name[0])
        assert got is not None
        return got[1]
    if len(text) >= 6 and titles:
        choices = {pid: t for _, pid, t in titles}
        best = process.extract(text, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=2)
        if best and best[0][1] >= 88 and (len(best) == 1 or best[0][1] - best[1][1] >= 3):
            got = index.store.get(best[0][2])
            assert got is not None
            return got[1]
    raise PaperNotFoundError(
        f"No paper matches {text!r} (tried: arXiv id or URL, stored id, paper name, fuzzy title). "
        "Try `search` to find it."
    )
