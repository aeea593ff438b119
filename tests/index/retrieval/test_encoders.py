"""Which path embeds documents and queries: the int8 export keeps the float32 vectors, `auto` takes the
fastest faithful path measured on this machine and remembers it, and a path that bends the vectors is
never chosen however fast."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.errors import ConfigError
from index.retrieval import encoders, onnx_encoder
from index.retrieval.embed import SentenceTransformerEmbedder, resolve_model_path
from index.retrieval.fast_query import FastQuery
from index.sample import sample_corpus
from tests.helpers.factories import cls_pooled_model

MODEL = "all-MiniLM-L6-v2"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def float32() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(MODEL, "float32")


class Exact:
    """Another path that returns the reference's vectors, instantly (from a table of known texts)."""

    name, dim, dtype = MODEL, 384, "bfloat16"

    def __init__(self, reference: SentenceTransformerEmbedder, texts: list[str], noise: float = 0.0) -> None:
        vecs = reference.encode(texts)
        if noise:
            vecs = vecs + np.random.default_rng(0).standard_normal(vecs.shape).astype(np.float32) * noise
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        self._table = dict(zip(texts, vecs, strict=True))

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        return np.vstack([self._table[t] for t in texts])


@pytest.mark.slow
def test_int8_export_keeps_the_float32_vectors_of_real_abstracts(
    cache: Path, float32: SentenceTransformerEmbedder
) -> None:
    model_dir = resolve_model_path(MODEL)
    assert onnx_encoder.ensure_exported(model_dir)
    f32, int8 = (onnx_encoder.cache_path(model_dir, v) for v in ("float32", "int8"))
    assert f32.exists() and int8.exists() and int8.stat().st_size < f32.stat().st_size / 2
    texts = [
        json.loads(line)["abstract"] for line in sample_corpus().read_text(encoding="utf-8").splitlines()
    ]
    texts += ["MambaMorph 用了什么方法?", "nerf", "x" * 5000]  # Chinese, one word, past the token limit
    enc = onnx_encoder.load_encoder(model_dir, MODEL, "int8", batch_size=8)
    assert enc is not None and enc.dtype == "int8"
    got, want = enc.encode(texts), float32.encode(texts)
    cos = (got * want).sum(axis=1)
    abstracts, odd = cos[:-3], cos[-3:]  # the check auto applies holds on real abstracts
    assert abstracts.mean() >= encoders.MEAN_COSINE and abstracts.min() >= encoders.MIN_COSINE, (
        abstracts.min()
    )
    assert odd.min() > 0.97, odd  # and odd texts stay close
    # Batches are sorted by length, rows stay in place: in float32 a text alone gives its batched vector; in
    # int8 nearly (activations are quantised per batch, so a text's batch-mates move it a little).
    exact = onnx_encoder.load_encoder(model_dir, MODEL, "float32", batch_size=8)
    assert exact is not None
    batched = exact.encode(texts)
    assert min(float(exact.encode([t])[0] @ batched[i]) for i, t in enumerate(texts[:6])) > 0.9999
    assert min(float(enc.encode([t])[0] @ got[i]) for i, t in enumerate(texts[:6])) > 0.99
    # The float32 export is a document path of its own: the model's vectors, without torch.
    assert float(((batched * want).sum(axis=1)).min()) > 0.9999
    onnx32 = encoders.load_embedder(MODEL, "onnx-float32", 8)
    assert [encoders.document_path(e) for e in (onnx32, enc, float32)] == ["onnx-float32", "int8", "float32"]
    assert enc.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_auto_takes_the_fastest_faithful_path_and_remembers_it(
    cache: Path, float32: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = resolve_model_path(MODEL)
    texts = encoders.calibration_texts()
    faithful_fast = Exact(float32, texts)
    bent_faster = Exact(float32, texts, noise=0.08)  # mean cosine about 0.5: fastest, and wrong
    choice = encoders.calibrate(MODEL, model_dir, float32, {"bfloat16": faithful_fast, "int8": bent_faster})
    assert choice.documents == "bfloat16"  # not int8: its vectors are not the model's
    assert not encoders.faithful(choice.measured["int8"]) and encoders.faithful(choice.measured["bfloat16"])
    assert choice.measured["float32"]["docs_per_s"] > 0 and choice.cpu
    assert encoders.cached_choice(model_dir) == choice  # remembered for this CPU, model and versions

    def no_second_measurement(*a: object) -> None:
        raise AssertionError("auto measured again although a choice is kept")

    monkeypatch.setattr(encoders, "calibrate", no_second_measurement)
    emb = encoders.load_embedder(MODEL, "auto")
    assert isinstance(emb, SentenceTransformerEmbedder) and emb.dtype == "bfloat16"


def test_a_torch_path_must_clearly_beat_int8_which_spares_the_process_torch() -> None:
    def m(speed: float, cos: float = 0.995) -> dict[str, float]:
        return {"docs_per_s": speed, "cos_mean": cos, "cos_min": cos - 0.005}

    assert encoders.choose_documents({"float32": m(27, 1.0), "bfloat16": m(59), "int8": m(55)}) == "int8"
    assert encoders.choose_documents({"float32": m(27, 1.0), "bfloat16": m(80), "int8": m(55)}) == "bfloat16"
    assert (
        encoders.choose_documents({"float32": m(27, 1.0), "bfloat16": m(59), "int8": m(99, 0.95)})
        == "bfloat16"
    )
    assert encoders.choose_documents({"float32": m(27, 1.0), "int8": m(20)}) == "float32"  # slower: not kept
    # The float32 export spares torch too: kept over a torch path less than 15% faster, beaten by a faithful
    # int8 that is faster, and what a CPU whose int8 bends the vectors (AVX2 without VNNI can) falls back to.
    assert encoders.choose_documents({"float32": m(27, 1.0), "onnx-float32": m(40, 1.0), "int8": m(38)}) == (
        "onnx-float32"
    )
    assert (
        encoders.choose_documents({"float32": m(27, 1.0), "onnx-float32": m(40, 1.0), "int8": m(68)})
        == "int8"
    )
    assert encoders.choose_documents(
        {"float32": m(27, 1.0), "onnx-float32": m(40, 1.0), "int8": m(90, 0.9)}
    ) == ("onnx-float32")
    assert encoders.choose_documents(
        {"float32": m(27, 1.0), "bfloat16": m(45), "onnx-float32": m(40, 1.0)}
    ) == ("onnx-float32")
    assert encoders.choose_documents(
        {"float32": m(27, 1.0), "bfloat16": m(70), "onnx-float32": m(40, 1.0)}
    ) == ("bfloat16")


def test_an_unreadable_choice_is_measured_again_not_trusted(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = resolve_model_path(MODEL)
    path = encoders.choice_file(model_dir)
    path.parent.mkdir(parents=True)
    path.write_text('{"documents": "fp4", "queries": "int8", "cpu": "x", "measured": {}}')
    assert encoders.cached_choice(model_dir) is None and "unreadable" in caplog.text
    path.write_text("not json")
    assert encoders.cached_choice(model_dir) is None


def test_int8_is_refused_clearly_for_a_model_it_cannot_reproduce(tmp_path: Path) -> None:
    other = cls_pooled_model(tmp_path)
    with pytest.raises(ConfigError, match="mean-pooling model"):
        encoders.load_embedder(str(other), "int8")
    with pytest.raises(ConfigError, match="PAPERLENS_EMBED_DTYPE=onnx-float32 needs"):
        encoders.load_embedder(str(other), "onnx-float32")
    with pytest.raises(ConfigError, match="auto, float32, bfloat16, int8 or onnx-float32"):
        encoders.load_embedder(MODEL, "fp16")


@pytest.mark.slow
def test_queries_take_the_variant_the_choice_names(cache: Path) -> None:
    model_dir = resolve_model_path(MODEL)
    assert onnx_encoder.ensure_exported(model_dir)
    fast = FastQuery(MODEL)
    first = fast.encoder()
    assert first is not None and first.dtype == "float32"  # nothing measured yet: float32
    measured = {
        "float32": {"docs_per_s": 1.0, "cos_mean": 1.0, "cos_min": 1.0},
        "queries": {"float32_ms": 3.0, "int8_ms": 1.5, "cos_mean": 0.992, "cos_min": 0.987},
    }
    encoders.choice_file(model_dir).parent.mkdir(parents=True, exist_ok=True)
    encoders.choice_file(model_dir).write_text(json.dumps({"cpu": "test", "measured": measured}))
    fast.refresh()
    q = fast.encoder()
    assert q is not None and q.dtype == "int8"
    assert (
        float((q.encode(["neural radiance fields"]) * first.encode(["neural radiance fields"])).sum()) > 0.98
    )
    pinned = FastQuery(MODEL, "float32").encoder()  # PAPERLENS_QUERY_DTYPE=float32 overrides it
    assert pinned is not None and pinned.dtype == "float32"
    measured["queries"]["int8_ms"] = 3.5  # int8 slower for one query on some CPU: float32 it is
    encoders.choice_file(model_dir).write_text(json.dumps({"cpu": "test", "measured": measured}))
    fast.refresh()
    assert fast.encoder().dtype == "float32"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="query_dtype"):
        FastQuery(MODEL, "bfloat16")
    # Documents follow the kept choice too: here the float32 export, measured fastest.
    measured["onnx-float32"] = {"docs_per_s": 1.6, "cos_mean": 1.0, "cos_min": 1.0}
    encoders.choice_file(model_dir).write_text(json.dumps({"cpu": "test", "measured": measured}))
    assert encoders.document_path(encoders.load_embedder(MODEL, "auto")) == "onnx-float32"


def test_stats_says_which_paths_embed_without_loading_a_model(cache: Path) -> None:
    assert encoders.describe_paths(MODEL, "auto", "auto")["documents"].startswith("auto (not measured")
    assert encoders.describe_paths(MODEL, "float32", "int8") == {
        "documents": "float32",
        "queries": "int8 (ONNX export)",
    }
    model_dir = resolve_model_path(MODEL)
    measured = {
        "float32": {"docs_per_s": 27.0, "cos_mean": 1.0, "cos_min": 1.0},
        "int8": {"docs_per_s": 64.0, "cos_mean": 0.994, "cos_min": 0.991},
        "queries": {"float32_ms": 3.0, "int8_ms": 1.5, "cos_mean": 0.992, "cos_min": 0.987},
    }
    encoders.choice_file(model_dir).parent.mkdir(parents=True)
    encoders.choice_file(model_dir).write_text(json.dumps({"cpu": "test", "measured": measured}))
    assert encoders.describe_paths(MODEL, "auto", "auto") == {
        "documents": "int8",
        "queries": "int8 (ONNX export)",
    }
