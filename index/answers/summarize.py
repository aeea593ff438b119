"""Paper summaries: a one-line TL;DR, 3-7 key takeaways and a structured analysis, in English or Chinese.

With a chat model the summary is written by it as JSON and parsed into pydantic models; invalid output
is retried once, then the extractive summary is used and the result says so. The extractive summary
(``index.answers.role_summary``) is built from the abstract's sentences by their learned roles. Summaries are cached in
the store per (paper, version, language, provider) so a digest never pays twice.
"""

from __future__ import annotations

import json
import logging
import re
import threading

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from index.answers.answer import LANG_NAME
from index.answers.llm import connect
from index.answers.role_summary import extractive_summary
from index.answers.roles import RoleTagger, default_tagger
from index.config import DEFAULT_MODEL, LLMSettings
from index.errors import InvalidQueryError
from index.models import Paper, Summary, SummaryContent
from index.paperindex import PaperIndex

__all__ = ["SYSTEM", "Summarizer", "extractive_summary", "parse_summary"]  # extractive_summary: its old home

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


class Summarizer:
    """Summaries with caching, structured-output validation and an extractive fallback."""

    def __init__(
        self,
        index: PaperIndex,
        settings: LLMSettings,
        chat_model: BaseChatModel | None = None,
        slots: threading.BoundedSemaphore | None = None,
        tagger: RoleTagger | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.model, self.provider, self.slots = connect(settings, chat_model, slots)
        self.tagger = tagger or RoleTagger(encode=self._role_vectors)

    def _role_vectors(self, texts: list[str]) -> np.ndarray:
        """The packaged model's vectors for the role classifier: the index's query encoder when it is
        that model (no second copy in memory), else the classifier's own."""
        emb = self.index.query_embedder
        if emb.name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
            return emb.encode(texts)
        return default_tagger().encode(texts)

    def tldr(self, p: Paper) -> str:
        """A paper's one-line extractive TL;DR, with no language-model call (what a page of search hits
        shows under each title). Sentence roles come from this summarizer's tagger, whose encoder is the
        index's own when that is the packaged model: nothing else is loaded."""
        return extractive_summary(p, "en", self.tagger)[0].tldr

    def summarize(self, ref: str, lang: str = "en") -> Summary:
        """Summarise the paper named by id, URL or title, in 'en' or 'zh'."""
        if lang not in LANG_NAME:
            raise InvalidQueryError("lang must be 'en' or 'zh'.")
        p = self.index.resolve(ref)
        cached = self.index.cached_summary(p, lang, self.provider)
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
            content, translated = extractive_summary(p, lang, self.tagger)
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
            self.index.cache_summary(p, lang, self.provider, json.dumps(body, ensure_ascii=False))
        return summary

    def chinese_abstract(self, p: Paper) -> str | None:
        """The imported Chinese abstract, else a translation by the configured model (cached), else None."""
        if p.abstract_zh:
            return p.abstract_zh
        if self.model is None:
            return None
        cached = self.index.cached_summary(p, "zh-abstract", self.provider)
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
            self.index.cache_summary(p, "zh-abstract", self.provider, text)
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
        content, translated = extractive_summary(p, lang, self.tagger)
        return Summary(
            paper=p,
            lang=lang,
            content=content,
            provider=self.provider,
            fallback=True,
            fallback_reason=reason,
            translated=translated,
        )
