"""The packaged all-MiniLM-L6-v2 through ONNX Runtime and the `tokenizers` library, without torch.

Importing sentence-transformers (torch, transformers, scikit-learn) takes seconds on a small machine; ONNX
Runtime and tokenizers a fraction of that. Queries are always embedded here when an export is cached (a
one-shot `paperlens search` never imports torch), and documents too where a variant is the fastest faithful
path on the CPU (:mod:`index.retrieval.encoders` measures that once per machine).

Two variants of one export: ``float32`` (the vectors equal sentence-transformers', cosine > 0.9999, tested)
and ``int8`` (weights quantised per output channel, activations per batch at run time: a quarter of the
weights' memory, which is what a single query is bound by; ``auto`` takes it only where its vectors pass
:mod:`index.retrieval.encoders`'s faithfulness check against float32 on this CPU). The export needs torch, so
it happens where torch is loaded anyway (the first ingest or import, or ``paperlens rebuild``), into the user
cache directory, written atomically; the int8 variant is quantised from it without torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import platformdirs

log = logging.getLogger(__name__)

Variant = Literal["float32", "int8"]
VARIANTS: tuple[Variant, ...] = ("float32", "int8")


def cache_key(model_dir: Path) -> str:
    """A model directory's identity: its path and its weights' size and time."""
    weights = model_dir / "model.safetensors"
    stat = weights.stat() if weights.exists() else None
    return hashlib.sha1(
        json.dumps([str(model_dir), stat.st_size if stat else 0, int(stat.st_mtime) if stat else 0]).encode()
    ).hexdigest()[:12]


def cache_dir() -> Path:
    return platformdirs.user_cache_path("paperlens", appauthor=False)


def cache_path(model_dir: Path, variant: Variant = "float32") -> Path:
    """Where a variant of the ONNX export of a model directory lives."""
    suffix = "" if variant == "float32" else f"-{variant}"
    return cache_dir() / "onnx" / f"{model_dir.name}-{cache_key(model_dir)}{suffix}.onnx"


def mean_pooled(model_dir: Path) -> bool:
    """True when the model is transformer -> mean pooling (-> normalize) and nothing else: the pipeline this
    encoder reproduces. Another model (CLS pooling, a Dense layer) keeps the sentence-transformers path."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    return kinds in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) and modes == {
        "pooling_mode_mean_tokens"
    }


def export(model_dir: Path, target: Path) -> None:
    """Export the transformer of a sentence-transformers model directory to ONNX (needs torch)."""
    import torch
    from torch.jit._trace import TracerWarning  # torch.jit re-exports it, without declaring it
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tok(["a query"], return_tensors="pt")

    def write(tmp: str) -> None:
        with torch.no_grad(), warnings.catch_warnings():
            # The tracer's notes to exporter authors (a shape read as a Python bool is fixed in the trace;
            # advanced indexing becomes Gather): expected for this model, and not for a user's first run.
            warnings.filterwarnings("ignore", category=TracerWarning)
            warnings.filterwarnings("ignore", message="Exporting aten::index operator", category=UserWarning)
            torch.onnx.export(
                Hidden(model),
                tuple(sample[n] for n in names),
                tmp,
                input_names=names,
                output_names=["hidden"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]},
                opset_version=17,
                dynamo=False,
            )

    _write_atomic(target, write)
    log.info("exported %s to %s for fast embedding without torch", model_dir.name, target)


def quantize(source: Path, target: Path) -> None:
    """The int8 variant of a float32 export: weights per output channel, activations per batch (dynamic)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    root.addFilter(_no_preprocessing_advice)  # its advice to users of its API, not to ours
    try:
        _write_atomic(
            target, lambda tmp: quantize_dynamic(source, tmp, per_channel=True, weight_type=QuantType.QInt8)
        )
    finally:
        root.removeFilter(_no_preprocessing_advice)
    log.info("quantised %s to int8 weights", target.name)


def _no_preprocessing_advice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Please consider to run pre-processing")


def _write_atomic(target: Path, write: Callable[[str], None]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def ensure_exported(model_dir: Path) -> bool:
    """Write both variants of the export if missing (the float32 one needs torch); True when both exist.
    Any trouble only costs speed: callers then embed with sentence-transformers."""
    if not mean_pooled(model_dir):
        return False
    try:
        f32, int8 = cache_path(model_dir, "float32"), cache_path(model_dir, "int8")
        if not f32.exists():
            export(model_dir, f32)
        if not int8.exists():
            quantize(f32, int8)
        return True
    except Exception as e:  # a failed export only costs speed
        log.warning("could not export the model for embedding without torch: %s", e)
        return False


class OnnxEncoder:
    """Mean-pooled, normalised embeddings from an ONNX export: the sentence-transformers pipeline.

    Texts are tokenised once, sorted by length and run in batches of ``batch_size`` padded to their
    longest, as sentence-transformers batches them; one query is a batch of one."""

    def __init__(
        self,
        onnx_file: Path,
        model_dir: Path,
        name: str,
        dtype: Variant = "float32",
        max_tokens: int = 256,
        batch_size: int = 64,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # ONNX Runtime's worker threads otherwise spin after each run, taking the cores from the server's
        # other threads (the multilingual encoder, BM25, the event loop): one query alone is a little slower
        # without spinning, but a busy server does more in all.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(max_tokens)
        self._tok.no_padding()
        self.name = name
        self.engine = "onnxruntime"
        self.dtype = dtype
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.dim = int(self._session.get_outputs()[0].shape[-1] or 384)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        from index.retrieval.embed import bounded

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        enc = self._tok.encode_batch(bounded(texts))
        order = sorted(range(len(enc)), key=lambda i: -len(enc[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = len(enc[rows[0]].ids)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, i in enumerate(rows):
                n = len(enc[i].ids)
                ids[j, :n] = enc[i].ids
                mask[j, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden: np.ndarray = self._session.run(None, feed)[0]
            m = mask[..., None].astype(np.float32)
            out[rows] = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


def load_encoder(model_dir: Path, name: str, variant: Variant, batch_size: int = 64) -> OnnxEncoder | None:
    """The cached export's variant as an encoder, or None when it is not cached (or cannot be loaded)."""
    onnx_file = cache_path(model_dir, variant)
    if not onnx_file.exists() or not mean_pooled(model_dir):
        return None
    try:
        return OnnxEncoder(onnx_file, model_dir, name, variant, batch_size=batch_size)
    except Exception as e:  # a damaged export or a missing runtime: the caller uses the model
        log.warning("the %s ONNX export of %s could not be loaded (%s)", variant, name, e)
        return None
