"""Which sentences of an English abstract a Chinese version of it says: a monotonic sentence alignment.

Dynamic programming in the manner of Gale & Church (1993): the two texts are cut into beads of 1-4 English
and 1-2 Chinese sentences (or one sentence left unmatched) in order, at the lowest total cost. A bead costs
more the further its Chinese length is from the English length times the texts' overall ratio (so a short
Chinese summary of a long abstract aligns as well as a translation), less for each number or Latin token
(dataset names, acronyms, figures: "LUNA16", "17.3", "CT") the two sides share, and more for a Chinese one
missing from the English side or for an English sentence that shares none of the Chinese side's. When an
embedding function that puts both languages in one space is passed, similar meaning lowers the cost too
(by the least similar English sentence of a bead, so that a bead cannot take in an unrelated one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

Embed = Callable[[list[str]], np.ndarray]

_TOKEN = re.compile(r"\d+(?:\.\d+)?[A-Za-z][A-Za-z0-9]*|\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9\-]*")
_BEADS = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (3, 1), (4, 1), (2, 2))
SKIP_EN, SKIP_ZH = 1.0, 2.0  # an English sentence a summary leaves out is common; a Chinese one unsaid is not
EXTRA = 0.3  # each sentence beyond one in a bead
UNANCHORED = 1.2  # an English sentence in a multi-sentence bead sharing none of the Chinese side's anchors
SHARED, MISSING = 1.0, 0.7
SIMILARITY = 2.0


def anchors(sentence: str) -> frozenset[str]:
    """Numbers and Latin tokens that carry over untranslated: figures, acronyms, names of datasets."""
    out = set()
    for tok in _TOKEN.findall(sentence):
        if (
            tok[0].isdigit()
            or any(c.isupper() or c.isdigit() for c in tok[1:])
            or (tok[0].isupper() and not _at_start(sentence, tok))
        ):
            out.add(tok.lower().rstrip("-"))
    return frozenset(out)


def _at_start(sentence: str, tok: str) -> bool:
    return sentence.lstrip(" \"'(").startswith(tok)


def align(
    en_sents: Sequence[str], zh_sents: Sequence[str], embed: Embed | None = None
) -> list[tuple[int, int]]:
    """Links (English index, Chinese index) of a monotonic alignment, in order; no crossing links.

    A Chinese sentence may link to several consecutive English ones (a summary folds them together) and an
    English sentence to up to two Chinese ones; a sentence either side leaves unsaid has no link.
    """
    n, m = len(en_sents), len(zh_sents)
    if not n or not m:
        return []
    en_len = [len(s) for s in en_sents]
    zh_len = [len(s) for s in zh_sents]
    ratio = sum(zh_len) / max(sum(en_len), 1)
    en_anchor = [anchors(s) for s in en_sents]
    zh_anchor = [anchors(s) for s in zh_sents]
    en_vec = zh_vec = None
    if embed is not None:
        en_vec = _unit(np.asarray(embed(list(en_sents)), dtype=np.float32))
        zh_vec = _unit(np.asarray(embed(list(zh_sents)), dtype=np.float32))

    def cost(i: int, j: int, di: int, dj: int) -> float:
        if dj == 0:
            return SKIP_EN * di
        if di == 0:
            return SKIP_ZH * dj
        a_zh = frozenset().union(*zh_anchor[j : j + dj])
        a_en = frozenset().union(*en_anchor[i : i + di])
        expected = ratio * sum(en_len[i : i + di])
        c = abs(math.log((sum(zh_len[j : j + dj]) + 10) / (expected + 10)))
        c += EXTRA * (di + dj - 2) - SHARED * len(a_en & a_zh) + MISSING * len(a_zh - a_en)
        if di > 1 and a_zh:
            c += UNANCHORED * sum(1 for x in en_anchor[i : i + di] if not x & a_zh)
        if en_vec is not None and zh_vec is not None:
            # every English sentence of the bead must be like the Chinese side, not just their mean
            c -= SIMILARITY * float((en_vec[i : i + di] @ _unit(zh_vec[j : j + dj].mean(0))).min())
        return c

    best = np.full((n + 1, m + 1), np.inf)
    best[0, 0] = 0.0
    step: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(n + 1):
        for j in range(m + 1):
            if not math.isfinite(best[i, j]):
                continue
            for di, dj in _BEADS:
                if i + di > n or j + dj > m:
                    continue
                total = best[i, j] + cost(i, j, di, dj)
                if total < best[i + di, j + dj]:
                    best[i + di, j + dj] = total
                    step[(i + di, j + dj)] = (di, dj)
    links: list[tuple[int, int]] = []
    i, j = n, m
    while i or j:
        di, dj = step[(i, j)]
        i, j = i - di, j - dj
        links += [(a, b) for a in range(i, i + di) for b in range(j, j + dj)]
    return sorted(links)


def _unit(v: np.ndarray) -> np.ndarray:
    out: np.ndarray = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    return out
