"""The bundled sample corpus on disk, and abstract-like texts made of its sentences (what the benchmark and
the encoder measurement embed; nothing here needs an index)."""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path


def sample_corpus() -> Path:
    """Where the bundled sample corpus (JSONL) is installed."""
    return Path(str(resources.files("index").joinpath("data/sample_papers.jsonl")))


def synthetic_texts(n: int, seed: int = 0, sentences: int = 7) -> list[str]:
    """Abstract-like texts: sentences of the sample corpus's abstracts, mixed (about 170 words each)."""
    from index.answers.sentences import split_sentences

    lines = sample_corpus().read_text(encoding="utf-8").splitlines()
    pool = [s for line in lines for s in split_sentences(json.loads(line)["abstract"])]
    rng = random.Random(seed)
    return [" ".join(rng.sample(pool, sentences)) for _ in range(n)]
