"""Sentence splitting and extractive selection over abstracts."""

from __future__ import annotations

import re

import numpy as np

_EN_SPLIT = re.compile(r"(?<=[.!?])\s*(?=[A-Z][a-z]|[A-Z]{2,}\b|\d)")
_ZH_SPLIT = re.compile(r"(?<=[。！？])")
_ABBREV = re.compile(r"\b(e\.g|i\.e|et al|etc|vs|Fig|Eq)\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of an English or Chinese abstract (keeps 'e.g.' and 'et al.' inside sentences)."""
    text = " ".join(text.split())
    if not text:
        return []
    parts = [p for p in _ZH_SPLIT.split(text) if p.strip()] if re.search(r"[。！？]", text) else [text]
    out: list[str] = []
    for part in parts:
        for s in _EN_SPLIT.split(part):
            s = s.strip()
            if not s:
                continue
            if out and _ABBREV.search(out[-1]):
                out[-1] = f"{out[-1]} {s}"
            else:
                out.append(s)
    return out


_BOILERPLATE = re.compile(r"https?://|github|code (is|will be)|project page|available at", re.I)


def is_boilerplate(sentence: str) -> bool:
    """Links, code-availability and project-page notes: never an answer or a takeaway."""
    return bool(_BOILERPLATE.search(sentence))


def top_sentences(query_vec: np.ndarray, sent_vecs: np.ndarray, k: int) -> list[int]:
    """Indices of the k sentences most similar to the query, best first."""
    if sent_vecs.size == 0:
        return []
    sims = sent_vecs @ query_vec
    return [int(i) for i in np.argsort(-sims)[:k]]


CUES = {
    "prior_work": re.compile(
        r"\b(however|existing|previous|prior|current (methods|approaches|techniques)|struggle|limited|"
        r"fail|suffer|challenge|drawback|lack)\w*",
        re.I,
    ),
    "method_strong": re.compile(
        r"\b(we (propose|present|introduce|develop|devise|design)|this (paper|work) (proposes|introduces|presents)|"
        r"in this (paper|work))",
        re.I,
    ),
    "method": re.compile(
        r"\b(we (propose|present|introduce|develop|devise|design|leverage|train|use)|this (paper|work) (proposes|"
        r"introduces|presents)|our (method|approach|framework|model|network)|in this (paper|work))",
        re.I,
    ),
    "results": re.compile(
        r"\b(experiments?\b|experimental|results\b|outperform\w*|state-of-the-art|demonstrat\w*|achiev\w*|"
        r"show that|evaluat\w*|superior)",
        re.I,
    ),
}
