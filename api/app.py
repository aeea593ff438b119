"""create_app(...) -> FastAPI: the service face of PaperLens, composed of its routers.

Bad input gets a 4xx with {"error": "..."} that says what is wrong (:mod:`api.errors`); request bodies are
bounded and POST /ask's key is checked before its body is read (:mod:`api.guard`); CORS is off unless
origins are configured.
"""

import logging

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.config import ApiSettings
from api.docs import mount_docs
from api.errors import install_error_handlers
from api.feed import feed_router
from api.guard import BodyGuard
from api.metrics import Metrics
from api.ops import ops_router
from api.papers import papers_router
from api.web import web_router
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.paperindex import PaperIndex
from index.topics import Topic

log = logging.getLogger(__name__)


def create_app(
    index: PaperIndex, answerer: Answerer, summarizer: Summarizer, topics: list[Topic], settings: ApiSettings
) -> FastAPI:
    """The API over an already-built index: the web page, the feed, the paper endpoints and the operators'
    endpoints, behind the body guard, the metrics middleware and (when configured) CORS."""
    app = FastAPI(
        title="PaperLens",
        version="0.1.0",
        description="Search and discuss research-paper abstracts.",
        docs_url=None,  # served by mount_docs with its scripts from an installed package, not a CDN
        redoc_url=None,
    )
    mount_docs(app)
    metrics = Metrics()
    app.include_router(web_router(index, answerer, summarizer, topics, settings))  # /, /paper/{id}, GET /ask
    app.include_router(feed_router(index, topics, settings))  # /feed: votes, ranked feed, preferences, recap
    app.include_router(papers_router(index, answerer, summarizer, topics, settings))
    app.include_router(ops_router(index, metrics))
    app.state.index = index
    app.middleware("http")(metrics.middleware)
    # Outermost: bodies are counted as they arrive (chunked or not) and POST /ask's key is checked before
    # a byte of its body is read.
    app.add_middleware(BodyGuard, limit=settings.max_body_bytes, key=settings.api_key, state=app.state)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    install_error_handlers(app)
    return app
