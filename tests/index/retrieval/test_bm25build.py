"""The bounded-memory BM25 build equals bm25s's own index: same documents, same scores, same order."""

from __future__ import annotations

import json

import bm25s
import numpy as np
import pytest

from index.retrieval.bm25build import build_bm25
from index.retrieval.lexical import LexicalIndex, tokenize
from tests.helpers.factories import SAMPLE


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    extra = ["", "the of and", "神经辐射场", "NeRF NeRF NeRF nerf", "rain rain rain waterdrop"]
    return [f"{r['title']}. {r['abstract']}" for r in rows] + extra


def test_scores_equal_bm25s_own_index(texts: list[str]) -> None:
    tokens = tokenize(texts)
    ref = bm25s.BM25()
    ref.index(tokens, show_progress=False)
    mine = build_bm25([tokens[i : i + 7] for i in range(0, len(tokens), 7)])  # uneven batches
    assert mine is not None and mine.scores["num_docs"] == ref.scores["num_docs"] == len(texts)
    assert mine.scores["data"].size == ref.scores["data"].size
    queries = [
        "neural radiance fields",
        "rain waterdrop removal",
        "lung nodule CT",
        "nerf",
        "Mamba registration",
    ]
    queries += [" ".join(t.split()[:12]) for t in texts[:40:3]]
    for q in queries:
        qt = tokenize([q])
        d1, s1 = ref.retrieve(qt, k=10, show_progress=False, n_threads=1)
        d2, s2 = mine.retrieve(qt, k=10, show_progress=False, n_threads=1)
        assert np.array_equal(d1, d2), q
        np.testing.assert_allclose(s1, s2, rtol=1e-6)


def test_no_tokens_at_all_gives_no_model_and_an_index_that_finds_nothing() -> None:
    assert build_bm25([[[], []]]) is None
    lex = LexicalIndex.build([[(1, ""), (2, "the of")]], generation=3)
    assert len(lex) == 2 and lex.search("anything", 5) == []


def test_the_built_index_survives_its_own_file_format(texts: list[str]) -> None:
    lex = LexicalIndex.build([[(i + 10, t) for i, t in enumerate(texts)]], generation=4)
    back = LexicalIndex.loads(lex.dumps())
    for q in ("neural radiance fields", "rain waterdrop"):
        assert back.search(q, 5) == lex.search(q, 5) and lex.search(q, 5)


def test_search_ranks_as_bm25s_retrieve_does(texts: list[str]) -> None:
    """LexicalIndex picks its own top k (bm25s's argpartition over mostly-zero scores was slow): the same
    papers with the same scores, best first, ties in store order."""
    lex = LexicalIndex.build([[(i + 1, t) for i, t in enumerate(texts)]], generation=1)
    assert lex._bm25 is not None
    for q in ["neural radiance fields", "rain waterdrop removal", "segmentation of medical images", "nerf"]:
        for k in (1, 5, 100):
            got = lex.search(q, k)
            docs, scores = lex._bm25.retrieve(
                tokenize([q]), k=min(k, len(texts)), show_progress=False, n_threads=1
            )
            want = [(int(lex.rowids[d]), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
            assert [s for _, s in got] == pytest.approx([s for _, s in want])
            assert got == sorted(got, key=lambda x: (-x[1], x[0]))
            top = {r for r, s in want if s > want[-1][1]} if want else set()
            assert top <= {r for r, _ in got}  # only papers tied at the cut may differ
