"""Query embedding without torch: the packaged all-MiniLM-L6-v2 exported once to ONNX and run with ONNX
Runtime and the `tokenizers` library.

Importing sentence-transformers (torch, transformers, scikit-learn) costs 6-9 s on a 2-core machine; ONNX
Runtime and tokenizers cost a fraction of a second. A one-shot `paperlens search` only embeds its query,
so it uses this encoder when the exported model is in the cache; the vectors equal the sentence-transformers
model's (cosine > 0.9999 on SciFact abstracts, checked in tests). Documents are still embedded by
sentence-transformers, which is as fast as ONNX Runtime on these CPUs for batches (measured 0.9x-1.0x).

The export needs torch, so it happens where torch is loaded anyway (the first ingest or import, or
``paperlens rebuild``), into the user cache directory, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs

from index.retrieval.embed import resolve_model_path

log = logging.getLogger(__name__)


def cache_path(model_dir: Path) -> Path:
    """Where the ONNX export of a model directory lives (keyed by its config and weights' size and time)."""
    weights = model_dir / "model.safetensors"
    stat = weights.stat() if weights.exists() else None
    key = hashlib.sha1(
        json.dumps([str(model_dir), stat.st_size if stat else 0, int(stat.st_mtime) if stat else 0]).encode()
    ).hexdigest()[:12]
    return (
        platformdirs.user_cache_path("paperlens", appauthor=False) / "onnx" / f"{model_dir.name}-{key}.onnx"
    )


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
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    try:
        with torch.no_grad():
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
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("exported %s to %s for fast query embedding", model_dir.name, target)


class OnnxQueryEncoder:
    """Mean-pooled, normalised embeddings from the ONNX export (the sentence-transformers pipeline)."""

    def __init__(self, onnx_file: Path, model_dir: Path, name: str, max_tokens: int = 256) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # ONNX Runtime's worker threads otherwise spin after each run, taking the cores from the server's
        # other threads (the multilingual encoder measured 0.8 -> 5-12 ms per query beside them).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(max_tokens)
        self._tok.enable_padding()
        self.name = name
        self.dtype = "float32"
        self.max_tokens = max_tokens
        self.dim = int(self._session.get_outputs()[0].shape[-1] or 384)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[
            0
        ]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.ascontiguousarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


class FastQuery:
    """The ONNX query encoder of one configured model: loaded when its export is cached, exported when torch
    is loaded anyway. Any trouble only costs speed: callers then embed with the model itself."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._lock = threading.Lock()
        self._encoder: OnnxQueryEncoder | None = None
        self._tried = False

    def encoder(self) -> OnnxQueryEncoder | None:
        """The encoder, or None when no export is cached (or it cannot be loaded)."""
        if not self._tried:
            with self._lock:
                if not self._tried:
                    try:
                        model_dir = resolve_model_path(self.model)
                        onnx_file = cache_path(model_dir)
                        if onnx_file.exists() and mean_pooled(model_dir):
                            self._encoder = OnnxQueryEncoder(onnx_file, model_dir, self.model)
                    except Exception as e:  # a damaged export or a missing runtime: use the model
                        log.warning("fast query embedding unavailable (%s); loading the model", e)
                    self._tried = True
        return self._encoder

    def export(self) -> None:
        """Write the export once (call where torch is already loaded)."""
        try:
            model_dir = resolve_model_path(self.model)
            onnx_file = cache_path(model_dir)
            if not onnx_file.exists() and mean_pooled(model_dir):
                export(model_dir, onnx_file)
                with self._lock:
                    self._tried = False  # load it at the next query
        except Exception as e:  # a failed export only costs speed
            log.warning("could not export the model for fast query embedding: %s", e)
