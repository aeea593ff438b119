"""Sentence splitting and extractive selection over abstracts.

Sentences are found by pySBD (rule-based sentence boundary disambiguation: decimals such as "17.3%" and
"+6.13dB", abbreviations such as "e.g.", "et al." and "U.S.", and Chinese 。！？ punctuation), not by a
hand-written pattern, which cut numbers in half. pySBD also ends a sentence before each item of an inline
enumeration ("(i) ... and (ii) ..."); such items are joined back to the sentence they continue.
"""

from __future__ import annotations

import re
import threading

import pysbd

_CJK_STOP = re.compile(r"[。！？]")
# "analysis.This paper": a sentence end with its space lost (common in scraped abstracts).
_GLUED = re.compile(r"(?<=[a-z]{2})\.(?=[A-Z][a-z])")
# An enumeration item inside a sentence: "(i) ...", "ii) ...", "(2) ...", "b) ...". pySBD ends a sentence
# before each such marker, so "two problems, which are (i) X and (ii) Y." came out as three fragments.
_ITEM = re.compile(r"^\(?(?:[ivx]{1,4}|\d{1,2}|[a-h])\)\s", re.I)
# How a sentence ends: its stop, then any closing quotes or brackets.
_ENDED = re.compile(r"[.!?。！？…][\"'”’)\]]*$")
_local = threading.local()


def _segmenter(lang: str) -> pysbd.Segmenter:
    """One segmenter per thread and language (pySBD keeps per-call state on the segmenter)."""
    segs = getattr(_local, "segs", None)
    if segs is None:
        segs = _local.segs = {}
    if lang not in segs:
        segs[lang] = pysbd.Segmenter(language=lang, clean=False)
    return segs[lang]


def split_sentences(text: str) -> list[str]:
    """Sentences of an English or Chinese abstract, numbers and abbreviations kept whole."""
    text = _GLUED.sub(". ", " ".join(text.split()))
    if not text:
        return []
    lang = "zh" if _CJK_STOP.search(text) else "en"
    out: list[str] = []
    for sentence in _segmenter(lang).segment(text):
        for part in _split_after_urls(sentence):
            part = part.strip()
            if not part:
                continue
            if out and _ITEM.match(part) and not _ENDED.search(out[-1]):
                out[-1] = f"{out[-1]} {part}"  # an enumeration item continues its sentence
            else:
                out.append(part)
    return out


def _split_after_urls(sentence: str) -> list[str]:
    parts, start = [], 0
    for m in re.finditer(r"https?://\S+?\.(?=\s+[A-Z])", sentence):
        parts.append(sentence[start : m.end()])
        start = m.end()
    return [*parts, sentence[start:]]


_BOILERPLATE = re.compile(r"https?://|github|code (is|will be)|project page|available at", re.I)


def is_boilerplate(sentence: str) -> bool:
    """Links, code-availability and project-page notes: never an answer or a takeaway."""
    return bool(_BOILERPLATE.search(sentence))


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
