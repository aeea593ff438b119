"""The benchmark's vector sets, built from real embedded sentences (no large real corpus fits a test machine).

- **realistic**: each vector is a randomly weighted mean of a real abstract's worth of embedded sentences,
  70% drawn from one real abstract and the rest from its 10 nearest abstracts (its topic), so neighbourhoods
  are those of a field: many related papers, few near-duplicates. Texts are composed the same way (for BM25).
  The mix was chosen so that, at SciFact's size and with its real queries, the similarity of the 1st and 10th
  neighbour and the near-ties around the 10th match those of SciFact's real abstracts embedded whole
  (`scripts/bench_realism.py`; figures in the README).
- **stress**: vectors scattered tightly around 2,000 mixed-sentence centres: hundreds of near-identical
  vectors each at 1M, so the exact top 10 is decided by noise among near-ties (the hard case for any
  approximate index).

Sentences come from a corpus of real abstracts (``--corpus``: a BEIR ``corpus.jsonl`` such as SciFact, or
a PaperLens JSONL); without one, from the bundled sample corpus (40 abstracts: far too few for realistic
neighbourhoods at scale, and the report says so). Their embeddings are cached in the user cache directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from index.retrieval.embed import Embedder

log = logging.getLogger(__name__)

MIN_WORDS = 4  # shorter fragments (headings, "Methods:") are not sentences of an abstract


@dataclass
class SentencePool:
    source: str
    texts: list[str]  # sentences, grouped by abstract
    vectors: np.ndarray  # (sentences, dim), unit
    starts: np.ndarray  # abstract -> index of its first sentence
    counts: np.ndarray  # abstract -> number of sentences
    neighbours: np.ndarray  # abstract -> its 10 nearest other abstracts (by mean sentence vector)

    @property
    def abstracts(self) -> int:
        return len(self.starts)


def read_abstracts(corpus: Path | None, limit: int) -> tuple[str, list[str]]:
    """(source name, abstracts) from a JSONL corpus ("abstract" or BEIR "text"), or the bundled sample."""
    if corpus is None:
        lines = resources.files("index").joinpath("data/sample_papers.jsonl").read_text(encoding="utf-8")
        name = "the bundled sample corpus"
    else:
        lines = corpus.read_text(encoding="utf-8")
        name = str(corpus)
    out = []
    for line in lines.splitlines():
        if line.strip():
            row = json.loads(line)
            text = row.get("abstract") or row.get("text") or ""
            if text:
                out.append(text)
        if len(out) >= limit:
            break
    return name, out


def abstract_sentences(corpus: Path | None, limit: int) -> tuple[str, list[str], list[int]]:
    """(source name, the sentences of up to ``limit`` abstracts in order, how many each abstract has)."""
    from index.answers.sentences import split_sentences

    name, abstracts = read_abstracts(corpus, limit)
    texts: list[str] = []
    counts = []
    for a in abstracts:
        sents = [s for s in split_sentences(a) if len(s.split()) >= MIN_WORDS]
        if sents:
            texts.extend(sents)
            counts.append(len(sents))
    return name, texts, counts


def sentence_pool(emb: Embedder, corpus: Path | None, limit: int = 6000) -> SentencePool:
    """The embedded sentences of up to ``limit`` abstracts, cached per corpus, model and dtype."""
    name, texts, counts = abstract_sentences(corpus, limit)
    vectors = cached_embeddings(emb, texts, f"sentences of {len(counts)} abstracts from {name}")
    cnt = np.asarray(counts, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(cnt)[:-1]]).astype(np.int64)
    means = np.add.reduceat(vectors, starts, axis=0)
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    sims = means @ means.T
    np.fill_diagonal(sims, -np.inf)
    k = min(10, max(1, len(cnt) - 1))
    neighbours = np.argsort(-sims, axis=1)[:, :k] if len(cnt) > 1 else np.zeros((1, 1), dtype=np.int64)
    return SentencePool(name, texts, vectors, starts, cnt, neighbours)


OWN = 0.7  # share of a realistic vector's sentences from its seed abstract (the rest: its topic neighbours)
SHAPE = 0.5  # gamma shape of the sentence weights: uneven, as an abstract dwells on some sentences


def cached_embeddings(emb: Embedder, texts: list[str], what: str) -> np.ndarray:
    """``emb.encode(texts)``, cached in the user cache directory per model, dtype and texts."""
    import platformdirs

    key = hashlib.sha1("\n".join([emb.name, str(getattr(emb, "dtype", "")), *texts]).encode()).hexdigest()[
        :16
    ]
    path = platformdirs.user_cache_path("paperlens", appauthor=False) / "bench" / f"embedded-{key}.npy"
    if path.exists():
        try:
            cached: np.ndarray = np.load(path, allow_pickle=False)
            if cached.shape == (len(texts), emb.dim):
                return cached
        except (OSError, ValueError):
            log.warning("bench: ignoring a damaged cache %s", path)
    log.info("bench: embedding %d %s (cached in %s for the next run)", len(texts), what, path)
    vectors = np.asarray(emb.encode(texts), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors, allow_pickle=False)
    tmp.replace(path)
    return vectors


def _compose(pool: SentencePool, n: int, seed: int, own: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(sentence indices (m, 12), weights (m, 12), 0 = unused) in chunks: an abstract-sized draw per vector."""
    rng = np.random.default_rng(seed)
    width = 12
    for i in range(0, n, 50_000):
        m = min(50_000, n - i)
        seeds = rng.integers(0, pool.abstracts, m)
        length = np.clip(pool.counts[seeds], 3, width)
        mine = rng.random((m, width)) < own
        other = pool.neighbours[seeds[:, None], rng.integers(0, pool.neighbours.shape[1], (m, width))]
        src = np.where(mine, seeds[:, None], other)
        idx = pool.starts[src] + (rng.random((m, width)) * pool.counts[src]).astype(np.int64)
        used = np.arange(width)[None, :] < length[:, None]
        yield idx, rng.gamma(SHAPE, 1.0, (m, width)).astype(np.float32) * used


def realistic_vectors(pool: SentencePool, n: int, seed: int = 0, own: float = OWN) -> np.ndarray:
    out = np.empty((n, pool.vectors.shape[1]), dtype=np.float32)
    at = 0
    for idx, weight in _compose(pool, n, seed, own):
        v = (pool.vectors[idx] * weight[:, :, None]).sum(axis=1)
        out[at : at + len(v)] = v / np.linalg.norm(v, axis=1, keepdims=True)
        at += len(v)
    return out


def realistic_texts(
    pool: SentencePool, n: int, seed: int = 0, own: float = OWN
) -> Iterator[list[tuple[int, str]]]:
    """The texts of :func:`realistic_vectors` (same seed: same draws), as (rowid, text) batches."""
    rowid = 1
    for idx, used in _compose(pool, n, seed, own):
        batch: list[tuple[int, str]] = []
        for row, weights in zip(idx.tolist(), used.tolist(), strict=True):
            batch.append((rowid, " ".join(pool.texts[j] for j, w in zip(row, weights, strict=True) if w > 0)))
            rowid += 1
        yield batch


def stress_vectors(pool: SentencePool, n: int, seed: int = 0, centres: int = 2000) -> np.ndarray:
    """N unit vectors scattered tightly around mixes of 7 random sentences (near-ties by the hundred at 1M)."""
    rng = np.random.default_rng(seed)
    dim = pool.vectors.shape[1]
    c = pool.vectors[rng.integers(0, len(pool.vectors), (centres, 7))].sum(axis=1)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    for i in range(0, n, 100_000):
        m = min(100_000, n - i)
        v = c[rng.integers(0, centres, m)] + rng.normal(0, 0.35 / np.sqrt(dim), (m, dim))
        out[i : i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def read_queries(path: Path | None, pool: SentencePool, limit: int = 200) -> list[str]:
    """Real queries (a BEIR ``queries.jsonl``: "text"), else single sentences of the pool."""
    if path is not None:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r["text"] for r in rows if r.get("text")][:limit]
    return random.Random(3).sample(pool.texts, min(limit, len(pool.texts)))


def neighbourhood(docs: np.ndarray, queries: np.ndarray, k: int = 10) -> dict[str, float]:
    """How crowded the queries' top k are: mean similarity of the 1st and kth, and how many documents lie
    within 0.01 of the kth (near-ties that decide the exact top k by noise)."""
    sims = queries @ docs.T
    top = -np.sort(-sims, axis=1)[:, : k + 1]
    kth = top[:, k - 1 : k]
    ties = (np.abs(sims - kth) <= 0.01).sum(axis=1) - 1
    return {
        "top1": round(float(top[:, 0].mean()), 4),
        f"top{k}": round(float(kth.mean()), 4),
        "ties_within_0.01": round(float(np.median(ties)), 1),
    }
