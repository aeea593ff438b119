"""`paperlens serve`: build the index once and serve the API with uvicorn."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.config import ApiSettings
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.services import build_services


def build_app(index: PaperIndex, llm: LLMSettings, settings: ApiSettings) -> FastAPI:
    core = build_services(index.settings, llm, index=index)
    return create_app(core.index, core.answerer, core.summarizer, core.topics, settings)


def serve(index: PaperIndex, host: str | None = None, port: int | None = None) -> int:
    settings = ApiSettings()
    app = build_app(index, LLMSettings(), settings)
    index.warm()  # load the models and indexes (and reconcile) before the first request
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")
    return 0


__all__ = ["IndexSettings", "build_app", "serve"]
