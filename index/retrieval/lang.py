"""Language handling for queries: script detection, Latin terms inside a Chinese question, and
dictionary-based query translation so that a Chinese question can be matched against English abstracts: a
bilingual glossary of computer-vision, machine-learning and medical-imaging vocabulary first, and a general
dictionary (CC-CEDICT, :mod:`index.retrieval.cedict`) for the words it lacks."""

from __future__ import annotations

import re
from functools import lru_cache

from index.retrieval.cedict import longest_word
from index.retrieval.glossary import ZH_EN

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-+]*")


def is_cjk(text: str) -> bool:
    """True when a notable share of the text is Chinese/Japanese script."""
    cjk = len(_CJK.findall(text))
    return cjk >= 2 and cjk >= 0.15 * max(1, len(text.replace(" ", "")))


def detect_lang(text: str) -> str:
    """'zh' for Chinese-script text, else 'en' (good enough for choosing an answer language)."""
    return "zh" if is_cjk(text) else "en"


def latin_text(text: str) -> str:
    """The text with CJK runs replaced by spaces (so 'MambaMorph用了' keeps 'MambaMorph')."""
    return _CJK_RUN.sub(" ", text)


def latin_terms(text: str) -> list[str]:
    """Latin-script words inside a mixed-script question."""
    return _LATIN_WORD.findall(latin_text(text))


@lru_cache(maxsize=1)
def _keys_by_length() -> list[str]:
    return sorted(ZH_EN, key=len, reverse=True)


def translate_terms(text: str) -> list[str]:
    """English terms for the Chinese words in the text, longest match first: the field glossary's term
    where it lists the word, else the general dictionary's words (CC-CEDICT), else nothing."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        i = 0
        while i < len(run):
            glossary = next((key for key in _keys_by_length() if run.startswith(key, i)), None)
            general = longest_word(run, i)
            if glossary is not None and (general is None or len(glossary) >= general[0]):
                out.append(ZH_EN[glossary])
                i += len(glossary)
            elif general is not None:
                out.extend(general[1])
                i += general[0]
            else:
                i += 1
    return out


def english_query(text: str) -> str:
    """An English pseudo-query for a Chinese question: its Latin words plus the translations of its words
    (the glossary's, else the general dictionary's)."""
    if not is_cjk(text):
        return text
    parts = latin_terms(text) + translate_terms(text)
    return " ".join(dict.fromkeys(parts))
