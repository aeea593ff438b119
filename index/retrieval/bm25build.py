"""Building bm25s's index from a stream of tokenised batches in bounded memory.

bm25s's own ``index()`` holds every document as a Python list of token strings, then as a list of token ids,
before scoring: at its peak the whole corpus sits in memory as Python objects, several times the size of the
index it produces, so a large collection needs far more memory to build than to serve. Here each batch
becomes, at once, three flat arrays of (document, term, count) for its distinct terms, so the corpus is never
held as Python objects; the scores (bm25s's Lucene variant, the same formulas and parameters) and the
column-sorted matrix bm25s searches are computed from those arrays.
``tests/index/retrieval/test_bm25build.py`` checks the result equals bm25s's own index.
"""

from __future__ import annotations

from collections.abc import Iterable

import bm25s
import numpy as np

CHUNK = 8_000_000  # postings scored at a time (bounds the float64 temporaries)


def build_bm25(
    token_batches: Iterable[list[list[str]]], k1: float = 1.5, b: float = 0.75
) -> bm25s.BM25 | None:
    """A ``bm25s.BM25`` (method "lucene") over the documents of the batches, in order; None if no tokens."""
    vocab: dict[str, int] = {}
    docs: list[np.ndarray] = []  # per batch: the document of each (document, distinct term) posting
    terms: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    lengths: list[int] = []
    for batch in token_batches:
        bd, bt, bc = [], [], []
        for tokens in batch:
            ids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int32, count=len(tokens)
            )
            uniq, tf = np.unique(ids, return_counts=True)
            bd.append(np.full(uniq.size, len(lengths), dtype=np.int32))
            bt.append(uniq)
            bc.append(np.minimum(tf, 65535).astype(np.uint16))
            lengths.append(len(tokens))
        if bd:
            docs.append(np.concatenate(bd))
            terms.append(np.concatenate(bt))
            counts.append(np.concatenate(bc))
    if not vocab:
        return None
    doc, term, tf = np.concatenate(docs), np.concatenate(terms), np.concatenate(counts)
    del docs, terms, counts
    n = len(lengths)
    vocab[""] = len(vocab)  # bm25s's empty token: a column with no documents
    n_vocab = len(vocab)
    doc_len = np.asarray(lengths, dtype=np.float64)
    avg_len = doc_len.mean()
    df = np.bincount(term, minlength=n_vocab)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    scores = np.empty(doc.size, dtype=np.float32)
    for i in range(
        0, doc.size, CHUNK
    ):  # bm25s's Lucene score, computed as bm25s does (float64, then float32)
        f = tf[i : i + CHUNK].astype(np.float32)
        tfc = f / (k1 * ((1 - b) + b * doc_len[doc[i : i + CHUNK]] / avg_len) + f)
        scores[i : i + CHUNK] = idf[term[i : i + CHUNK]] * tfc
    del tf
    order = np.argsort(term, kind="stable")  # by term, documents ascending within each: CSC
    del term
    data = scores[order]
    del scores
    indices = doc[order]
    del doc, order
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    model = bm25s.BM25(k1=k1, b=b, method="lucene")
    model.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n}
    model.vocab_dict = vocab
    model.unique_token_ids_set = set(vocab.values())
    model.nonoccurrence_array = None  # only BM25L and BM25+ have one
    return model
