"""BM25 over titles and abstracts (bm25s + Snowball stemming), cached on disk per store generation as plain
arrays (never a pickle)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import bm25s
import numpy as np
import Stemmer

from index.retrieval.bm25build import build_bm25
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
        """BM25 over (rowid, text) batches, tokenised batch by batch (bounded memory: index/retrieval/bm25build.py)."""
        rowids: list[int] = []

        def tokenized() -> Iterator[list[list[str]]]:
            for batch in batches:
                rowids.extend(r for r, _ in batch)
                yield tokenize([t for _, t in batch])

        bm25 = build_bm25(tokenized())  # None when there is no token at all (bm25s cannot index that)
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
        scores = self._bm25.get_scores(q[0], weight_mask=mask)
        # Top k among the documents that match at all. bm25s's own top-k runs np.argpartition over every
        # score, most of them 0 (numpy's slow case): its cost grows with the corpus rather than with the
        # matches, and at scale it took a large share of a search's CPU time.
        hit = np.flatnonzero(scores > 0)
        if hit.size > k:
            hit = hit[np.argpartition(-scores[hit], k - 1)[:k]]
        order = np.lexsort((hit, -scores[hit]))  # best first; ties by store order
        return [(int(self.rowids[d]), float(scores[d])) for d in hit[order]]

    def dumps(self) -> bytes:
        """The index as an .npz of plain arrays and a JSON header: loading it can never run code
        (unlike a pickle, which whoever can write the data directory could turn into a program)."""
        buf = io.BytesIO()
        header: dict[str, Any] = {"format": 1, "generation": self.generation, "bm25": None}
        arrays: dict[str, np.ndarray] = {"rowids": self.rowids}
        if self._bm25 is not None:
            b = self._bm25
            vocab = sorted(b.vocab_dict.items(), key=lambda kv: kv[1])
            header["bm25"] = {
                "params": {
                    k: getattr(b, k)
                    for k in ("k1", "b", "delta", "method", "idf_method", "dtype", "int_dtype")
                },
                "num_docs": int(b.scores["num_docs"]),
                "vocab": [t for t, _ in vocab],
                "vocab_ids": [int(i) for _, i in vocab],
                "unique_token_ids": sorted(int(i) for i in b.unique_token_ids_set),
            }
            arrays |= {k: np.asarray(b.scores[k]) for k in ("data", "indices", "indptr")}
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        np.savez(buf, allow_pickle=False, **arrays)
        return buf.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> LexicalIndex:
        """Read what :meth:`dumps` wrote (no pickles: ``allow_pickle=False``); raises ValueError on damage."""
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode())
            if header.get("format") != 1:
                raise ValueError(f"unknown BM25 cache format {header.get('format')!r}")
            rowids = z["rowids"].astype(np.int64)
            meta = header["bm25"]
            bm25 = None
            if meta is not None:
                bm25 = bm25s.BM25(**meta["params"])
                bm25.scores = {
                    "data": z["data"],
                    "indices": z["indices"],
                    "indptr": z["indptr"],
                    "num_docs": meta["num_docs"],
                }
                bm25.vocab_dict = dict(zip(meta["vocab"], meta["vocab_ids"], strict=True))
                bm25.unique_token_ids_set = set(meta["unique_token_ids"])
                bm25.nonoccurrence_array = (
                    None  # only the bm25l / bm25+ variants use it; lucene (ours) does not
                )
        return cls(rowids, bm25, int(header["generation"]))
