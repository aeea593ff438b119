"""Grounded answers with langchain: an extractive answerer that needs no model, and an LLM chain whose
citations are checked against what was retrieved. :class:`PaperRetriever` offers the same hybrid search as a
langchain retriever for composing other chains; ``Answerer.ask`` calls the search itself, because it also
reads the search's dense scores to decide whether the evidence is weak.

Grounding rules enforced here: every [n] in an answer names a paper that was given to the model; any
other citation is removed and logged; titles, authors, dates and links come from the store.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.answers.extract import (
    Candidate,
    candidates,
    content_terms,
    in_chinese,
    intents,
    score_sentences,
    select,
)
from index.answers.llm import connect
from index.answers.names import PaperNames
from index.answers.scrub import scrub_references
from index.config import LLMSettings
from index.errors import InvalidQueryError
from index.models import Answer, Citation, Paper, SearchHit
from index.paperindex import PaperIndex
from index.retrieval.e5 import evidence_floor
from index.retrieval.lang import detect_lang, english_query, is_cjk
from index.retrieval.search import Retrieved, prepare_query

log = logging.getLogger(__name__)

LANG_NAME = {"en": "English", "zh": "Simplified Chinese"}
_CITE = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")
_ID_CITE = re.compile(r"\[(?:arXiv:)?(\d{4}\.\d{4,5})(?:v\d+)?\]", re.I)
_ID_IN_TEXT = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/)?\b(\d{4}\.\d{4,5})(?:v\d+)?\b", re.I)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You answer questions about research papers using ONLY the numbered sources below. "
            "Cite every claim with the source number in square brackets, like [1] or [2]. Never cite "
            "anything that is not a numbered source. If the sources do not answer the question, say so. "
            "Be concise (at most 120 words). Answer in {language}.",
        ),
        ("human", "Sources:\n{sources}\n\nQuestion: {question}"),
    ]
)


class PaperRetriever(BaseRetriever):
    """A langchain retriever over PaperIndex's hybrid search (no second copy of the data)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        hits: list[SearchHit] = self.index.search(query, k=self.k)
        return [hit_document(h) for h in hits]


def hit_document(h: SearchHit) -> Document:
    p = h.paper
    return Document(
        page_content=f"{p.title}\n{p.abstract}",
        metadata={
            "id": p.id,
            "title": p.title,
            "score": h.score,
            "dense_score": h.dense_score,
            "rank": h.rank,
        },
    )


def citation(n: int, p: Paper) -> Citation:
    return Citation(n=n, id=p.id, title=p.title, url=p.url, authors=p.authors, published=p.published)


def check_citations(text: str, n_sources: int) -> tuple[str, list[int]]:
    """Drop [n] outside 1..n_sources and bracketed ids; return the text and the cited numbers in order."""
    cited: list[int] = []

    def keep(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*[,，]\s*", m.group(1))]
        good = [n for n in nums if 1 <= n <= n_sources]
        bad = [n for n in nums if n not in good]
        if bad:
            log.warning("removed citation(s) %s: not among the %d retrieved papers", bad, n_sources)
        cited.extend(n for n in good if n not in cited)
        return "".join(f"[{n}]" for n in good)

    text = _CITE.sub(keep, text)

    def drop_id(m: re.Match[str]) -> str:
        log.warning("removed citation [%s]: cite by source number only", m.group(1))
        return ""

    text = _ID_CITE.sub(drop_id, text)
    return re.sub(r"[ \t]+([.,;:!?。，])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip(), cited


class Answerer:
    """Answers questions over a PaperIndex, extractively or with the configured chat model."""

    def __init__(
        self,
        index: PaperIndex,
        settings: LLMSettings,
        chat_model: BaseChatModel | None = None,
        k: int = 5,
        slots: threading.BoundedSemaphore | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        # One limit for every language-model call of the process: pass the same slots to the Summarizer.
        self.model, self.provider, self.slots = connect(settings, chat_model, slots)
        self.retriever = PaperRetriever(index=index, k=k)
        self.names = PaperNames(index)

    # ----- which papers -----
    def named_papers(self, question: str) -> list[Paper]:
        """Papers the question names by arXiv id/URL or by their short name ('MambaMorph')."""
        found: dict[str, Paper] = {}
        for m in _ID_IN_TEXT.finditer(question):
            got = self.index.get(m.group(1))
            if got:
                found[got[1].id] = got[1]
        for pid in self.names.find(question):
            got = self.index.get(pid)
            if got:
                found[pid] = got[1]
        return list(found.values())[:3]

    # ----- answering -----
    def ask(
        self,
        question: object,
        *,
        paper: str | None = None,
        lang: str | None = None,
        context: list[str] | None = None,
    ) -> Answer:
        """Answer a question, citing only retrieved papers.

        Args:
            question: English or Chinese; long questions are truncated, empty ones rejected.
            paper: answer from this paper (id, URL or title) instead of searching.
            lang: 'en' or 'zh'; default: the question's language.
            context: ids of papers already discussed (a chat thread's follow-up): they come first
                among the sources, and a follow-up is never turned away as off-topic.
        """
        q = prepare_query(question, self.index.settings.max_query_chars)
        if lang is not None and lang not in LANG_NAME:
            raise InvalidQueryError("lang must be 'en' or 'zh'.")
        lng = lang or detect_lang(q)
        focus = [self.index.resolve(paper)] if paper else self.named_papers(q)
        weak = False
        known = [got[1] for pid in context or [] if (got := self.index.get(pid))]
        if focus:
            papers = focus
        else:
            found = self.index.retrieve(q, k=self.retriever.k)
            seen = {p.id for p in known}
            papers = (known + [h.paper for h in found.hits if h.paper.id not in seen])[: self.retriever.k]
            weak = not known and (not papers or self._weak(q, found))
        evidence: list[Candidate] = []
        if papers and not weak:
            evidence = self._evidence(q, papers, lng, searched=not focus, follow_up=bool(known))
            used = list(dict.fromkeys(c.source for c in evidence))
            # Cited papers first, numbered in the order the answer cites them; the rest follow.
            papers = [papers[i] for i in used] + [p for i, p in enumerate(papers) if i not in used]
            evidence = [Candidate(used.index(c.source), c.position, c.text, c.score) for c in evidence]
        sources = [citation(i, p) for i, p in enumerate(papers, start=1)]
        base: dict[str, Any] = {
            "question": q,
            "lang": lng,
            "sources": sources,
            "focus_paper": focus[0].id if focus else None,
        }
        if weak:
            return Answer(
                **base,
                text=self._not_found(lng, sources),
                citations=sources[:3],
                provider=self.provider,
                weak_evidence=True,
            )
        if self.model is not None:
            # The model reads the same focused evidence: the papers whose sentences answer the question.
            focused = papers[: max(1, len({c.source for c in evidence}))]
            try:
                with self.slots:
                    raw = (ANSWER_PROMPT | self.model | StrOutputParser()).invoke(
                        {"language": LANG_NAME[lng], "sources": self._sources_text(focused), "question": q}
                    )
                text, cited = check_citations(
                    scrub_references(raw, focused, self.index.existing), len(focused)
                )
                if text:
                    return Answer(
                        **base, text=text, citations=[sources[n - 1] for n in cited], provider=self.provider
                    )
                reason = "the model returned an empty answer"
            except Exception as e:  # any provider failure (timeout, HTTP error) falls back, never raises
                reason = f"{type(e).__name__} from the {self.settings.provider} provider"
                log.warning("LLM answer failed (%s); answering extractively", reason)
            text, cited = self._extractive_text(evidence, papers, lng)
            return Answer(
                **base,
                text=text,
                citations=[sources[n - 1] for n in cited],
                provider=self.provider,
                fallback=True,
                fallback_reason=reason,
            )
        text, cited = self._extractive_text(evidence, papers, lng)
        return Answer(**base, text=text, citations=[sources[n - 1] for n in cited], provider="extractive")

    def _weak(self, q: str, found: Retrieved) -> bool:
        """Below the English space's calibrated threshold and, for a question in Chinese (or another script
        the multilingual space serves), below that space's too. An English question is judged by the English
        model alone: the multilingual encoder's cosines are not calibrated for English-to-English matches."""
        if (found.best_dense or 0.0) >= self.settings.min_evidence:
            return False
        if not is_cjk(q) or not self.index.multilingual:
            return True
        multi = found.best_multi if found.best_multi is not None else self.index.best_multilingual(q)
        floor = self.settings.min_evidence_multilingual
        return multi < (floor if floor is not None else evidence_floor(self.index.multilingual_model_name))

    @staticmethod
    def _sources_text(papers: list[Paper]) -> str:
        return "\n\n".join(f"[{i}] {p.title}\n{p.abstract}" for i, p in enumerate(papers, start=1))

    @staticmethod
    def _not_found(lng: str, sources: list[Citation]) -> str:
        near = "; ".join(f"[{c.n}] {c.title}" for c in sources[:3])
        if lng == "zh":
            return (
                f"已索引的论文中没有足够相关的内容来回答这个问题。最接近的论文：{near}"
                if near
                else "已索引的论文中没有相关内容。"
            )
        return (
            f"The indexed papers do not cover this question well enough to answer it. Nearest papers: {near}"
            if near
            else "The index holds no papers yet."
        )

    def _evidence(
        self, q: str, papers: list[Paper], lng: str, *, searched: bool = False, follow_up: bool = False
    ) -> list[Candidate]:
        """The sentences that answer the question, from the papers that clear the relevance bar.

        Of papers a search found (``searched``), the first leads in a chat follow-up (the paper under
        discussion) and for a question asking for a quantity (the search's best match: another paper's number,
        which its unit bonus favours, never opens the answer); otherwise the paper of the best sentence leads.
        """
        q_en = english_query(q)
        wants = intents(q) | intents(q_en)
        primary = 0 if searched and (follow_up or "number" in wants) else None
        cands = candidates(papers[:3], wants)
        titles = [set(content_terms(p.title)) for p in papers[:3]]
        scores = score_sentences(
            q_en, q, [c[2] for c in cands], self.index.query_embedder.encode, [titles[c[0]] for c in cands]
        )
        chosen = select(cands, scores, max_papers=1 if len(papers) == 1 else 2, primary=primary)
        if lng == "zh" and any(p.abstract_zh for p in papers[:3]):
            embed = self.index.multilingual_embedder.encode if self.index.multilingual else None
            chosen = in_chinese(chosen, papers, embed)
        return chosen

    @staticmethod
    def _extractive_text(evidence: list[Candidate], papers: list[Paper], lng: str) -> tuple[str, list[int]]:
        """The chosen sentences, each with its citation; citations numbered in order of appearance."""
        if not evidence:
            return "", []
        body = " ".join(f"{c.text} [{c.source + 1}]" for c in evidence)
        cited = list(dict.fromkeys(c.source + 1 for c in evidence))
        if lng == "zh":
            translated = all(is_cjk(c.text) for c in evidence)
            lead = "根据检索到的论文" + ("：" if translated else "（以下为英文摘要原文摘录）：")
            return lead + body, cited
        return body, cited
