"""The FAISS vector index: add / replace / remove / search / atomic save / load.

Vectors are L2-normalised and compared by inner product. Positions in the FAISS index map to
store rowids through ``labels``; a replaced or removed vector is tombstoned (``alive`` false)
and excluded with an ``IDSelectorBitmap``, which works the same for the exact flat index, HNSW
(which cannot delete) and IVF. ``compact()`` rebuilds without tombstones.

Kinds: ``flat`` (exact, float32 in memory), ``hnsw`` (graph over float32), and ``ivf``: an inverted file over
4-bit scalar-quantised codes (an eighth of float32's memory, a few percent of the vectors scanned per query)
whose 100 best candidates are re-scored exactly from the vectors the store keeps (``vectors_of``), so the
float32 vectors stay on disk. Why 4-bit codes: the exact re-score restores the order the coarse codes blur, so
the recall lost is that of the lists not probed, not of the codes, and 4 bits take half the memory of 8. Why
100 candidates: each one re-scored is a row read from the store per query, and more cost a server throughput
for little recall (docs/measurements.md, "4-bit or 8-bit codes"). Indexes saved with 8-bit codes by earlier
versions load and work as they are. ``auto`` is flat below ``IVF_FROM`` vectors and ivf from there.
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Literal

import faiss as _faiss
import numpy as np

from index.retrieval.exact import VectorSource, exact_top_k, rescore

# faiss's generated stubs disagree with its runtime signatures (keyword params, selectors).
faiss: Any = _faiss

log = logging.getLogger(__name__)

IndexKind = Literal["flat", "hnsw", "ivf"]
FORMAT = 1
IVF_FROM = 100_000  # auto: exact flat search below this many vectors, ivf from here (see README, Performance)
TRAIN_PER_LIST = 64  # ivf training vectors per list (faiss wants at least 39)
IVF_CODES = "SQ4"  # faiss scalar quantiser of the ivf's codes (see the module's docstring)
FILTER_EXACT = 20_000  # ivf: a filter that leaves at most this many rows is scored exactly, row by row


def nlist_for(n: int) -> int:
    """IVF lists for n vectors: the power of two nearest 2*sqrt(n), with at least 39 vectors per list."""
    if n < 2 * 39:
        return 1
    target = min(2 * math.sqrt(n), n / 39)
    return int(2 ** max(0, math.floor(math.log2(target) + 0.5)))


class CorruptIndexError(Exception):
    """The index file cannot be read; the caller rebuilds it from the store."""


@dataclass(frozen=True)
class IndexParams:
    kind: IndexKind | Literal["auto"] = "flat"
    hnsw_m: int = 48
    ef_search: int = 512  # hnsw candidates per query: 256 lost recall at 1M papers (docs/measurements.md)
    ef_construction: int = 80
    nprobe: int = 128  # ivf lists searched per query: 64 lost recall at 1M papers (docs/measurements.md)
    rescore: int = 100  # ivf candidates re-scored exactly per query

    def resolve(self, n: int) -> IndexParams:
        """These parameters with ``auto`` replaced by the kind for an index of ``n`` vectors."""
        if self.kind != "auto":
            return self
        return replace(self, kind="ivf" if n >= IVF_FROM else "flat")


class VectorIndex:
    """A FAISS index over store rowids, with per-vector text hashes for reconciliation."""

    def __init__(self, dim: int, params: IndexParams = IndexParams()) -> None:
        self.dim = dim
        self.params = params.resolve(0)
        self._expected = 0
        self._index = self._new_index()
        self.labels = np.zeros(0, dtype=np.int64)
        self.hashes = np.zeros(0, dtype="S16")
        self.alive = np.zeros(0, dtype=bool)
        self.generation = 0

    def _new_index(self) -> faiss.Index:
        if self.params.kind == "hnsw":
            idx = faiss.IndexHNSWFlat(self.dim, self.params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            idx.hnsw.efConstruction = self.params.ef_construction
            idx.hnsw.efSearch = self.params.ef_search
            return idx
        if self.params.kind == "ivf":  # untrained: lists are chosen and trained by the first add
            return faiss.index_factory(self.dim, f"IVF1,{IVF_CODES}", faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexFlatIP(self.dim)

    def expect(self, n: int) -> None:
        """Say how many vectors are about to be added (an untrained ivf sizes its lists for them)."""
        self._expected = n

    def _train(self, vecs: np.ndarray) -> None:
        # Lists for the size announced, but never more than these vectors can train (39 each); an index
        # trained on too small a first batch is retrained from the store once it has grown (needs_retrain).
        nlist = min(nlist_for(max(self._expected, len(vecs))), nlist_for(len(vecs)))
        idx = faiss.index_factory(self.dim, f"IVF{nlist},{IVF_CODES}", faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vecs[np.sort(rng.choice(len(vecs), min(len(vecs), TRAIN_PER_LIST * nlist), replace=False))]
        idx.cp.min_points_per_centroid = 1  # a small first batch trains fewer points per list, silently
        idx.train(sample)
        idx.nprobe = self.params.nprobe
        self._index = idx
        log.info("ivf index trained: %d lists on %d vectors", nlist, len(sample))

    @property
    def needs_retrain(self) -> bool:
        """An ivf whose list count is far too small for its size now (it grew 4x or more since training)."""
        return self.params.kind == "ivf" and nlist_for(len(self)) >= 4 * max(1, self._index.nlist)

    # ----- contents -----
    @property
    def kind(self) -> str:
        return self.params.kind

    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def tombstones(self) -> int:
        return int(self.alive.size - self.alive.sum())

    def live(self) -> dict[int, bytes]:
        """Rowid -> text hash of every live vector."""
        idx = np.nonzero(self.alive)[0]
        return dict(zip(self.labels[idx].tolist(), self.hashes[idx].tolist(), strict=True))

    def add(self, rowids: Sequence[int], hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Add or replace vectors for these rowids (a replaced one is tombstoned first)."""
        if len(rowids) == 0:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[1] != self.dim or vecs.shape[0] != len(rowids):
            raise ValueError(f"expected ({len(rowids)}, {self.dim}) vectors, got {vecs.shape}")
        ids = np.asarray(rowids, dtype=np.int64)
        self.remove(ids)
        if self.params.kind == "ivf" and not self._index.is_trained:
            self._train(vecs)
        self._index.add(vecs)
        self.labels = np.concatenate([self.labels, ids])
        self.hashes = np.concatenate([self.hashes, np.asarray([h.encode() for h in hashes], dtype="S16")])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])

    def remove(self, rowids: Sequence[int] | np.ndarray) -> int:
        """Tombstone every live vector of these rowids; returns how many."""
        if self.labels.size == 0 or len(rowids) == 0:
            return 0
        hit = np.isin(self.labels, np.asarray(rowids, dtype=np.int64)) & self.alive
        self.alive[hit] = False
        return int(hit.sum())

    # ----- search -----
    def search(
        self,
        queries: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        vectors_of: VectorSource | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rowids) for each query; rowid -1 pads short lists.

        Args:
            queries: (q, dim) unit vectors.
            k: results per query.
            allowed: optional rowids to restrict the search to (filters).
            vectors_of: the exact vectors of rowids (ivf re-scores its candidates with them; without it, ivf
                ranks by its quantised codes).
        """
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = self._index.ntotal
        if n == 0 or k <= 0:
            return np.zeros((q.shape[0], 0), np.float32), np.zeros((q.shape[0], 0), np.int64)
        mask = self.alive if allowed is None else self.alive & np.isin(self.labels, allowed)
        kept = int(mask.sum())
        k_eff = min(k, kept)
        if k_eff == 0:
            return np.zeros((q.shape[0], 0), np.float32), np.zeros((q.shape[0], 0), np.int64)
        if self.params.kind == "flat":
            return self._exact(q, k_eff, mask)
        ivf = self.params.kind == "ivf"
        if ivf and vectors_of is not None and allowed is not None and kept <= FILTER_EXACT:
            return rescore(q, np.tile(self.labels[mask], (q.shape[0], 1)), k_eff, vectors_of)
        sel = None if kept == mask.size else faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))
        fetch = max(k_eff, self.params.rescore) if ivf and vectors_of is not None else k_eff
        if ivf:  # a filter leaves fewer vectors per list: search proportionally more lists
            nprobe = min(self._index.nlist, math.ceil(self.params.nprobe * mask.size / kept))
            params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
        else:
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(self.params.ef_search, k_eff))
        scores, pos = self._index.search(q, fetch, params=params)
        rowids = np.where(pos >= 0, self.labels[np.clip(pos, 0, None)], -1)
        if ivf and vectors_of is not None:
            return rescore(q, rowids, k_eff, vectors_of)
        return scores, rowids

    def _exact(self, q: np.ndarray, k: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self._index.ntotal
        raw = faiss.rev_swig_ptr(self._index.get_xb(), n * self.dim).reshape(n, self.dim)
        scores, pos = exact_top_k(q, raw, k, mask)
        return scores, self.labels[pos]

    # ----- maintenance -----
    def compact(self, vectors_of: VectorSource | None = None, chunk: int = 100_000) -> None:
        """Rebuild without tombstones (HNSW cannot delete in place); an ivf is also retrained for its size.

        An ivf holds only quantised codes, so it rebuilds from ``vectors_of`` (the store's exact vectors), in chunks;
        a vector the store no longer has is dropped.
        """
        if self.tombstones == 0 and not self.needs_retrain:
            return
        keep = np.nonzero(self.alive)[0]
        labels, hashes = self.labels[keep], self.hashes[keep]
        if self.params.kind == "ivf" and vectors_of is None:
            raise ValueError("an ivf index is rebuilt from the stored vectors: pass vectors_of")
        old = self._index
        self._index = self._new_index()
        self.labels = np.zeros(0, dtype=np.int64)
        self.hashes = np.zeros(0, dtype="S16")
        self.alive = np.zeros(0, dtype=bool)
        self.expect(len(keep))
        chunk = max(chunk, TRAIN_PER_LIST * nlist_for(len(keep)))  # an ivf trains on the first
        for i in range(0, len(keep), chunk):
            ids, hs = labels[i : i + chunk], hashes[i : i + chunk]
            if vectors_of is None:
                vecs = old.reconstruct_batch(keep[i : i + chunk])
            else:
                got = vectors_of(ids.tolist())
                present = np.array([int(r) in got for r in ids], dtype=bool)
                ids, hs = ids[present], hs[present]
                vecs = (
                    np.vstack([got[int(r)] for r in ids]) if ids.size else np.zeros((0, self.dim), np.float32)
                )
            self.add(ids.tolist(), [h.decode() for h in hs], vecs)

    # ----- persistence -----
    def save(self, fh: BinaryIO, meta: Mapping[str, object]) -> None:
        """Write the whole index (FAISS bytes, labels, hashes, tombstones, meta) as one npz."""
        header = {
            "format": FORMAT,
            "dim": self.dim,
            "kind": self.params.kind,
            "generation": self.generation,
            **meta,
        }
        np.savez(
            fh,
            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            faiss=faiss.serialize_index(self._index),
            labels=self.labels,
            hashes=self.hashes,
            alive=self.alive,
        )

    @classmethod
    def load(cls, data: bytes | BinaryIO, params: IndexParams) -> tuple[VectorIndex, dict[str, object]]:
        """Read an index written by :meth:`save`; raises CorruptIndexError on any damage."""
        try:
            src = io.BytesIO(data) if isinstance(data, bytes) else data
            with np.load(src, allow_pickle=False) as z:
                header = json.loads(bytes(z["header"]).decode())
                raw = z["faiss"]
                labels, hashes, alive = z["labels"], z["hashes"], z["alive"]
            if header.get("format") != FORMAT:
                raise CorruptIndexError(f"unknown index format {header.get('format')!r}")
            inner = faiss.deserialize_index(raw)
        except CorruptIndexError:
            raise
        except Exception as e:  # zip, json, faiss: any damage means rebuild
            raise CorruptIndexError(f"{type(e).__name__}: {e}") from e
        if not (inner.ntotal == labels.size == hashes.size == alive.size) or inner.d != header["dim"]:
            raise CorruptIndexError("index file parts disagree in size")
        kind: IndexKind = (
            "hnsw"
            if isinstance(inner, faiss.IndexHNSW)
            else "ivf"
            if isinstance(inner, faiss.IndexIVF)
            else "flat"
        )
        self = cls(int(header["dim"]), replace(params, kind=kind))
        if kind == "hnsw":
            inner.hnsw.efSearch = params.ef_search
        elif kind == "ivf":
            inner.nprobe = params.nprobe
        self._index = inner
        self.labels, self.hashes, self.alive = (
            labels.astype(np.int64),
            hashes.astype("S16"),
            alive.astype(bool),
        )
        self.generation = int(header.get("generation", 0))
        return self, header
