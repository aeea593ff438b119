"""Retrieval quality on the labelled sets, with the real packaged models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.paperindex import PaperIndex
from index.retrieval.embed import SentenceTransformerEmbedder
from index.retrieval.multilingual import MultilingualEmbedder
from lab.evaluate import evaluate_index, load_qrels, load_queries, metrics

pytestmark = pytest.mark.slow
EVAL = Path(__file__).resolve().parents[3] / "eval"


def scores(index: PaperIndex, name: str) -> dict[str, dict[str, float]]:
    d = EVAL / name
    return evaluate_index(
        index,
        load_queries(d / "queries.jsonl"),
        load_qrels(d / "qrels" / "test.tsv"),
        ("hybrid", "dense", "bm25"),
    )


def test_packaged_model_embeds_offline() -> None:
    emb = SentenceTransformerEmbedder(dtype="float32")
    v = emb.encode(["neural radiance fields", "NeRF novel view synthesis", "liver tumour segmentation in CT"])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_bfloat16_embeddings_match_float32() -> None:
    text = ["Deformable image registration of MR and CT scans with a Mamba backbone."]
    a = SentenceTransformerEmbedder(dtype="float32").encode(text)[0]
    b = SentenceTransformerEmbedder(dtype="bfloat16").encode(text)[0]
    assert float(a @ b) > 0.99


def test_multilingual_encoder_links_chinese_to_english() -> None:
    use = MultilingualEmbedder()
    zh, en_same, en_other = use.encode(
        ["医学图像配准", "medical image registration", "street view synthesis"]
    )
    assert zh @ en_same > zh @ en_other


def test_hybrid_recall_at_5_at_least_dense_and_bm25_english(sample_index: PaperIndex) -> None:
    s = scores(sample_index, "sample-en")
    assert s["hybrid"]["recall@5"] >= max(s["dense"]["recall@5"], s["bm25"]["recall@5"])
    assert s["hybrid"]["recall@5"] >= 0.9


def test_hybrid_recall_at_5_at_least_dense_and_bm25_chinese(sample_index: PaperIndex) -> None:
    s = scores(sample_index, "sample-zh")
    assert s["hybrid"]["recall@5"] >= max(s["dense"]["recall@5"], s["bm25"]["recall@5"])
    assert s["hybrid"]["recall@5"] >= 0.9


def test_chinese_questions_from_the_brief(sample_index: PaperIndex) -> None:
    assert sample_index.search("MambaMorph用了什么方法?", k=1)[0].paper.id == "2401.13934"
    top = [h.paper.id for h in sample_index.search("哪些最新论文去除NeRF场景中的雨?", k=3)]
    assert "2403.20013" in top


def test_metrics_are_computed_correctly() -> None:
    m = metrics(["a", "b", "c"], {"b": 1, "z": 1})
    assert m["recall@1"] == 0 and m["recall@5"] == 0.5 and m["mrr@10"] == 0.5
    assert m["ndcg@10"] == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))


def test_one_relevance_display_for_search_and_similar(sample_index: PaperIndex) -> None:
    """Every hybrid or dense hit, and every similar paper, shows a 0-100 similarity; BM25-only shows none."""
    for mode in ("hybrid", "dense"):
        hits = sample_index.search("deformable registration of MR and CT", k=10, mode=mode)  # type: ignore[arg-type]
        assert hits and all(h.relevance is not None and 0 <= h.relevance <= 100 for h in hits)
        assert hits[0].brief()["relevance"] == hits[0].relevance
    similar = sample_index.similar("MambaMorph", k=5)
    assert all(h.relevance == round(100 * h.score) for h in similar)
    assert all(h.relevance is None for h in sample_index.search("registration", k=3, mode="bm25"))
