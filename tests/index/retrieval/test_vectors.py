"""The FAISS index kinds: ivf (4-bit codes, candidates re-scored exactly from the stored vectors) against
exact flat search, its filters, persistence and retraining, and the `auto` choice through PaperIndex."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from index.paperindex import PaperIndex
from index.retrieval import vectors
from index.retrieval.exact import VectorSource
from index.retrieval.vectors import IndexParams, VectorIndex, nlist_for
from tests.helpers.factories import make_settings, paper
from tests.helpers.fakes import HashEmbedder

DIM = 32


def clustered(n: int, seed: int) -> np.ndarray:
    """Unit vectors in 60 clusters: neighbourhoods with structure, as embeddings of abstracts have."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((60, DIM))
    x = centres[rng.integers(0, 60, n)] + 0.6 * rng.standard_normal((n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def build(kind: str, vecs: np.ndarray, params: IndexParams | None = None) -> VectorIndex:
    vi = VectorIndex(DIM, params or IndexParams(kind))  # type: ignore[arg-type]
    vi.expect(len(vecs))
    ids = list(range(1, len(vecs) + 1))
    for i in range(0, len(vecs), 2000):  # several adds, as an ingest makes them
        vi.add(ids[i : i + 2000], ["h"] * len(ids[i : i + 2000]), vecs[i : i + 2000])
    return vi


def source(vecs: np.ndarray) -> VectorSource:
    """The store's exact vectors: rowid r is row r-1; unknown rows left out, like the store does."""
    return lambda rowids: {r: vecs[r - 1] for r in rowids if 1 <= r <= len(vecs)}


def recall(got: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(g) & set(e)) / len(e) for g, e in zip(got, exact, strict=True)]))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    docs = clustered(6000, seed=1)
    rng = np.random.default_rng(2)
    queries = docs[rng.integers(0, len(docs), 50)] + 0.3 * rng.standard_normal((50, DIM)).astype(np.float32)
    return docs, queries / np.linalg.norm(queries, axis=1, keepdims=True)


def test_nlist_grows_with_the_square_root_and_keeps_39_vectors_per_list() -> None:
    assert nlist_for(10) == 1 and nlist_for(1_000_000) == 2048 and nlist_for(100_000) == 512
    for n in (100, 5_000, 200_000, 3_000_000):
        assert n / nlist_for(n) >= 39 / 1.5


def test_ivf_rescored_matches_exact_search(data: tuple[np.ndarray, np.ndarray]) -> None:
    docs, queries = data
    exact_scores, exact = build("flat", docs).search(queries, 10)
    vi = build("ivf", docs)
    assert vi.kind == "ivf" and len(vi) == len(docs)
    assert vi._index.nlist == nlist_for(2000)  # what its first add (2,000 vectors) could train, not 6,000
    scores, got = vi.search(queries, 10, vectors_of=source(docs))
    assert recall(got, exact) >= 0.97
    # the scores are the exact inner products, not the 4-bit codes' approximations
    np.testing.assert_allclose(scores[:, 0], np.einsum("ij,ij->i", queries, docs[got[:, 0] - 1]), rtol=1e-5)
    np.testing.assert_allclose(scores[:, 0], exact_scores[:, 0], rtol=1e-5)
    _, coded = vi.search(queries, 10)  # without the store: ranked by the codes alone, still close
    assert recall(coded, exact) >= 0.8


def test_ivf_replace_remove_and_filters(
    data: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, queries = data
    docs = docs.copy()
    vi = build("ivf", docs)
    flat = build("flat", docs)
    q = queries[:1]
    top = int(vi.search(q, 1, vectors_of=source(docs))[1][0, 0])
    vi.remove([top])
    flat.remove([top])
    assert top not in vi.search(q, 10, vectors_of=source(docs))[1][0]
    docs[41] = q[0]  # rowid 42 replaced by the query itself: it must come first
    vi.add([42], ["new"], docs[41:42])
    assert vi.search(q, 1, vectors_of=source(docs))[1][0, 0] == 42 and vi.live()[42] == b"new"
    flat.add([42], ["new"], docs[41:42])
    allowed = np.arange(1, len(docs) + 1, 3)  # a third of the rows
    exact = flat.search(queries, 10, allowed)[1]
    small = vi.search(queries, 10, allowed, vectors_of=source(docs))[1]  # <= FILTER_EXACT: scored row by row
    assert np.array_equal(small, exact)
    monkeypatch.setattr(vectors, "FILTER_EXACT", 10)  # now through the IVF lists with a selector
    wide = vi.search(queries, 10, allowed, vectors_of=source(docs))[1]
    assert set(wide.ravel()) <= set(allowed.tolist()) and recall(wide, exact) >= 0.97


def test_ivf_save_load_and_retrain(data: tuple[np.ndarray, np.ndarray]) -> None:
    docs, queries = data
    vi = build("ivf", docs[:300])  # trained on 300 vectors: few lists
    assert vi._index.nlist == nlist_for(300) and not vi.needs_retrain
    ids = list(range(301, len(docs) + 1))
    vi.add(ids, ["h"] * len(ids), docs[300:])
    assert vi.needs_retrain  # 20x the vectors it was trained for
    vi.remove([5, 6])
    vi.compact(source(docs))
    assert vi._index.nlist == nlist_for(len(docs) - 2) and vi.tombstones == 0 and not vi.needs_retrain
    buf = io.BytesIO()
    vi.save(buf, {"model": "m"})
    back, _ = VectorIndex.load(buf.getvalue(), IndexParams("auto", nprobe=8))
    assert back.kind == "ivf" and back._index.nprobe == 8 and back.live() == vi.live()
    before = vi.search(queries, 10, vectors_of=source(docs))[1]
    after = back.search(queries, 10, vectors_of=source(docs))[1]
    assert recall(after, before) >= 0.9  # fewer lists searched, same exact scores
    with pytest.raises(ValueError, match="vectors_of"):
        vi.remove([7])
        vi.compact()


def test_auto_switches_to_ivf_at_its_size_and_search_reads_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "IVF_FROM", 500)
    papers = [paper(f"p{i}", f"Paper {i}", f"abstract number {i} about topic {i % 7}") for i in range(600)]
    s = make_settings(tmp_path, index_type="auto")
    ix = PaperIndex(s, embedder=HashEmbedder(DIM), check_model=False)
    ix.ingest(list(enumerate(papers[:100])), "t")
    assert ix.stats()["index_type"] == "flat"
    ix.ingest(list(enumerate(papers[100:])), "t")
    ix.close()
    ix = PaperIndex(s, embedder=HashEmbedder(DIM), check_model=False)  # reopened at 600 papers: ivf
    assert ix.stats()["index_type"] == "ivf" and ix.check()["dense"]["agree"]
    hit = ix.search("Paper 123. abstract number 123 about topic 4", k=1, mode="dense")[0]
    assert hit.paper.id == "p123"  # its own text embeds to its own stored vector: exact score 1
    ix.close()


def test_ivf_announced_large_but_fed_a_small_first_batch_trains_what_it_can(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    """An ingest's first 256 papers into an ivf sized for 100,000 (faiss refuses fewer points than lists)."""
    docs = data[0]
    vi = VectorIndex(DIM, IndexParams("ivf"))
    vi.expect(100_000)
    vi.add(list(range(1, 257)), ["h"] * 256, docs[:256])
    assert vi._index.nlist == nlist_for(256) and len(vi) == 256
    vi.add(list(range(257, len(docs) + 1)), ["h"] * (len(docs) - 256), docs[256:])
    assert vi.needs_retrain
    vi.compact(source(docs))
    assert vi._index.nlist == nlist_for(len(docs)) and len(vi) == len(docs)
