"""Question-focused extraction: which sentences of which abstracts answer a question.

A sentence's score adds three signals, each general to questions about papers (no list of expected
questions): its embedding similarity to the question; the share of the question's content words it contains,
weighted by how rare each word is among the candidate sentences (a paper's own name, in every sentence,
weighs little); and whether it holds what the question type asks for -- a number for "how many / how much",
a link for "is the code available", a named dataset or benchmark for "which dataset", a cause for "why".
Chinese questions are scored through their English pseudo-query (index.retrieval.lang.english_query) plus
the Chinese question words that reveal the type ("多少", "代码", "数据集", "为什么" ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.answers.align import align
from index.answers.sentences import CUES, is_boilerplate, split_sentences
from index.models import Paper

INTENTS: dict[str, re.Pattern[str]] = {
    "number": re.compile(
        r"\bhow (many|much|fast|faster|quickly|large|big|small|long|short|often|high|low|accurate|well)\b|"
        r"\bby how\b|\bnumber of\b|\bat what\b|\bhow many times\b|"
        r"\bwhat (is the |are the |was the )?(\w+ )?(percentage|percent|accuracy|precision|recall|sensitivity|"
        r"specificity|improvement|gain|margin|speed-?up|speed|frame ?rate|fps|rate|runtime|run ?time|latency|"
        r"time|duration|resolution|size|score|dice|auc|error|memory|throughput|reduction|increase|ratio|count|"
        r"dose|cost)\b|\b(db|psnr|ssim|dice|dsc|auc|fps|percent)\b|"
        r"多少|几[个种次篇张倍]?|倍|百分|提升了|提高了|快了|多快|多久|多长|多大|多高|多低|帧率|速度|耗时|精度|准确率",
        re.I,
    ),
    "code": re.compile(
        r"\bcode\b|github|open[- ]?sourced?|\bavailab\w*|download\w*|\breleased?\b|project page|\burl\b|"
        r"\blink\b|where can|代码|开源|下载|获取|链接|网址|主页",
        re.I,
    ),
    "dataset": re.compile(
        r"\bdata ?sets?\b|\bbenchmarks?\b|\bevaluat\w*|\btested\b|\bexperiments? on\b|\btrained on\b|"
        r"\bwhat (kind of )?(data|images)\b|数据集|基准|评估|评测|测试|实验",
        re.I,
    ),
    "reason": re.compile(r"\bwhy\b|\breasons?\b|\bcauses?\b|为什么|为何|原因", re.I),
    "method": re.compile(
        r"\bwhat (method|approach|technique|architecture|framework)\b|\bhow does\b|\bhow do (they|the authors)\b|"
        r"什么方法|哪种方法|什么技术|什么架构|如何实现|怎么做",
        re.I,
    ),
}
# A quantity: a number with its unit (133 FPS, 2.48 dB, 45 times, 10 public datasets, 92.1%) -- what a
# "how fast / how many / what frame rate" question asks for. Plain numbers count for less, and dimensions
# (2D, 3D) and names with digits (LUNA16) are not quantities.
_NUM = r"(?<![\w.])\d+(?:[.,]\d+)*(?![\d.,]*[a-zA-Z]*\d)"
QUANTITY = re.compile(
    _NUM + r"\s*(?:%|percent\b|x\b|×|times\b|-?fold\b|fps\b|hz\b|db\b|ms\b|s\b|sec\w*|minutes?\b|"
    r"mins?\b|hours?\b|h\b|days?\b|mm\b|cm\b|µm|um\b|nm\b|gb\b|mb\b|kb\b|tb\b|[kmb]\b|gflops\b|"
    r"flops\b|params?\b|parameters\b|points?\b|pp\b|mgy\b|gy\b|msv\b)"
    r"|" + _NUM + r"\s+(?:[a-z][a-z-]*\s+){0,2}(?:data ?sets?|patients|images|scans|subjects|volumes|cases|"
    r"videos|frames|classes|categories|organs|centers|centres|sites|hospitals|institutions|benchmarks|tasks|"
    r"modalities|participants|slides|samples|sequences|views|readers|radiologists|languages)\b"
    r"|" + _NUM + r"\s*(?:dice|dsc|auc|psnr|ssim|m?iou|map|f1|hd95|accuracy)\b"
    r"|\b(?:dice|dsc|auc|psnr|ssim|m?iou|map|f1|hd95|accuracy|sensitivity|specificity)\b[^.;]{0,24}?"
    + _NUM
    + r"|\b(?:twice|half|an order of magnitude|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s+(?:times|(?:[a-z][a-z-]*\s+){0,2}(?:data ?sets?|benchmarks|tasks|modalities|centers|centres|sites|"
    r"hospitals|organs|classes)))\b",
    re.I,
)
# A named data set: a name (BraTS 2023, LUNA16, ISIC, MIMIC-CXR) beside the word that says it is one, or
# what an evaluation is run on -- what a "which dataset / benchmark" question asks for.
NAMED_DATASET = re.compile(
    r"\b(?:[A-Z][A-Za-z]*[A-Z0-9][\w-]*|[A-Z]{2,}[\w-]*)(?:\s+\d{4})?\s+(?:data ?sets?|benchmarks?|challenges?|"
    r"cohorts?|databases?)\b|\b(?:data ?sets?|benchmarks?|challenges?)\s*(?:\(|,|:)?\s*(?:[A-Z][A-Za-z]*[A-Z0-9][\w-]*|"
    r"[A-Z]{2,}[\w-]*)|\b(?i:evaluat\w*|validat\w*|test\w*|experiments?|trained)\b[^.;]{0,40}?\bon\s+(?:the\s+)?"
    r"(?:public\s+)?(?:[A-Z][A-Za-z]*[A-Z0-9][\w-]*|[A-Z]{2,}[\w-]*)"
)
_DIMENSION = re.compile(r"\b[1-4]D\b|\b[1-4]-D\b")
FEATURES: dict[str, re.Pattern[str]] = {
    "number": re.compile(
        r"(?<![\w.])\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|twice|half|dozens?|hundreds?|"
        r"thousands?|millions?)\b|\btimes (faster|smaller|fewer|less|more)\b",
        re.I,
    ),
    "code": re.compile(r"https?://|github|\bcode\b|publicly available|project page|accessed|released", re.I),
    "dataset": re.compile(
        r"\bdata ?sets?\b|\bbenchmarks?\b|\bevaluat\w* (on|using|with)\b|\bexperiments? (on|with)\b|"
        r"\b(scans|images|videos|subjects|patients|volumes)\b",
        re.I,
    ),
    "reason": re.compile(
        r"\b(due to|because|attributed to|caused by|owing to|stems? from|as a result|leads? to|results? in)\b",
        re.I,
    ),
    "method": CUES["method"],
}
# A capitalised or alphanumeric name inside a sentence (LUNA16, ShapeNet, DAVIS, RETOUCH, CT).
_NAME = re.compile(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Za-z]+\d+\w*)\b")
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]|[a-z0-9]", re.I)
_STOP_WORDS = (
    "a an the of in on for to and or with by from at as is are was were be been being do does did has have "
    "had it its this that these those which what who whom whose when where why how many much can could "
    "would should will shall may might use used using paper papers method methods approach model models "
    "work propose proposed their there than then into about over under such also any each other more most "
    "some not no yes only our we they them you your me my his her"
)
STOP = frozenset(_STOP_WORDS.split())

WEIGHT_LEXICAL = 0.5
WEIGHT_INTENT = 0.2
WEIGHT_QUANTITY = 0.2  # on top of the intent's: a number with its unit (a named data set), when asked for
WEIGHT_CODE_LINK = 0.4
TITLE_DISCOUNT = 0.25
# Another paper joins the answer only when its best sentence scores this close to the best one.
OTHER_PAPER_BAR = 0.85
# Further sentences join the best one when they score this close to it.
SENTENCE_BAR = 0.8
SECOND_SENTENCE_BAR = 0.65


def intents(question: str) -> set[str]:
    """What the question asks for: any of number, code, dataset, reason, method (empty: a general
    question)."""
    return {name for name, pat in INTENTS.items() if pat.search(question)}


def _stem(word: str) -> str:
    w = word.lower()
    return w[:5] if len(w) > 5 else w


def content_terms(text: str) -> list[str]:
    """Stemmed content words (stop words removed)."""
    return [_stem(w) for w in _WORD.findall(text) if w.lower() not in STOP and len(w) > 1]


@dataclass(frozen=True)
class Candidate:
    """A sentence of one source paper, with its score for the question."""

    source: int  # index into the papers list
    position: int
    text: str
    score: float


def candidates(papers: list[Paper], wants: set[str]) -> list[tuple[int, int, str]]:
    """(paper index, position, sentence) for every usable sentence of the English abstracts; links and code
    notes are kept only when the question asks for them. Sentences are scored in English whatever the
    question's language (the scorer's model and cues are English); a Chinese answer then quotes the
    aligned sentences of an imported Chinese abstract (:func:`in_chinese`)."""
    out = []
    for n, p in enumerate(papers):
        for pos, s in enumerate(split_sentences(p.abstract)):
            if "code" in wants or not is_boilerplate(s):
                out.append((n, pos, s))
    return out


def in_chinese(
    chosen: list[Candidate], papers: list[Paper], embed: Callable[[list[str]], np.ndarray] | None = None
) -> list[Candidate]:
    """The chosen English sentences, each replaced by the sentences of its paper's Chinese abstract that
    say it (a monotonic alignment: :func:`index.answers.align.align`); one with no Chinese counterpart, or
    from a paper without a Chinese abstract, stays in English. Two English sentences that one Chinese
    sentence says together are quoted once."""
    links: dict[int, dict[int, list[str]]] = {}
    out: list[Candidate] = []
    quoted: set[str] = set()
    for c in chosen:
        p = papers[c.source]
        if not p.abstract_zh:
            out.append(c)
            continue
        if c.source not in links:
            en, zh = split_sentences(p.abstract), split_sentences(p.abstract_zh)
            said: dict[int, list[str]] = {}
            for i, j in align(en, zh, embed):
                said.setdefault(i, []).append(zh[j])
            links[c.source] = said
        zh_text = "".join(dict.fromkeys(links[c.source].get(c.position, [])))
        if zh_text in quoted:
            continue
        if zh_text:
            quoted.add(zh_text)
        out.append(Candidate(c.source, c.position, zh_text, c.score) if zh_text else c)
    return out


def score_sentences(
    question_en: str,
    question: str,
    sentences: list[str],
    encode: Callable[[list[str]], np.ndarray],
    title_terms: list[set[str]] | None = None,
) -> np.ndarray:
    """One score per sentence: similarity + rare-word overlap + the question type's evidence.

    ``title_terms`` (per sentence: the content words of its paper's title) are the words that pick the
    paper, not the sentence: "Which benchmarks evaluate self-supervised video object segmentation?" asks
    for the benchmark, so in that paper's sentences the title's words weigh a quarter.
    """
    if not sentences:
        return np.zeros(0, dtype=np.float32)
    vecs = encode([question_en, *sentences])
    sims = vecs[1:] @ vecs[0]
    wants = intents(question) | intents(question_en)
    terms = list(dict.fromkeys(content_terms(question_en)))
    sent_terms = [set(content_terms(s)) for s in sentences]
    n = len(sentences)
    idf = {t: math.log(1 + n / (1 + sum(t in st for st in sent_terms))) for t in terms}
    total = sum(idf.values()) or 1.0
    scores = np.empty(n, dtype=np.float32)
    for i, s in enumerate(sentences):
        own = title_terms[i] if title_terms else set()
        weight = {t: idf[t] * (TITLE_DISCOUNT if t in own else 1.0) for t in terms}
        lexical = sum(weight[t] for t in terms if t in sent_terms[i]) / (sum(weight.values()) or total)
        bonus = 0.0
        for want in wants:
            text = _DIMENSION.sub(" ", s) if want == "number" else s
            if FEATURES[want].search(text) or (want == "dataset" and _NAME.search(s) and " on " in s):
                bonus += WEIGHT_INTENT
        if "number" in wants and QUANTITY.search(_DIMENSION.sub(" ", s)):
            bonus += WEIGHT_QUANTITY
        if "dataset" in wants and NAMED_DATASET.search(s):
            bonus += WEIGHT_QUANTITY
        if "code" in wants and "http" in s:
            bonus += WEIGHT_CODE_LINK
        scores[i] = float(sims[i]) + WEIGHT_LEXICAL * lexical + bonus
    return scores


def select(
    cands: list[tuple[int, int, str]],
    scores: np.ndarray,
    *,
    max_sentences: int = 3,
    max_papers: int = 2,
    primary: int | None = None,
) -> list[Candidate]:
    """The best sentence, then others close to it: at most ``max_papers`` papers, each clearing the bar
    against the best paper; no sentence twice. Sentences come grouped by paper, best paper first.

    ``primary`` (a paper index) answers first whatever the scores: a chat follow-up is about the paper
    already under discussion.
    """
    if not cands:
        return []
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    if primary is not None and any(c[0] == primary for c in cands):
        order = [i for i in order if cands[i][0] == primary] + [i for i in order if cands[i][0] != primary]
    best = float(scores[order[0]])
    best_per_paper: dict[int, float] = {}
    for i in order:
        best_per_paper.setdefault(cands[i][0], float(scores[i]))
    papers = [p for p, s in best_per_paper.items() if p == cands[order[0]][0] or s >= OTHER_PAPER_BAR * best]
    papers = papers[:max_papers]
    chosen: list[Candidate] = []
    seen: set[str] = set()
    for i in order:
        src, pos, text = cands[i]
        if src not in papers or text in seen:
            continue
        # A second sentence of the best paper needs less (the answer often spans two); the rest, more.
        from_best = sum(c.source == papers[0] for c in chosen)
        bar = SECOND_SENTENCE_BAR if src == papers[0] and from_best == 1 else SENTENCE_BAR
        if chosen and float(scores[i]) < bar * best:
            continue
        chosen.append(Candidate(src, pos, text, float(scores[i])))
        seen.add(text)
        if len(chosen) >= max_sentences:
            break
    rank = {p: k for k, p in enumerate(papers)}
    return sorted(chosen, key=lambda c: (rank[c.source], -c.score))
