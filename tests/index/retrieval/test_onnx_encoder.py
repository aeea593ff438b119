"""Embedding through the ONNX export: the same vectors as sentence-transformers in float32, faithful ones
in int8, and a search that never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.retrieval import onnx_encoder
from index.retrieval.embed import SentenceTransformerEmbedder, resolve_model_path
from index.sample import sample_corpus
from tests.helpers.factories import cls_pooled_model

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("onnx") / "minilm.onnx"
    onnx_encoder.export(resolve_model_path("all-MiniLM-L6-v2"), target)
    return target


def test_the_export_embeds_like_sentence_transformers(exported: Path, real_embedders: tuple) -> None:
    st = SentenceTransformerEmbedder(
        dtype="float32"
    )  # the export is float32; auto is bfloat16 on AMX/BF16 CPUs
    texts = [
        json.loads(line)["abstract"] for line in sample_corpus().read_text(encoding="utf-8").splitlines()
    ]
    texts += ["MambaMorph 用了什么方法?", "nerf", "x" * 5000]  # Chinese, one word, past the token limit
    fast = onnx_encoder.OnnxEncoder(
        exported, resolve_model_path("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2", batch_size=8
    )
    a, b = st.encode(texts), fast.encode(texts)
    assert a.shape == b.shape and fast.dim == st.dim
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.9999, cos.min()
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    auto: SentenceTransformerEmbedder = real_embedders[0]  # what ingest uses here: queries still match it
    assert (auto.encode(texts[:5]) * b[:5]).sum(axis=1).min() > 0.99


def test_a_one_shot_search_never_imports_torch(sample_copy: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(sample_copy), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = (
        "import sys, json; from cli.main import main; "
        "rc = main(['search', 'rain', 'waterdrop', 'removal', '-k', '1', '--json']); "
        "print(json.dumps({'rc': rc, 'torch': 'torch' in sys.modules}), file=sys.stderr)"
    )

    def run() -> tuple[dict, list]:
        p = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        return json.loads(p.stderr.strip().splitlines()[-1]), json.loads(p.stdout)

    first, hits = run()  # no export cached yet: the model is loaded (torch) and exported for next time
    assert first == {"rc": 0, "torch": True} and hits[0]["id"] == "2403.20013"
    assert list((tmp_path / "cache").rglob("*.onnx"))
    second, hits2 = run()  # (the first run's query may have taken another path: same papers, same order)
    assert second == {"rc": 0, "torch": False} and [h["id"] for h in hits2] == [h["id"] for h in hits]


def test_exact_search_in_numpy_equals_the_torch_product() -> None:
    """Without torch loaded, exact search runs in NumPy: same hits, same order, same scores."""
    import torch  # noqa: F401  (loaded: _exact takes the torch path)

    from index.retrieval import exact

    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((2000, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    q = vecs[:5] + 0.01
    for mask in (np.ones(2000, dtype=bool), rng.random(2000) < 0.3):
        for k in (1, 10, 2000):
            want = exact.exact_top_k(q, vecs, k, mask)
            got = exact._top_k_numpy(q, vecs, k, mask)
            kept = want[0] > -np.inf
            assert np.array_equal(got[1][kept], want[1][kept])
            assert np.allclose(got[0][kept], want[0][kept], atol=1e-5)


def test_only_a_mean_pooled_model_takes_the_fast_path(tmp_path: Path) -> None:
    assert onnx_encoder.mean_pooled(resolve_model_path("all-MiniLM-L6-v2"))
    other = cls_pooled_model(tmp_path)
    assert not onnx_encoder.mean_pooled(other)  # CLS pooling: the export would not reproduce it
    assert not onnx_encoder.mean_pooled(tmp_path / "missing")


def test_a_server_embeds_queries_through_the_export_once_torch_wrote_it(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server loads the model (warm-up, ingest), which writes the export; its queries then take the export
    (int8 where faithful: 1.5 ms for one query on a Zen 5 against about 6 in torch), with the same hits."""
    from index.config import IndexSettings
    from index.paperindex import PaperIndex

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=sample_copy))
    try:
        assert not list((tmp_path / "cache").rglob("*.onnx"))
        by_model = [h.paper.id for h in ix.search("rain waterdrop removal", k=5)]  # loads the model: exports
        assert list((tmp_path / "cache").rglob("*.onnx"))
        assert isinstance(ix.encoders._query_encoder(), onnx_encoder.OnnxEncoder)
        # The first query took the document path auto chose, this one the export's variant: the same paper
        # first, and the same neighbourhood (the tail of a 40-paper corpus is near-ties).
        by_export = [h.paper.id for h in ix.search("rain waterdrop removal", k=5)]
        assert by_export[0] == by_model[0] == "2403.20013" and len(set(by_export) & set(by_model)) >= 3
    finally:
        ix.close()
