"""Abstract-like texts made of the sample corpus's sentences: what the benchmark embeds (and what wrote
index/data/calibration.txt, the texts the encoder measurement times: ``synthetic_texts(48, seed=3)``)."""

from __future__ import annotations

import json
import random

from index.answers.sentences import split_sentences
from index.sample import sample_corpus


def synthetic_texts(n: int, seed: int = 0, sentences: int = 7) -> list[str]:
    """Abstract-like texts: sentences of the sample corpus's abstracts, mixed (about 170 words each)."""
    lines = sample_corpus().read_text(encoding="utf-8").splitlines()
    pool = [s for line in lines for s in split_sentences(json.loads(line)["abstract"])]
    rng = random.Random(seed)
    return [" ".join(rng.sample(pool, sentences)) for _ in range(n)]
