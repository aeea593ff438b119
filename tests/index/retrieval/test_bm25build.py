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
    queries = ["neural radiance fields", "rain waterdrop removal", "lung nodule CT", "nerf", "Mamba registration"]
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
