"""The HTTP API's request and response bodies (the OpenAPI schema shows them) and the error bodies."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.guard import MAX_REF_CHARS
from index.models import SearchHit


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


class Error(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error},
    404: {"model": Error},
    413: {"model": Error},
    422: {"model": Error},
}


def hits_out(hits: list[SearchHit]) -> list[Hit]:
    """Search hits as the API returns them (relevance as a percentage, what users are shown)."""
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
