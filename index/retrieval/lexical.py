"""BM25 over titles and abstracts (bm25s + Snowball stemming), cached on disk per store generation."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterable

import bm25s
import numpy as np
import Stemmer

from index.retrieval.lang import latin_text

log = logging.getLogger(__name__)

_STEMMER = Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed tokens; non-Latin script is dropped (abstracts are English)."""
    return bm25s.tokenize(  # type: ignore[no-any-return]
        [latin_text(t) for t in texts],
        stopwords="en",
        stemmer=_STEMMER,
        show_progress=False,
        return_ids=False,
    )


class LexicalIndex:
    """BM25 index whose document order maps to store rowids."""

    def __init__(self, rowids: np.ndarray, bm25: bm25s.BM25 | None, generation: int) -> None:
        self.rowids = rowids
        self._bm25 = bm25
        self.generation = generation

    @classmethod
    def build(cls, batches: Iterable[list[tuple[int, str]]], generation: int) -> LexicalIndex:
        rowids: list[int] = []
        tokens: list[list[str]] = []
        for batch in batches:
            rowids.extend(r for r, _ in batch)
            tokens.extend(tokenize([t for _, t in batch]))
        bm25 = None
        if any(tokens):  # bm25s cannot index a corpus with no tokens at all
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        log.info("BM25 index built over %d papers", len(rowids))
        return cls(np.asarray(rowids, dtype=np.int64), bm25, generation)

    def __len__(self) -> int:
        return int(self.rowids.size)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(rowid, score) best first; documents with no matching term are left out."""
        if self._bm25 is None or k <= 0:
            return []
        q = tokenize([query])
        if not q or not q[0]:
            return []
        mask = None
        if allowed is not None:
            mask = np.isin(self.rowids, allowed).astype(np.float32)
            if not mask.any():
                return []
        k_eff = min(k, len(self))
        docs, scores = self._bm25.retrieve(q, k=k_eff, show_progress=False, weight_mask=mask, n_threads=1)
        return [(int(self.rowids[d]), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def dumps(self) -> bytes:
        return pickle.dumps((self.rowids, self._bm25, self.generation), protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> LexicalIndex:
        # Only ever reads the cache file this module wrote into the data directory.
        rowids, bm25, generation = pickle.loads(data)
        return cls(rowids, bm25, generation)
