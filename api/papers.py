"""The paper endpoints: search, similar papers, a paper's metadata, cited answers and topic digests.

Endpoints are plain ``def``, so blocking index work runs in the server's thread pool, never on the event
loop. k and references are bounded; /ask can be protected by an API key (it can cost LLM money).
"""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse

from api.config import ApiSettings
from api.guard import MAX_REF_CHARS, key_ok
from api.schemas import ERRORS, AskRequest, Error, Hit, hits_out
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.digests.build import topic_digest
from index.digests.export import to_markdown
from index.errors import InvalidQueryError
from index.models import Answer, Digest, Filters, Paper
from index.paperindex import PaperIndex
from index.topics import Topic


def papers_router(
    index: PaperIndex, answerer: Answerer, summarizer: Summarizer, topics: list[Topic], settings: ApiSettings
) -> APIRouter:
    """/search, /papers/{id}, /papers/{id}/similar, POST /ask and /digests/{topic} over one index."""
    app = APIRouter()

    def check_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        """Documents the header in the schema; BodyGuard has already refused a wrong key."""
        if not key_ok(settings.api_key, (x_api_key or "").encode("utf-8", "surrogateescape")):
            raise HTTPException(401, "POST /ask needs a valid X-API-Key header")

    K = Annotated[int, Query(ge=1, le=settings.max_k, description=f"results, 1 to {settings.max_k}")]

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

    return app
