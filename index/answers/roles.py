"""Sentence roles in an English abstract: background, objective, method, result or other.

A small learned classifier replaces hand rules that mistook a paper's problem for what it does: multinomial
logistic regression over the packaged English model's sentence embedding (all-MiniLM-L6-v2, the vectors
queries get), the embeddings of the sentences around it and of the whole abstract, the sentence's
position and a few cue words; a Viterbi pass then picks the most likely sequence of roles, since an
abstract moves from background to what the paper does to how and to what it found. The weights are
trained on CSAbstruct (Cohan et al., 2019) by ``scripts/train_roles.py`` and shipped as
``index/data/roles.npz``; they are loaded on first use.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from index.config import DEFAULT_MODEL
from index.errors import ConfigError

log = logging.getLogger(__name__)

LABELS = ("background", "objective", "method", "result", "other")
Encode = Callable[[list[str]], np.ndarray]

_CUES = tuple(
    re.compile(p, re.I)
    for p in (
        r"\bwe (propose|present|introduce|develop|design|devise|describe)\b|\bthis (paper|work|article|study|"
        r"chapter) (proposes|presents|introduces|describes|develops)\b",
        r"\bin this (paper|work|study|article|chapter|letter)\b|\bhere,? we\b|\bthe (aim|goal|purpose|"
        r"objective) of (this|our|the present)\b|\bthis (paper|study|article|work)\b",
        r"\b(results?|experiments?|evaluations?|analys[ie]s|simulations?)\b[^.]{0,40}\b(show|demonstrat|"
        r"indicat|reveal|suggest|confirm)\w*|\boutperform\w*|\bstate-of-the-art\b|\bachiev\w*|\bimprov\w*",
        r"\d+(\.\d+)?\s*(%|x\b|×|db\b|times\b|fold\b)",
        r"\d",
        r"\b(however|although|despite|yet|lack\w*|limit\w*|challeng\w*|difficult\w*|problem\w*|suffer\w*|"
        r"existing|previous|traditional|conventional)\b",
        r"©|copyright|all rights reserved|elsevier|springer|\bieee\b|\bdoi\b|https?://|e-mail|corresponding "
        r"author|published by",
        r"\b(we|our) (find|found|show|observe|conclude|demonstrate)\b|\bconclu\w*|\bfuture\b|\bimplications?\b|"
        r"\bpotential\b",
        r"\b(we|our|us)\b",
        r"\b(is|are|has|have) (been )?(widely|increasingly|commonly|recently)\b|\brecent(ly)?\b|\bin recent years\b",
        r"\b(first|then|next|finally|specifically|furthermore|moreover|additionally)\b",
    )
)
N_EXTRA = len(_CUES) + 6  # the cues, then position (rel, rel², first, last), log length, log count


def _extra(sents: list[str]) -> np.ndarray:
    n = len(sents)
    out = np.zeros((n, N_EXTRA), dtype=np.float32)
    for i, s in enumerate(sents):
        rel = i / (n - 1) if n > 1 else 0.0
        out[i, : len(_CUES)] = [bool(c.search(s)) for c in _CUES]
        out[i, len(_CUES) :] = [rel, rel * rel, i == 0, i == n - 1, np.log1p(len(s)) / 6, np.log1p(n) / 3]
    return out


def features(sents: list[str], vecs: np.ndarray) -> np.ndarray:
    """The classifier's input for the sentences of one abstract, given their unit embedding vectors.

    Each row holds the sentence's vector, the previous and next sentences' (zeros at the ends), the mean of
    the abstract's, then the cue and position features.
    """
    n, dim = vecs.shape
    if n != len(sents):
        raise ValueError(f"{len(sents)} sentences but {n} vectors")
    zero = np.zeros((1, dim), dtype=np.float32)
    prev = np.vstack([zero, vecs[:-1]]) if n else vecs
    nxt = np.vstack([vecs[1:], zero]) if n else vecs
    mean = np.repeat(vecs.mean(axis=0, keepdims=True), n, axis=0) if n else vecs
    return np.hstack([vecs, prev, nxt, mean, _extra(sents)]).astype(np.float32)


@dataclass(frozen=True)
class RoleModel:
    """Weights of the classifier: standardisation, the linear layer, and log transition scores."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    start: np.ndarray  # log P(first role)
    trans: np.ndarray  # log P(role | previous role)
    trans_weight: float

    def log_probs(self, x: np.ndarray) -> np.ndarray:
        """Log P(role | sentence) for each row of features."""
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        out: np.ndarray = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return out

    def decode(self, x: np.ndarray) -> list[int]:
        """The most likely sequence of role indices (Viterbi over emissions and weighted transitions)."""
        emit = self.log_probs(x)
        if not len(emit):
            return []
        w = self.trans_weight
        score = emit[0] + w * self.start
        back = []
        for row in emit[1:]:
            cand = score[:, None] + w * self.trans
            back.append(cand.argmax(axis=0))
            score = cand.max(axis=0) + row
        path = [int(score.argmax())]
        for b in reversed(back):
            path.append(int(b[path[-1]]))
        return path[::-1]

    def save(self, path: Path, **meta: float) -> None:
        """Write the weights (float32) and figures about them to an .npz file."""
        arrays: dict[str, Any] = {k: np.asarray(v, dtype=np.float64) for k, v in meta.items()}
        arrays.update(
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            start=self.start.astype(np.float32),
            trans=self.trans.astype(np.float32),
            trans_weight=np.float32(self.trans_weight),
            labels=np.array(LABELS),
        )
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> RoleModel:
        """The weights in an .npz file written by :meth:`save`."""
        try:
            with np.load(path) as z:
                if tuple(str(x) for x in z["labels"]) != LABELS:
                    raise ConfigError(f"{path} was trained for other roles: {list(z['labels'])}")
                return cls(
                    z["mean"],
                    z["scale"],
                    z["weights"],
                    z["bias"],
                    z["start"],
                    z["trans"],
                    float(z["trans_weight"]),
                )
        except (OSError, KeyError, ValueError) as e:
            raise ConfigError(
                f"The sentence-role weights {path} cannot be read ({e}); reinstall PaperLens."
            ) from e


def weights_path() -> Path:
    """The packaged weights file."""
    return Path(str(resources.files("index") / "data" / "roles.npz"))


def packaged_encoder() -> Encode:
    """The packaged English model's encoder: its ONNX export when cached (no torch), else the model."""
    from index.retrieval.embed import SentenceTransformerEmbedder
    from index.retrieval.fast_query import FastQuery

    enc = FastQuery(DEFAULT_MODEL, "float32").encoder()
    if enc is not None:
        return enc.encode
    return SentenceTransformerEmbedder(DEFAULT_MODEL, "float32").encode


class RoleTagger:
    """Roles for the sentences of an abstract; the weights and the encoder are loaded on first use.

    ``encode`` must give the packaged model's vectors (the index's query encoder when it is that model);
    vectors of another size are refused with a warning and the packaged model is loaded instead.
    """

    def __init__(self, model: RoleModel | None = None, encode: Encode | None = None) -> None:
        self._model = model
        self._encode = encode
        self._lock = threading.Lock()

    def _weights(self) -> RoleModel:
        with self._lock:
            if self._model is None:
                self._model = RoleModel.load(weights_path())
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """The packaged English model's unit vectors of the texts."""
        with self._lock:
            if self._encode is None:
                self._encode = packaged_encoder()
            encode = self._encode
        return np.asarray(encode(texts), dtype=np.float32)

    def roles(self, sents: list[str]) -> list[str]:
        """One of LABELS per sentence, decoded over the whole abstract."""
        if not sents:
            return []
        model = self._weights()
        vecs = self.encode(sents)
        if 4 * vecs.shape[1] + N_EXTRA != model.mean.shape[0]:
            log.warning(
                "role vectors have %d dimensions, not the packaged model's: loading it", vecs.shape[1]
            )
            with self._lock:
                self._encode = packaged_encoder()
            vecs = self.encode(sents)
        return [LABELS[i] for i in model.decode(features(sents, vecs))]


@lru_cache(maxsize=1)
def default_tagger() -> RoleTagger:
    """The tagger with the packaged weights and encoder, shared by callers that are handed none."""
    return RoleTagger()
