"""Extractive summaries from sentence roles: a TL;DR, key takeaways and a structured analysis made of the
abstract's own sentences.

Each sentence gets its role from the learned classifier (``index.answers.roles``); a Chinese abstract's
sentences take the roles of the English sentences they align to (``index.answers.align``). An enumeration
("four-fold: 1) ...; 2) ...") stays whole in the sentence that announces it, so its numbering is never cut.
"""

from __future__ import annotations

import re

from index.answers.align import align
from index.answers.roles import RoleTagger, default_tagger
from index.answers.sentences import CUES, is_boilerplate, split_sentences
from index.models import Analysis, Paper, SummaryContent

_ITEM = re.compile(r"^(\(?\d{1,2}\)|\(?[ivx]{1,4}\)|\(?[a-h]\)|\d{1,2}\.\s|[•·]\s?|\d{1,2}）)", re.I)
_LEAD_EN = re.compile(
    r"^(?:To (?:address|tackle|solve|overcome|alleviate|remedy|fill|bridge|meet)\b[^,]{0,60}|To (?:this|that) end|"
    r"To achieve (?:this|that)(?: goal)?|To do so|In (?:this|the present|our) (?:paper|work|study|article|letter)|"
    r"Here|Therefore|Thus|Hence|However|Specifically|Concretely|In particular|(?:Motivated|Inspired) by[^,]{0,80}|"
    r"Based on (?:this|these)[^,]{0,60}|Recently|Finally|First(?:ly)?),\s+"
)
_LEAD_ZH = re.compile(
    r"^(?:为了?(?:解决|应对|克服|缓解|弥补)[^，]{0,20}，|为此，|因此，|然而，|具体(?:来说|而言)，|在本文中，|本文中，|最近，|首先，)"
)
_PROPOSE = re.compile(
    r"\bwe (propose|present|introduce|develop|devise|design)\b|\bthis (paper|work|article) (proposes|presents|"
    r"introduces|develops)\b|(本文|我们)(提出|介绍|设计|开发|构建)",
    re.I,
)
_PROBLEM = re.compile(CUES["prior_work"].pattern + r"|然而|但是|现有|已有|局限|难以|挑战|不足", re.I)
_RESULTISH = re.compile(CUES["results"].pattern + r"|\d+(\.\d+)?\s*%|结果|实验|优于|提升", re.I)
_CONCLUSION = re.compile(
    r"\b(in (summary|conclusion)|we conclude|we believe|implications?|future (work|research|directions)|paves? the way|"
    r"opens? (up )?(a|the|new)|underscor\w+|highlights? the (potential|importance))\b|总之|综上|未来|启示",
    re.I,
)
_ENUMERATED = re.compile(r"(?:^|[\s:：;；])\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])[)）]", re.I)
_PRIORITY = ("objective", "result", "method", "background", "other")


def units(sents: list[str]) -> list[str]:
    """Sentences, with an enumeration ("four-fold: 1) ...; 2) ...") kept whole in the sentence announcing it."""
    out: list[str] = []
    for x in sents:
        if (
            out
            and _ITEM.match(x)
            and (out[-1].endswith((":", "：", ";", "；")) or _ENUMERATED.search(out[-1]))
        ):
            out[-1] = f"{out[-1]} {x}"
        else:
            out.append(x)
    return out


def _units_of(text: str) -> list[str]:
    return units([x for x in split_sentences(text) if not is_boilerplate(x)])


def chinese_roles(en: list[str], en_roles: list[str], zh: list[str]) -> list[str]:
    """Roles of Chinese sentences: those of the English sentences they align to (the most telling one when a
    sentence folds several together: objective, then result, method, background); an unaligned sentence
    takes its predecessor's."""
    linked: dict[int, list[str]] = {}
    for i, j in align(en, zh):
        linked.setdefault(j, []).append(en_roles[i])
    out: list[str] = []
    for j in range(len(zh)):
        got = linked.get(j)
        out.append(min(got, key=_PRIORITY.index) if got else (out[-1] if out else "background"))
    return out


def trim_lead(sentence: str) -> str:
    """The sentence without a leading connective ("To address the problem, we introduce X" -> "We introduce X")."""
    rest = _LEAD_ZH.sub("", _LEAD_EN.sub("", sentence, count=1), count=1)
    if rest == sentence or len(rest) < 20:
        return sentence
    return rest[0].upper() + rest[1:]


def _tldr_index(us: list[str], roles: list[str]) -> int:
    """The unit that says what the paper does: a proposal among the objective and method units, else the first
    objective, method or result, else the first unit."""
    doing = [i for i, r in enumerate(roles) if r in ("objective", "method")]
    for pick in (
        [i for i in doing if _PROPOSE.search(us[i])],
        [i for i, r in enumerate(roles) if r == "objective"],
        [i for i, r in enumerate(roles) if r == "method"],
        [i for i, r in enumerate(roles) if r == "result"],
    ):
        if pick:
            return pick[0]
    return 0


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut between words (never inside a number such as "17.3%")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def extractive_summary(p: Paper, lang: str, tagger: RoleTagger | None = None) -> tuple[SummaryContent, bool]:
    """A summary made of the abstract's own sentences; (content, in the asked language).

    Each sentence gets a role from the learned classifier (a Chinese abstract's sentences take the roles of
    the English sentences they align to). The TL;DR says what the paper does, without a leading connective;
    the takeaways are its contributions and results, in the abstract's order; each analysis section holds
    the sentences of its role, and a role the abstract lacks is left empty. No sentence is used twice within
    the takeaways or across the sections, and the TL;DR's appears in neither. Links and code notes are left
    out.
    """
    tagger = tagger or default_tagger()
    en = _units_of(p.abstract) or [p.title]
    roles = tagger.roles(en)
    use_zh = lang == "zh" and bool(p.abstract_zh)
    us = en
    if use_zh and p.abstract_zh:
        us = _units_of(p.abstract_zh) or en
        roles = chinese_roles(en, roles, us) if us is not en else roles
    top = _tldr_index(us, roles)
    roles = [  # what comes before the paper's own contribution and speaks of a gap is its problem
        "background" if i < top and r == "method" and _PROBLEM.search(u) else r
        for i, (u, r) in enumerate(zip(us, roles, strict=True))
    ]
    rest = [(i, u, r) for i, (u, r) in enumerate(zip(us, roles, strict=True)) if i != top and r != "other"]
    results = [i for i, _, r in rest if r == "result"][:3]
    methods = [i for i, _, r in rest if r == "method"]
    chosen = sorted([*results, *methods[: 5 - len(results)]])
    takeaways = [us[i] for i in chosen]
    fill = [u for _, u, r in rest if r == "objective"]
    background = sorted((u for _, u, r in rest if r == "background"), key=lambda u: not _PROBLEM.search(u))
    fill += [("Problem addressed: " if lang == "en" else "针对的问题：") + u for u in background]
    fill += [f"Venue: {p.comment}" if p.comment else "", f"Authors: {', '.join(p.authors[:3])}", p.title]
    for extra in fill:
        if len(takeaways) >= 3:
            break
        if extra and extra != "Authors: " and extra not in takeaways and extra != us[top]:
            takeaways.append(extra)
    while len(takeaways) < 3:  # a one-sentence abstract of an anonymous paper titled by it
        takeaways.append(("Abstract: " if lang == "en" else "摘要：") + us[top])
    n_results = sum(1 for _, _, r in rest if r == "result")
    sections: dict[str, list[str]] = {
        k: [] for k in ("background", "prior_work", "method", "results", "conclusion")
    }
    for _, u, r in rest:
        if r == "background":
            sections["prior_work" if _PROBLEM.search(u) else "background"].append(u)
        elif r in ("objective", "method"):
            sections["method"].append(u)
        elif _CONCLUSION.search(u) and not _RESULTISH.search(u) and n_results > 1:
            sections["conclusion"].append(u)
        else:
            sections["results"].append(u)
    analysis = Analysis(**{k: " ".join(v[:3]) for k, v in sections.items()})
    tldr = clip(trim_lead(us[top]), 400)
    return SummaryContent(tldr=tldr, takeaways=takeaways[:7], analysis=analysis), lang == "en" or use_zh
