"""Fakes that are real implementations of PaperLens's protocols, for exact assertions."""

from __future__ import annotations

import re

import numpy as np

# Hand-written concept axes: a text's vector points along the concepts it mentions.
CONCEPTS = {
    "nerf": 0,
    "radiance": 0,
    "gaussian": 1,
    "splatting": 1,
    "registration": 2,
    "mamba": 3,
    "segmentation": 4,
    "rain": 5,
    "waterdrop": 5,
    "medical": 6,
    "adversarial": 7,
}


class FakeEmbedder:
    """Embeds by counting concept words: ranking by cosine is known in advance."""

    name = "fake-concepts"
    dim = 9

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z]+", t.lower()):
                if w in CONCEPTS:
                    out[i, CONCEPTS[w]] += 1.0
            if not out[i].any():
                out[i, 8] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    @property
    def embedded(self) -> int:
        return sum(self.calls)


class HashEmbedder:
    """Deterministic pseudo-random unit vectors of a realistic width, keyed by the text: for load and race
    tests, where the ranking does not matter but the size of the vector storage does."""

    name = "fake-hash"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        import zlib

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = np.random.default_rng(zlib.crc32(t.encode("utf-8"))).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)
