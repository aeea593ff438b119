"""Paper summaries: a one-line TL;DR, 3-7 key takeaways and a structured analysis, in English or Chinese.

With a chat model the summary is written by it as JSON and parsed into pydantic models; invalid output
is retried once, then the extractive summary is used and the result says so. Summaries are cached in
the store per (paper, version, language, provider) so a digest never pays twice.
"""

from __future__ import annotations

import json
import logging
import re
import threading

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from index.answers.answer import LANG_NAME
from index.answers.llm import connect
from index.answers.sentences import CUES, is_boilerplate, split_sentences
from index.config import LLMSettings
from index.errors import InvalidQueryError
from index.models import Analysis, Paper, Summary, SummaryContent
from index.paperindex import PaperIndex

log = logging.getLogger(__name__)

SYSTEM = (
    "You summarise one research paper from its abstract for a research group's digest. Reply with ONLY a "
    'JSON object, no prose, of this shape: {{"tldr": one sentence, "takeaways": [3 to 7 short strings], '
    '"analysis": {{"background": str, "prior_work": str (prior work and its problem), "method": str, '
    '"results": str, "conclusion": str}}}}. Use only what the abstract says. Write in {language}.'
)
_JSON = re.compile(r"\{.*\}", re.S)


def parse_summary(text: str) -> SummaryContent:
    """The first JSON object in a model's reply, validated; raises ValueError when it is not one."""
    m = _JSON.search(text)
    if not m:
        raise ValueError("no JSON object in the reply")
    try:
        return SummaryContent.model_validate(json.loads(m.group(0)))
    except (json.JSONDecodeError, ValidationError) as e:
        raise ValueError(str(e).splitlines()[0]) from e


ROLES = ("background", "problem", "method", "result", "conclusion")
_CONCLUSION = re.compile(
    r"\b(underscor\w*|potential|promising|paves?|opens? (a|the) (path|door|way)|in (summary|conclusion)|"
    r"overall|we believe|significance|implications?|future (work|research)|advancements? make)\b",
    re.I,
)
_RESULT_EXTRA = re.compile(r"\d+(\.\d+)?\s*(%|db\b|times\b|x\b|×)|\bfaster\b|\bimprov\w+ (of|by)\b", re.I)


def sentence_roles(sents: list[str]) -> list[str]:
    """One role per sentence: background, problem, method, result or conclusion.

    Sentences before the paper's first "we propose / this paper introduces" are background, or the problem
    when they speak of existing work's limits ("However, existing methods struggle..."); from there on a
    sentence is a result when it reports experiments or figures, a conclusion when it draws the lesson
    ("...underscores the potential of..."), and otherwise method.
    """
    start = next((i for i, x in enumerate(sents) if CUES["method_strong"].search(x)), None)
    if start is None:
        start = next((i for i, x in enumerate(sents) if CUES["method"].search(x)), min(1, len(sents) - 1))
    roles = []
    for i, x in enumerate(sents):
        if i < start:
            roles.append("problem" if CUES["prior_work"].search(x) else "background")
        elif i > start and (CUES["results"].search(x) or _RESULT_EXTRA.search(x)):
            roles.append("result")
        elif i > start and _CONCLUSION.search(x):
            roles.append("conclusion")
        else:
            roles.append("method")
    return roles


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut between words (never inside a number such as "17.3%")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def extractive_summary(p: Paper, lang: str) -> tuple[SummaryContent, bool]:
    """A summary made of the abstract's own sentences, each used once; (content, in the asked language).

    The TL;DR is the sentence that says what the paper does; takeaways are its contributions, results and
    conclusion, never background; the analysis puts every sentence under its role. Links and code notes
    are left out.
    """
    use_zh = lang == "zh" and bool(p.abstract_zh)
    sents = [
        x
        for x in split_sentences(p.abstract_zh if use_zh and p.abstract_zh else p.abstract)
        if not is_boilerplate(x)
    ] or [p.title]
    by_role: dict[str, list[str]] = {r: [] for r in ROLES}
    for x, role in zip(sents, sentence_roles(sents), strict=True):
        by_role[role].append(x)
    tldr = (by_role["method"] or by_role["result"] or sents)[0]
    takeaways = [x for x in (*by_role["method"], *by_role["result"], *by_role["conclusion"]) if x != tldr][:5]
    for x in (*by_role["problem"], *by_role["background"]):  # a short abstract: what it addresses
        if len(takeaways) >= 3:
            break
        takeaways.append(("Problem addressed: " if lang == "en" else "针对的问题：") + x)
    extras = [f"Venue: {p.comment}" if p.comment else None, f"Authors: {', '.join(p.authors[:3])}", p.title]
    for extra in extras:
        if len(takeaways) >= 3:
            break
        if extra and extra not in takeaways and extra != tldr:
            takeaways.append(extra)
    while len(takeaways) < 3:
        takeaways.append(tldr)
    missing = "Not stated in the abstract." if lang == "en" else "摘要中未说明。"

    def part(role: str) -> str:
        return " ".join(by_role[role][:2]) or missing

    analysis = Analysis(
        background=part("background"),
        prior_work=part("problem"),
        method=part("method"),
        results=part("result"),
        conclusion=part("conclusion"),
    )
    return SummaryContent(tldr=clip(tldr, 400), takeaways=takeaways, analysis=analysis), lang == "en" or use_zh


class Summarizer:
    """Summaries with caching, structured-output validation and an extractive fallback."""

    def __init__(
        self,
        index: PaperIndex,
        settings: LLMSettings,
        chat_model: BaseChatModel | None = None,
        slots: threading.BoundedSemaphore | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.model, self.provider, self.slots = connect(settings, chat_model, slots)

    def summarize(self, ref: str, lang: str = "en") -> Summary:
        """Summarise the paper named by id, URL or title, in 'en' or 'zh'."""
        if lang not in LANG_NAME:
            raise InvalidQueryError("lang must be 'en' or 'zh'.")
        p = self.index.resolve(ref)
        cached = self.index.store.get_summary(p.id, p.version, lang, self.provider)
        if cached:
            body = json.loads(cached)
            return Summary(
                paper=p,
                lang=lang,
                provider=self.provider,
                cached=True,
                content=SummaryContent.model_validate(body["content"]),
                translated=body["translated"],
            )
        if self.model is None:
            content, translated = extractive_summary(p, lang)
            summary = Summary(
                paper=p,
                lang=lang,
                content=content,
                provider="extractive",
                translated=translated,
            )
        else:
            summary = self._with_model(p, lang)
        if not summary.fallback:
            body = {"content": summary.content.model_dump(), "translated": summary.translated}
            self.index.store.put_summary(
                p.id, p.version, lang, self.provider, json.dumps(body, ensure_ascii=False)
            )
        return summary

    def chinese_abstract(self, p: Paper) -> str | None:
        """The imported Chinese abstract, else a translation by the configured model (cached), else None."""
        if p.abstract_zh:
            return p.abstract_zh
        if self.model is None:
            return None
        cached = self.index.store.get_summary(p.id, p.version, "zh-abstract", self.provider)
        if cached:
            return cached
        try:
            with self.slots:
                reply = self.model.invoke(
                    [
                        SystemMessage(
                            "Translate the research-paper abstract into Simplified Chinese. Reply with the "
                            "translation only."
                        ),
                        HumanMessage(p.abstract),
                    ]
                )
        except Exception as e:  # a failed translation leaves the cell empty, with the table's note
            log.warning("translation of %s failed: %s", p.id, type(e).__name__)
            return None
        text = " ".join(str(reply.content).split())
        if text:
            self.index.store.put_summary(p.id, p.version, "zh-abstract", self.provider, text)
        return text or None

    def _with_model(self, p: Paper, lang: str) -> Summary:
        assert self.model is not None
        messages: list[BaseMessage] = [
            SystemMessage(SYSTEM.format(language=LANG_NAME[lang])),
            HumanMessage(f"Title: {p.title}\n\nAbstract: {p.abstract}"),
        ]
        reason = ""
        for attempt in (1, 2):
            try:
                with self.slots:
                    reply = self.model.invoke(messages)
                text = str(reply.content)
                content = parse_summary(text)
                return Summary(paper=p, lang=lang, content=content, provider=self.provider)
            except ValueError as e:
                reason = f"invalid structured output ({e})"
                log.warning("summary of %s: %s (attempt %d)", p.id, reason, attempt)
                messages += [
                    AIMessage(text),
                    HumanMessage(f"That was not valid: {e}. Reply with ONLY the JSON object."),
                ]
            except Exception as e:  # provider failures (timeout, HTTP) fall back at once
                reason = f"{type(e).__name__} from the {self.settings.provider} provider"
                log.warning("summary of %s failed: %s", p.id, reason)
                break
        content, translated = extractive_summary(p, lang)
        return Summary(
            paper=p,
            lang=lang,
            content=content,
            provider=self.provider,
            fallback=True,
            fallback_reason=reason,
            translated=translated,
        )
