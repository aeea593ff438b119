"""Search at scale: latency (query embedding included), recall@10 against exact search, memory, add and
reload, per index kind, corpus size and vector set (:mod:`lab.bench_sets`); the indexes a serving
process loads (measured in a child process: :mod:`lab.bench_children`).

The ivf kind re-scores its candidates from a SQLite table shaped like the store's papers table (title and
abstract text, the 384-d vector, the 512-d multilingual vector per row), read with the store's own query.
"""

from __future__ import annotations

import gc
import io
import logging
import sqlite3
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from index.retrieval.embed import Embedder, resolve_model_path
from index.retrieval.exact import exact_top_k
from index.retrieval.vectors import TRAIN_PER_LIST, IndexParams, VectorIndex, nlist_for

log = logging.getLogger(__name__)

KINDS = ("flat", "hnsw", "ivf")
FILLER = "x" * 1400  # a row's title, abstract and authors: about 1.4 KB per paper
MULTI_DIM = 512


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now, or its peak with "VmHWM" (per address space: unlike getrusage's
    ru_maxrss, not inherited from the parent that started this process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def multilingual_projection(dim: int) -> np.ndarray:
    """A fixed random map to 512-d: stands in for the multilingual space (its memory and cost, not quality)."""
    proj: np.ndarray = np.random.default_rng(11).standard_normal((dim, MULTI_DIM)).astype(np.float32)
    return proj / np.float32(np.sqrt(dim))


def to_multi(vecs: np.ndarray, proj: np.ndarray) -> np.ndarray:
    m: np.ndarray = vecs @ proj
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m


class StoredVectors:
    """A papers table as the store keeps it; calling it reads vectors back as ``SQLiteStore.vectors`` does."""

    def __init__(self, path: Path, column: str = "vector", dim: int = 384) -> None:
        self.path, self.column, self.dim = path, column, dim
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS papers (rowid INTEGER PRIMARY KEY, abstract TEXT, vector BLOB, mvector BLOB)"
        )

    def fill(self, vecs: np.ndarray, proj: np.ndarray | None) -> None:
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        for i in range(0, len(vecs), 20_000):
            chunk = vecs[i : i + 20_000]
            multi = to_multi(chunk, proj) if proj is not None else None
            self._db.executemany(
                "INSERT INTO papers VALUES (?, ?, ?, ?)",
                (
                    (i + j + 1, FILLER, chunk[j].tobytes(), None if multi is None else multi[j].tobytes())
                    for j in range(len(chunk))
                ),
            )
        self._db.commit()

    def __call__(self, rowids: Sequence[int]) -> Mapping[int, np.ndarray]:
        marks = ",".join("?" * len(rowids))
        return {
            r: np.frombuffer(b, dtype=np.float32)
            for r, b in self._db.execute(
                f"SELECT rowid, {self.column} FROM papers WHERE rowid IN ({marks}) AND {self.column} IS NOT NULL",
                list(rowids),
            )
        }


def build(kind: str, vecs: np.ndarray) -> tuple[VectorIndex, float]:
    gc.collect()
    t0 = time.perf_counter()
    vi = VectorIndex(vecs.shape[1], IndexParams(kind))  # type: ignore[arg-type]
    vi.expect(len(vecs))
    chunk = max(50_000, TRAIN_PER_LIST * nlist_for(len(vecs)))  # an ivf trains on its first add
    for i in range(0, len(vecs), chunk):
        ids = list(range(i + 1, min(len(vecs), i + chunk) + 1))
        vi.add(ids, ["0" * 16] * len(ids), vecs[i : i + len(ids)])
    return vi, time.perf_counter() - t0


def recall(got: np.ndarray, exact: np.ndarray) -> float:
    return float(
        np.mean([len(set(g.tolist()) & set(e.tolist())) / 10 for g, e in zip(got, exact, strict=True)])
    )


def query_encoder(emb: Embedder) -> Embedder:
    """What embeds a query in PaperLens: the model's ONNX export in this machine's chosen variant (written
    here if missing), else ``emb``."""
    from index.retrieval.fast_query import FastQuery
    from index.retrieval.onnx_encoder import ensure_exported

    ensure_exported(resolve_model_path(emb.name))
    return FastQuery(emb.name).encoder() or emb


def bench_kind(
    kind: str,
    vecs: np.ndarray,
    qtexts: list[str],
    emb: Embedder,
    exact: np.ndarray,
    source: StoredVectors,
    adds: list[str],
    qemb: Embedder | None = None,
) -> dict[str, Any]:
    """One index kind over ``vecs``: queries embedded by ``qemb`` (default ``emb``) inside the timing, new
    papers by ``emb``."""
    vi, build_s = build(kind, vecs)
    src = source if kind == "ivf" else None
    lat, embed_lat, got, qvs = [], [], [], []
    for q in qtexts:
        t = time.perf_counter()
        qv = (qemb or emb).encode([q])
        t_embedded = time.perf_counter()
        _, rowids = vi.search(qv, 10, vectors_of=src)
        lat.append((time.perf_counter() - t) * 1000)
        embed_lat.append((t_embedded - t) * 1000)
        got.append(rowids[0])
        qvs.append(qv[0])
    add_ms = []
    for j, text in enumerate(adds):  # one new paper at a time: embed + add
        t = time.perf_counter()
        vi.add([len(vecs) + 1 + j], ["1" * 16], emb.encode([text]))
        add_ms.append((time.perf_counter() - t) * 1000)
    qmat = np.vstack(qvs)
    curve = []
    knob, values = ("ef_search", (128, 256, 512, 1024)) if kind == "hnsw" else ("nprobe", (16, 32, 64, 128))
    if kind != "flat":  # the recall / latency trade-off, the query already embedded
        base = vi.params
        for v in values:
            vi.params = replace(base, ef_search=v) if kind == "hnsw" else replace(base, nprobe=v)
            t = time.perf_counter()
            found = np.vstack([vi.search(qmat[i : i + 1], 10, vectors_of=src)[1] for i in range(len(qmat))])
            ms = (time.perf_counter() - t) / len(qmat) * 1000
            curve.append({knob: v, "recall@10": round(recall(found, exact), 4), "search_ms": round(ms, 2)})
        vi.params = base
    buf = io.BytesIO()
    t = time.perf_counter()
    vi.save(buf, {"model": "bench"})
    save_s = time.perf_counter() - t
    t = time.perf_counter()
    VectorIndex.load(buf.getvalue(), IndexParams(kind))  # type: ignore[arg-type]
    load_s = time.perf_counter() - t
    lat.sort()
    return {
        "size": len(vecs),
        "index": kind,
        "build_s": round(build_s, 2),
        "p50_ms": round(statistics.median(lat), 2),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 2),
        "embed_p50_ms": round(statistics.median(embed_lat), 2),
        "recall@10_vs_exact": round(recall(np.vstack(got), exact), 4),
        "add_one_ms": round(statistics.median(add_ms), 2),
        "save_s": round(save_s, 3),
        "reload_s": round(load_s, 3),
        "index_mb": round(buf.getbuffer().nbytes / 2**20, 1),
        "curve": curve,
    }


def exact_neighbours(vecs: np.ndarray, qtexts: list[str], emb: Embedder) -> np.ndarray:
    """Rowids of the exact top 10 of each query (a plain matrix product: the definition of exact).

    Each query is embedded alone, as the timed searches embed it: in bfloat16 a query embedded in a batch
    differs slightly from the same query alone (padding), enough to swap near-tied 10th neighbours."""
    q = np.vstack([emb.encode([t]) for t in qtexts])
    _, pos = exact_top_k(q, vecs, 10, np.ones(len(vecs), dtype=bool))
    return pos + 1


def write_serving_indexes(work: Path, vecs: np.ndarray, proj: np.ndarray, kind: str) -> None:
    """Both spaces' indexes of ``kind``, saved where :func:`serving_child` loads them."""
    for name, v in (("dense.npz", vecs), ("multi.npz", to_multi(vecs, proj))):
        vi, _ = build(kind, v)
        with (work / name).open("wb") as fh:
            vi.save(fh, {"model": "bench"})
        del vi, v
    gc.collect()
