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


def _section(sentence: str, i: int, first_method: int | None) -> str:
    if CUES["method_strong"].search(sentence):
        return "method"
    for name in ("results", "method", "prior_work"):
        if CUES[name].search(sentence):
            return name
    return "background" if first_method is None or i < first_method else "conclusion"


def extractive_summary(p: Paper, lang: str) -> tuple[SummaryContent, bool]:
    """A summary made of the abstract's own sentences; (content, written in the asked language).

    Each sentence goes to one section by its cues (method > results > prior work; otherwise background
    before the method, conclusion after); links and code-availability notes are left out.
    """
    use_zh = lang == "zh" and bool(p.abstract_zh)
    sents = [
        x
        for x in split_sentences(p.abstract_zh if use_zh and p.abstract_zh else p.abstract)
        if not is_boilerplate(x)
    ] or [p.title]
    first_method = next((i for i, x in enumerate(sents) if CUES["method"].search(x)), None)
    sections: dict[str, list[str]] = {}
    for i, x in enumerate(sents):
        sections.setdefault(_section(x, i, first_method), []).append(x)
    missing = "Not stated in the abstract." if lang == "en" else "摘要中未说明。"

    def part(name: str) -> str:
        return " ".join(sections.get(name, [])[:2]) or missing

    tldr = sections["method"][0] if "method" in sections else sents[0]
    order = [
        *sections.get("method", []),
        *sections.get("results", []),
        *sections.get("conclusion", []),
        *sections.get("prior_work", []),
        *sections.get("background", []),
    ]
    takeaways = [x for x in order if x != tldr][:5]
    for extra in (
        p.title,
        f"Venue: {p.comment}" if p.comment else None,
        f"Authors: {', '.join(p.authors[:3])}",
    ):
        if len(takeaways) >= 3:
            break
        if extra and extra not in takeaways and extra != tldr:
            takeaways.append(extra)
    while len(takeaways) < 3:
        takeaways.append(tldr)
    analysis = Analysis(
        background=part("background") if "background" in sections else sents[0],
        prior_work=part("prior_work"),
        method=part("method"),
        results=part("results"),
        conclusion=(sections.get("conclusion") or sections.get("results") or sents)[-1],
    )
    return SummaryContent(tldr=tldr[:400], takeaways=takeaways, analysis=analysis), lang == "en" or use_zh


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
