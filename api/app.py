"""create_app(...) -> FastAPI: the service face of PaperLens.

Pydantic models are the response schemas. Bad input gets a 4xx with {"error": "..."} that says what is
wrong; request bodies and k are bounded; CORS is off unless origins are configured; /ask can be
protected by an API key (it can cost LLM money). Endpoints are plain `def`, so blocking index work runs
in the server's thread pool, never on the event loop.
"""

import logging
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import fastapi_offline
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.config import ApiSettings
from api.feed import feed_router
from api.guard import MAX_REF_CHARS, BodyGuard, key_ok
from api.metrics import Metrics
from api.web import web_router
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.digests.build import topic_digest
from index.digests.export import to_markdown
from index.errors import InvalidQueryError, PaperLensError, PaperNotFoundError
from index.models import Answer, Digest, Filters, Paper
from index.paperindex import PaperIndex
from index.topics import Topic

log = logging.getLogger(__name__)


class Hit(BaseModel):
    id: str
    title: str
    score: float = Field(description="the ranking score (fused reciprocal ranks in hybrid mode)")
    relevance: int | None = Field(
        None, description="semantic similarity to the query (or paper) as a percentage: what to show users"
    )
    rank: int
    authors: list[str]
    published: date | None
    published_year_only: bool = False
    venue: str | None = None
    url: str | None
    dense_score: float | None = None
    bm25_score: float | None = None


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=20_000, description="English or Chinese")
    paper: str | None = Field(
        None, max_length=MAX_REF_CHARS, description="Answer from this paper (id, URL or title)"
    )
    lang: Literal["en", "zh"] | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    papers: int
    vectors: int
    index_agrees_with_store: bool
    model: str
    index_type: str


class Error(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error},
    404: {"model": Error},
    413: {"model": Error},
    422: {"model": Error},
}


DOCS_ASSETS = "/docs-assets"


def mount_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc with their scripts and styles from the installed ``fastapi-offline``
    package: the pages work on a machine with no internet access (FastAPI's defaults load them from a CDN)."""
    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="PaperLens API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="PaperLens API",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )


def create_app(
    index: PaperIndex, answerer: Answerer, summarizer: Summarizer, topics: list[Topic], settings: ApiSettings
) -> FastAPI:
    """The API over an already-built index (shared with the bot when both run in one process)."""
    app = FastAPI(
        title="PaperLens",
        version="0.1.0",
        description="Search and discuss research-paper abstracts.",
        docs_url=None,  # served below with its scripts from an installed package, not a CDN
        redoc_url=None,
    )
    mount_docs(app)
    app.include_router(web_router(index, answerer, summarizer, topics, settings))  # /, /paper/{id}, GET /ask
    app.include_router(feed_router(index, topics, settings))  # /feed: votes, ranked feed, preferences, recap
    app.state.index = index  # the one process-wide index (shared with the bot when both run together)
    metrics = Metrics()
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

    @app.exception_handler(PaperNotFoundError)
    async def _not_found(request: Request, exc: PaperNotFoundError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, 404)

    @app.exception_handler(PaperLensError)
    async def _user_error(request: Request, exc: PaperLensError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, 400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "request"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return JSONResponse({"error": "; ".join(parts) or "invalid request"}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": str(exc.detail)}, exc.status_code, headers=getattr(exc, "headers", None)
        )

    def check_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        """Documents the header in the schema; BodyGuard has already refused a wrong key."""
        if not key_ok(settings.api_key, (x_api_key or "").encode("utf-8", "surrogateescape")):
            raise HTTPException(401, "POST /ask needs a valid X-API-Key header")

    K = Annotated[int, Query(ge=1, le=settings.max_k, description=f"results, 1 to {settings.max_k}")]

    def hits_out(hits: list[Any]) -> list[Hit]:
        return [
            Hit(
                id=h.paper.id,
                title=h.paper.title,
                score=h.score,
                relevance=h.relevance,
                rank=h.rank,
                authors=list(h.paper.authors),
                published=h.paper.published,
                published_year_only=h.paper.published_year_only,
                venue=h.paper.venue,
                url=h.paper.url,
                dense_score=h.dense_score,
                bm25_score=h.bm25_score,
            )
            for h in hits
        ]

    @app.get("/search", response_model=list[Hit], responses=ERRORS)
    def search(
        q: Annotated[str, Query(min_length=1, max_length=2000, description="what the papers are about")],
        k: K = 10,
        mode: Literal["hybrid", "dense", "bm25"] | None = None,
        since: date | None = None,
        until: date | None = None,
        category: Annotated[str | None, Query(max_length=64)] = None,
        topic: Annotated[str | None, Query(max_length=200)] = None,
        author: Annotated[str | None, Query(max_length=200)] = None,
        venue: Annotated[str | None, Query(max_length=200, description="part of the venue, any case")] = None,
        has_code: Annotated[
            bool, Query(description="only papers that link their code or project page")
        ] = False,
    ) -> list[Hit]:
        """Hybrid (default), dense or BM25 search with filters."""
        if not q.strip():
            raise InvalidQueryError("The query is empty: say what the papers should be about.")
        f = Filters(
            since=since,
            until=until,
            category=category,
            topic=topic,
            author=author,
            venue=venue,
            has_code=has_code,
        )
        return hits_out(index.search(q, k=k, mode=mode, filters=f))

    def bounded_ref(paper_id: str) -> str:
        """A paper reference short enough to look up: a longer one is refused before any fuzzy matching."""
        if len(paper_id) > MAX_REF_CHARS:
            raise HTTPException(
                414, f"the paper id is too long ({len(paper_id):,} characters): at most {MAX_REF_CHARS}"
            )
        return paper_id

    @app.get(
        "/papers/{paper_id:path}/similar",
        response_model=list[Hit],
        responses={**ERRORS, 414: {"model": Error}},
    )
    def similar(paper_id: str, k: K = 5) -> list[Hit]:
        """Papers nearest to one paper."""
        return hits_out(index.similar(bounded_ref(paper_id), k=k))

    @app.get("/papers/{paper_id:path}", response_model=Paper, responses={**ERRORS, 414: {"model": Error}})
    def paper(paper_id: str) -> Paper:
        """A paper's metadata; the id may be an arXiv id with or without version, or a stored id."""
        return index.resolve(bounded_ref(paper_id))

    @app.post(
        "/ask",
        response_model=Answer,
        responses={**ERRORS, 401: {"model": Error}},
        dependencies=[Depends(check_key)],
    )
    def ask(body: AskRequest) -> Answer:
        """A cited answer from the indexed papers."""
        return answerer.ask(body.question, paper=body.paper, lang=body.lang)

    @app.get(
        "/digests/{topic}",
        response_model=Digest,
        responses={**ERRORS, 200: {"content": {"application/json": {}, "text/markdown": {}}}},
    )
    def digest(
        topic: str,
        day: Annotated[date | None, Query(alias="date")] = None,
        days: Annotated[int, Query(ge=1, le=31)] = 1,
        format: Literal["json", "markdown"] = "json",
    ) -> Any:
        """A topic's digest for a date (default: its latest publication date), as JSON or Markdown."""
        d = topic_digest(index, summarizer, topics, topic, day, days=days)
        if format == "markdown":
            return PlainTextResponse(to_markdown(d), media_type="text/markdown; charset=utf-8")
        return d

    @app.get("/healthz", response_model=Health)
    def healthz() -> Health:
        """Store and index state."""
        st = index.stats()
        agrees = st["vectors"] == st["papers"]
        return Health(
            status="ok" if agrees else "degraded",
            papers=st["papers"],
            vectors=st["vectors"],
            index_agrees_with_store=agrees,
            model=st["model"],
            index_type=st["index_type"],
        )

    @app.get("/metrics", response_class=PlainTextResponse)
    def prometheus() -> Response:
        """Request counts and latencies (Prometheus text format)."""
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app
