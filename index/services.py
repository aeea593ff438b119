"""The one place the library's parts are wired together for a front end (the bot, the HTTP API, the
terminal session): the index, the answerer and the summarizer sharing one chat model and one limit on
concurrent language-model calls, and the configured topics."""

from __future__ import annotations

from dataclasses import dataclass

from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.topics import Topic, load_topics


@dataclass
class Core:
    """What every front end works with."""

    index: PaperIndex
    answerer: Answerer
    summarizer: Summarizer
    topics: list[Topic]


def build_services(
    index_settings: IndexSettings, llm_settings: LLMSettings, *, index: PaperIndex | None = None
) -> Core:
    """Open the index (unless given one) and wire the answerer and summarizer over it.

    Raises:
        ConfigError: an invalid topics file or language-model setting (the message says which).
    """
    ix = index if index is not None else PaperIndex(index_settings)
    answerer = Answerer(ix, llm_settings)
    summarizer = Summarizer(ix, llm_settings, chat_model=answerer.model, slots=answerer.slots)
    return Core(ix, answerer, summarizer, load_topics(index_settings.topics_file))
