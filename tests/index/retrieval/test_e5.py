"""The multilingual space's e5 encoder: the ONNX export of the packaged weights reproduces the C engine,
Chinese questions find English abstracts for terms no glossary lists, a store built with the older
encoder is re-embedded once, and a paper's Chinese abstract is part of its multilingual vector."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval.e5 import (
    E5_NAME,
    USE_NAME,
    E5Embedder,
    e5_available,
    evidence_floor,
    multilingual_model_name,
)
from index.sample import sample_corpus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not e5_available(), reason="the e5 engine needs x86-64 with AVX2"),
]

# Real abstract openings of the field (arXiv), with a Chinese question in terms the glossary lacks.
FIELD = {
    "polyp": (
        "Colonoscopy is the gold standard for the detection of colorectal polyps, but small and flat polyps are "
        "often missed. We propose a real-time polyp segmentation network for colonoscopy videos.",
        "结肠镜视频中的息肉实时分割",
    ),
    "relight": (
        "We present a method for relighting portrait photographs under novel illumination, estimating albedo, "
        "normals and the environment map from a single image.",
        "单张人像照片的重光照",
    ),
    "panorama": (
        "Indoor panorama layout estimation recovers the room layout from a single 360-degree equirectangular "
        "image; we introduce a horizon-depth representation.",
        "室内全景图的房间布局估计",
    ),
    "ultrasound": (
        "Thyroid nodule classification in ultrasound images is hard because of speckle noise; we propose a "
        "contrastive pre-training scheme for ultrasound.",
        "甲状腺结节超声图像分类",
    ),
}


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = [json.loads(line) for line in sample_corpus().read_text(encoding="utf-8").splitlines()]
    return [r["title"] + ". " + r["abstract"] for r in rows[:12]] + ["医学图像分割的半监督方法", "x"]


def test_the_onnx_batches_reproduce_the_engine(e5: E5Embedder, texts: list[str]) -> None:
    batched = e5.encode(texts)  # >= 4 texts: the ONNX export
    assert e5._batches is not None, "the export should have been built"
    engine = e5._run(texts, False)  # the C engine, the same weights
    cos = (batched * engine).sum(axis=1)
    assert batched.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    assert cos.min() > 0.99, cos


def test_a_passage_vector_does_not_depend_on_what_it_is_embedded_with(
    e5: E5Embedder, texts: list[str]
) -> None:
    """The export quantises activations per run: run together, texts would shift each other's vectors, and a
    paper's vector would depend on the import it came in."""
    alone = e5.encode(texts[:4])
    beside_others = e5.encode(texts[4:8] + texts[:4] + texts[8:])[4:8]
    assert np.allclose(alone, beside_others, atol=1e-5), (alone * beside_others).sum(axis=1)


def test_tokenisation_matches_the_engine(e5: E5Embedder, texts: list[str]) -> None:
    onnx = e5._onnx()
    ids = onnx._tok.encode(texts, "passage: ")
    assert [len(x) for x in ids] == [min(512, e5._m.token_count(t)) for t in texts]


def test_chinese_questions_find_english_abstracts_beyond_the_glossary(e5: E5Embedder) -> None:
    docs = e5.encode([d for d, _ in FIELD.values()])
    queries = e5.encode_queries([q for _, q in FIELD.values()])
    assert (queries @ docs.T).argmax(axis=1).tolist() == list(range(len(FIELD)))


def test_queries_and_passages_take_their_prefixes(e5: E5Embedder) -> None:
    q, p = e5.encode_queries(["肺结节检测"]), e5._run(["肺结节检测"], False)
    assert float((q * p).sum()) < 0.999  # "query: " and "passage: " are different inputs


def test_the_model_names_and_evidence_floors() -> None:
    assert multilingual_model_name("auto") == E5_NAME
    assert multilingual_model_name("use-v3") == USE_NAME
    assert evidence_floor(E5_NAME) > evidence_floor(USE_NAME)


def _paper(pid: str, abstract: str, zh: str | None = None) -> Paper:
    return Paper(id=pid, title=pid, authors=("A. Author",), abstract=abstract, abstract_zh=zh)


def test_a_store_built_with_use_is_re_embedded_with_e5_once(tmp_path: Path, e5: E5Embedder) -> None:
    from index.retrieval.multilingual import MultilingualEmbedder

    data = tmp_path / "data"
    papers = [_paper(k, d) for k, (d, _) in FIELD.items()]
    old = PaperIndex(
        IndexSettings(_env_file=None, data_dir=data), multilingual_embedder=MultilingualEmbedder()
    )
    old.ingest(enumerate(papers, 1), "t")
    assert old.store.get_meta("model_mvector") == USE_NAME and old.store.get_meta("dim_mvector") == "512"
    old.close()
    with sqlite3.connect(data / "papers.db") as db:  # as stores written before the model was recorded
        db.execute("DELETE FROM meta WHERE key='model_mvector'")

    new = PaperIndex(IndexSettings(_env_file=None, data_dir=data), multilingual_embedder=e5)
    try:
        assert new.vector_dim("multi") == 384
        assert new.vector_count("multi") == len(papers)
        assert new.store.get_meta("model_mvector") == E5_NAME
        hits = new.search("结肠镜视频中的息肉实时分割", k=1, mode="dense")
        assert hits[0].paper.id == "polyp"
    finally:
        new.close()
    again = PaperIndex(IndexSettings(_env_file=None, data_dir=data), multilingual_embedder=e5)
    try:
        assert again.store.missing_vectors("mvector") == []
        assert again.vector_count("multi") == len(papers)
    finally:
        again.close()


def test_a_chinese_abstract_joins_the_papers_multilingual_vector(tmp_path: Path, e5: E5Embedder) -> None:
    from index.spaces import space_vectors

    en = _paper("p", FIELD["ultrasound"][0])
    both = _paper(
        "p",
        FIELD["ultrasound"][0],
        "我们提出一种用于甲状腺结节超声图像分类的对比预训练方法，以应对斑点噪声。",
    )
    v_en, v_both = space_vectors(e5, [en], multilingual=True), space_vectors(e5, [both], multilingual=True)
    q = e5.encode_queries(["甲状腺结节超声分类的对比预训练"])
    assert float((q @ v_both.T)[0, 0]) > float((q @ v_en.T)[0, 0])
    assert np.allclose(
        space_vectors(e5, [both], multilingual=False), e5.encode([en.embed_text()])
    )  # English: text only
