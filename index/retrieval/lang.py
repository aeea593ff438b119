"""Language handling for queries: script detection, Latin terms inside a Chinese question, and
dictionary-based query translation (a bilingual glossary of general computer-vision, machine-learning
and medical-imaging vocabulary) so that a Chinese question can be matched against English abstracts."""

from __future__ import annotations

import re
from functools import lru_cache

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
    """English glossary terms for the Chinese phrases in the text (greedy longest match)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        i = 0
        while i < len(run):
            for key in _keys_by_length():
                if run.startswith(key, i):
                    out.append(ZH_EN[key])
                    i += len(key)
                    break
            else:
                i += 1
    return out


def english_query(text: str) -> str:
    """An English pseudo-query for a Chinese question: its Latin words plus glossary translations."""
    if not is_cjk(text):
        return text
    parts = latin_terms(text) + translate_terms(text)
    return " ".join(dict.fromkeys(parts))
