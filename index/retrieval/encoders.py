"""Which path embeds documents and queries on this CPU: measured once per machine, then remembered.

Document paths: sentence-transformers in float32 (the reference), in bfloat16 (only where the CPU has bfloat16
units, AMX or AVX512-BF16; elsewhere bfloat16 is slower than float32, so it is not tried), and the model's
ONNX export (:mod:`index.retrieval.onnx_encoder`) in ONNX Runtime, in float32 (``onnx-float32``: the float32
vectors, through fused attention and layer-norm kernels that can outrun torch's float32) and with int8
weights. A path is *faithful* when its vectors of abstract-like texts keep a mean cosine of at least 0.99 (and
none under 0.98) to the float32 reference: close enough that retrieval does not change in substance
(docs/measurements.md compares every path on SciFact). A CPU whose int8 arithmetic saturates (AVX2 without
VNNI can) fails the check and keeps a float path, onnx-float32 among them. ``auto`` takes the fastest faithful
path, except that a torch path must beat the fastest faithful export by 15% to be chosen: the export spares
the process torch, whose import takes seconds on a small machine and which holds most of the memory of a
process that embeds. Queries take the export in int8 when it is faithful and faster for one query than in
float32, else float32.

The choice, with what was measured, is kept in the user cache directory under a key of the CPU, the model and
the library versions: measuring takes seconds (logged, so a first ingest's pause is explained), hence once per
machine, and a one-shot command reads the choice without importing torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from index.cpu import cpu_info
from index.errors import ConfigError
from index.retrieval.embed import Embedder, SentenceTransformerEmbedder, resolve_model_path
from index.retrieval.onnx_encoder import (
    OnnxEncoder,
    Variant,
    cache_dir,
    cache_key,
    ensure_exported,
    load_encoder,
)

log = logging.getLogger(__name__)

DOCUMENT_PATHS = ("float32", "bfloat16", "int8", "onnx-float32")
TORCH_FREE = ("int8", "onnx-float32")  # the ONNX export's paths: no torch in the process
CALIBRATION_RULES = 2  # in the choice's key: a machine measured before onnx-float32 existed measures again
MEAN_COSINE, MIN_COSINE = 0.99, 0.98  # what "faithful to float32" means
TORCH_MARGIN = 1.15  # how much faster than the fastest faithful export a torch path must be to be chosen
CALIBRATION_TEXTS = 48


@dataclass(frozen=True)
class Choice:
    """What embeds documents and queries on this machine, and the measurements behind it."""

    documents: str  # one of DOCUMENT_PATHS
    queries: Variant  # the ONNX export's variant
    cpu: str
    measured: dict[str, dict[str, float]]  # path -> docs_per_s, cos_mean, cos_min (and query_ms for queries)

    @staticmethod
    def decide(cpu: str, measured: dict[str, dict[str, float]]) -> Choice:
        """The paths the measurements call for (derived again when read: a kept choice follows the rules)."""
        return Choice(choose_documents(measured), choose_queries(measured), cpu, measured)

    @staticmethod
    def from_json(text: str) -> Choice:
        d = json.loads(text)
        return Choice.decide(
            str(d["cpu"]), {k: {n: float(x) for n, x in v.items()} for k, v in d["measured"].items()}
        )


def _versions() -> list[str]:
    out = []
    for pkg in ("torch", "onnxruntime", "sentence-transformers"):
        try:
            out.append(f"{pkg}=={metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            out.append(f"{pkg} missing")
    return out


def choice_file(model_dir: Path) -> Path:
    """Where the choice for this CPU, model and library versions is kept."""
    key = hashlib.sha1(
        json.dumps([cpu_info().describe(), cache_key(model_dir), _versions(), CALIBRATION_RULES]).encode()
    )
    return cache_dir() / "encoders" / f"{model_dir.name}-{key.hexdigest()[:12]}.json"


def cached_choice(model_dir: Path) -> Choice | None:
    """The choice measured on this machine, or None (never measured, or unreadable: measured again)."""
    path = choice_file(model_dir)
    try:
        return Choice.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("the encoder choice in %s is unreadable (%s); measuring again", path, e)
        return None


def calibration_texts(n: int = CALIBRATION_TEXTS) -> list[str]:
    """Abstract-like texts the encoder paths are timed and compared on: sentences of the sample corpus's
    abstracts, mixed, about 170 words each (index/data/calibration.txt, written once by the lab)."""
    path = resources.files("index").joinpath("data/calibration.txt")
    return path.read_text(encoding="utf-8").splitlines()[:n]


def _best_times(embedders: dict[str, Embedder], texts: list[str], rounds: int = 3) -> dict[str, float]:
    """Best of ``rounds`` timings per embedder (seconds), the embedders taking turns within each round so
    that a burst of other load on the machine falls on all of them alike."""
    for emb in embedders.values():
        emb.encode(texts[:8])  # warm-up: first calls allocate and pick kernels
    best = dict.fromkeys(embedders, float("inf"))
    for _ in range(rounds):
        for name, emb in embedders.items():
            t = time.perf_counter()
            emb.encode(texts)
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def _fidelity(vectors: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference, axis=1)
    cos = (vectors * reference).sum(axis=1) / np.maximum(norms, 1e-12)
    return {"cos_mean": round(float(cos.mean()), 5), "cos_min": round(float(cos.min()), 5)}


def faithful(m: dict[str, float]) -> bool:
    return m["cos_mean"] >= MEAN_COSINE and m["cos_min"] >= MIN_COSINE


def choose_documents(measured: dict[str, dict[str, float]]) -> str:
    """The fastest faithful path; the fastest faithful export kept unless a torch path is ``TORCH_MARGIN``
    faster than it."""
    speed = {n: m["docs_per_s"] for n, m in measured.items() if n in DOCUMENT_PATHS and faithful(m)}
    if "float32" not in speed:
        raise ValueError("no float32 reference among the measurements")
    fastest = max(speed, key=lambda n: speed[n])
    exports = [n for n in speed if n in TORCH_FREE]
    if fastest not in TORCH_FREE and exports:
        export = max(exports, key=lambda n: speed[n])
        if speed[export] * TORCH_MARGIN >= speed[fastest]:
            return export
    return fastest


def document_path(emb: object) -> str:
    """The document path an embedder is (a name of DOCUMENT_PATHS), from its engine and dtype."""
    dtype = str(getattr(emb, "dtype", "float32"))
    return "onnx-float32" if getattr(emb, "engine", "") == "onnxruntime" and dtype == "float32" else dtype


def _export(model: str, model_dir: Path, path: str, batch_size: int) -> OnnxEncoder | None:
    variant: Variant = "float32" if path == "onnx-float32" else "int8"
    return load_encoder(model_dir, model, variant, batch_size) if ensure_exported(model_dir) else None


def choose_queries(measured: dict[str, dict[str, float]]) -> Variant:
    """int8 when its query vectors are faithful and one query is faster than in float32."""
    q = measured.get("queries")
    return "int8" if q is not None and faithful(q) and q["int8_ms"] < q["float32_ms"] else "float32"


def calibrate(
    model: str, model_dir: Path, reference: SentenceTransformerEmbedder, candidates: dict[str, Embedder]
) -> Choice:
    """Time every candidate document path against the float32 reference, check each one's vectors, choose
    the fastest faithful one; then the query variant. Written to :func:`choice_file`."""
    texts = calibration_texts()
    seconds = _best_times({"float32": reference, **candidates}, texts)
    ref = reference.encode(texts)
    measured = {
        "float32": {"docs_per_s": round(len(texts) / seconds["float32"], 1), "cos_mean": 1.0, "cos_min": 1.0}
    }
    for name, emb in candidates.items():
        measured[name] = {
            "docs_per_s": round(len(texts) / seconds[name], 1),
            **_fidelity(emb.encode(texts), ref),
        }
    f32, int8 = (_query_session(candidates, model, model_dir, v) for v in ("float32", "int8"))
    if f32 is not None and int8 is not None:
        titles = [t.split(". ")[0][:120] for t in texts[:24]]
        q32, q8 = _query_ms(f32, titles), _query_ms(int8, titles)
        measured["queries"] = {
            "float32_ms": q32,
            "int8_ms": q8,
            **_fidelity(int8.encode(titles), f32.encode(titles)),
        }
    choice = Choice.decide(cpu_info().describe(), measured)
    path = choice_file(model_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of this process's own: two processes measuring at once each rename a whole file.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(choice), indent=1))
        os.replace(tmp, path)
    except OSError as e:  # a read-only cache only means measuring again next time
        log.warning("could not keep the encoder choice in %s: %s", path, e)
    log.info(
        "encoder paths on %s: %s; documents: %s, queries: %s",
        choice.cpu,
        measured,
        choice.documents,
        choice.queries,
    )
    return choice


def _query_session(
    candidates: dict[str, Embedder], model: str, model_dir: Path, variant: Variant
) -> OnnxEncoder | None:
    """The export's ``variant`` for timing queries: the candidate's own session when it is one, else loaded."""
    enc = candidates.get("onnx-float32" if variant == "float32" else variant)
    return enc if isinstance(enc, OnnxEncoder) else load_encoder(model_dir, model, variant)


def _query_ms(enc: OnnxEncoder, queries: list[str]) -> float:
    for q in queries[:4]:
        enc.encode([q])
    lat = []
    for q in queries:
        t = time.perf_counter()
        enc.encode([q])
        lat.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(lat), 3)


def load_embedder(
    model: str, dtype: str = "auto", batch_size: int = 64, *, measure: bool = False
) -> Embedder:
    """The document embedder for a ``PAPERLENS_EMBED_DTYPE`` setting: float32 / bfloat16 (sentence-
    transformers), int8 / onnx-float32 (the ONNX export), or auto (the choice measured on this machine, measured now if
    there is none or ``measure`` asks for it: `paperlens bench` does)."""
    if dtype in ("float32", "bfloat16"):
        return SentenceTransformerEmbedder(model, dtype, batch_size)
    if dtype not in ("auto", *TORCH_FREE):
        raise ConfigError(f"embed_dtype must be auto, float32, bfloat16, int8 or onnx-float32, not {dtype!r}")
    model_dir = resolve_model_path(model)
    if dtype in TORCH_FREE:
        enc = _export(model, model_dir, dtype, batch_size)
        if enc is None:
            raise ConfigError(
                f"PAPERLENS_EMBED_DTYPE={dtype} needs a transformer + mean-pooling model that exports to ONNX "
                f"(the packaged all-MiniLM-L6-v2 does; {model!r} does not). Use auto, float32 or bfloat16."
            )
        return enc
    choice = None if measure else cached_choice(model_dir)
    if choice is not None and choice.documents not in TORCH_FREE:
        return SentenceTransformerEmbedder(model, choice.documents, batch_size)
    if choice is not None:
        enc = _export(model, model_dir, choice.documents, batch_size)
        return enc if enc is not None else SentenceTransformerEmbedder(model, "auto", batch_size)
    log.info("measuring which encoder path is fastest on this CPU (once per machine)")
    reference = SentenceTransformerEmbedder(model, "float32", batch_size)
    candidates: dict[str, Embedder] = {}
    if cpu_info().bf16_units:
        candidates["bfloat16"] = SentenceTransformerEmbedder(model, "bfloat16", batch_size)
    for path in TORCH_FREE:
        enc = _export(model, model_dir, path, batch_size)
        if enc is not None:
            candidates[path] = enc
    choice = calibrate(model, model_dir, reference, candidates)
    return candidates.get(choice.documents, reference)


def describe_paths(model: str, dtype: str, query_dtype: str) -> dict[str, str]:
    """What embeds documents and queries under these settings on this machine, read without loading a
    model (`paperlens stats`)."""
    try:
        choice = cached_choice(resolve_model_path(model))
    except ConfigError:
        choice = None
    unmeasured = "auto (not measured on this machine yet: the first ingest measures it)"
    documents = dtype if dtype != "auto" else choice.documents if choice else unmeasured
    queries = query_dtype if query_dtype != "auto" else choice.queries if choice else "float32"
    return {"documents": documents, "queries": f"{queries} (ONNX export)"}
