"""`paperlens serve`: build the index once and serve the API with uvicorn."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from api.config import ApiSettings
from index.answer import Answerer
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.summarize import Summarizer
from index.topics import load_topics


def build_app(index: PaperIndex, llm: LLMSettings, settings: ApiSettings):  # type: ignore[no-untyped-def]
    answerer = Answerer(index, llm)
    summarizer = Summarizer(index, llm, chat_model=answerer.model)
    return create_app(index, answerer, summarizer, load_topics(index.settings.topics_file), settings)


def serve(index: PaperIndex, host: str | None = None, port: int | None = None) -> int:
    settings = ApiSettings()
    app = build_app(index, LLMSettings(), settings)
    index.warm()  # load the models and indexes (and reconcile) before the first request
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")
    return 0


__all__ = ["IndexSettings", "serve", "build_app"]
