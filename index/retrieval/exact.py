"""Exact inner-product scoring: the flat index's top-k over its float32 storage, and the exact re-scoring of
an approximate index's candidates from the store's vectors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

import numpy as np

# rowids -> their exact vectors (rows the store no longer has are left out)
VectorSource = Callable[[Sequence[int]], Mapping[int, np.ndarray]]


def exact_top_k(q: np.ndarray, xb: np.ndarray, k: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, positions) of ``q @ xb.T`` over the rows ``mask`` keeps, as one matrix product.

    Why torch: this faiss wheel's generic kernels are slower for one query than a BLAS matrix product, and
    NumPy's OpenBLAS threads, woken right after the query was embedded, contend for the cores with torch's
    spinning OpenMP threads, which multiplies the tail latency of embed + search. The product therefore runs
    in torch, on the encoder's own thread pool. When torch is not loaded (the query came from the ONNX
    encoder: a one-shot command), there is no such contention and NumPy does it instead.
    """
    if "torch" not in sys.modules:
        return _top_k_numpy(q, xb, k, mask)
    import torch

    xt = torch.from_numpy(xb)
    masked = None if bool(mask.all()) else torch.from_numpy(~mask)
    all_scores = np.empty((q.shape[0], k), dtype=np.float32)
    all_pos = np.empty((q.shape[0], k), dtype=np.int64)
    with torch.inference_mode():
        for i in range(0, q.shape[0], 32):
            sims = torch.tensor(q[i : i + 32], dtype=torch.float32) @ xt.T  # a copy: q may be read-only
            if masked is not None:
                sims[:, masked] = -torch.inf
            vals, pos = torch.topk(sims, k, dim=1)
            all_scores[i : i + 32] = vals.numpy()
            all_pos[i : i + 32] = pos.numpy()
    return all_scores, all_pos


def _top_k_numpy(q: np.ndarray, xb: np.ndarray, k: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = np.asarray(q, dtype=np.float32) @ xb.T
    if not bool(mask.all()):
        sims[:, ~mask] = -np.inf
    top = (
        np.argpartition(-sims, k - 1, axis=1)[:, :k]
        if k < sims.shape[1]
        else np.tile(np.arange(sims.shape[1]), (sims.shape[0], 1))
    )
    part = np.take_along_axis(sims, top, axis=1)
    order = np.argsort(-part, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(top, order, axis=1)


def rescore(
    queries: np.ndarray, candidates: np.ndarray, k: int, vectors_of: VectorSource
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (scores, rowids) among each query's candidate rowids (-1 ignored), by ``vectors_of``."""
    uniq = np.unique(candidates[candidates >= 0])
    got = vectors_of(uniq.tolist()) if uniq.size else {}
    ids = np.array([r for r in uniq.tolist() if r in got], dtype=np.int64)
    scores = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
    rowids = np.full((queries.shape[0], k), -1, dtype=np.int64)
    if ids.size == 0:
        return scores[:, :0], rowids[:, :0]
    sims = np.asarray(queries, dtype=np.float32) @ np.vstack([got[int(r)] for r in ids]).T
    for i, cand in enumerate(candidates):
        c = cand[cand >= 0]
        col = np.searchsorted(ids, c)
        col = np.unique(col[(col < ids.size) & (ids[np.clip(col, 0, ids.size - 1)] == c)])
        top = np.argsort(-sims[i, col], kind="stable")[:k]
        scores[i, : top.size], rowids[i, : top.size] = sims[i, col[top]], ids[col[top]]
    width = int((rowids >= 0).sum(axis=1).max())
    return scores[:, :width], rowids[:, :width]
