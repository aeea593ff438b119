"""Frozen pydantic models shared by the index, the answers layer, the CLI and the bot."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from index.links import safe_url
from index.paper import CODE_HOSTS as CODE_HOSTS  # Paper and Links live in index/paper.py; imported from here
from index.paper import Links as Links
from index.paper import Paper as Paper
from index.paper import is_code_link as is_code_link

SearchMode = Literal["hybrid", "dense", "bm25"]


class SearchHit(BaseModel):
    """A paper with its place in one result list."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    score: float = Field(description="fused (hybrid), cosine (dense) or BM25 score; higher is better")
    rank: int
    dense_score: float | None = None
    bm25_score: float | None = None

    @property
    def relevance(self) -> int | None:
        """What every front end shows: the semantic similarity of the paper to the query (or, for similar
        papers, to the paper) as a percentage, 0-100; None in BM25-only mode. Ranking uses ``score``."""
        if self.dense_score is None:
            return None
        return round(100 * min(1.0, max(0.0, self.dense_score)))

    def brief(self) -> dict[str, object]:
        """The JSON shape the CLI prints: id, title, score, relevance, and where to read it."""
        p = self.paper
        return {
            "id": p.id,
            "title": p.title,
            "score": round(self.score, 6),
            "relevance": self.relevance,
            "authors": list(p.authors),
            "published": p.published_label if p.published else None,
            "venue": p.venue,
            "code": list(p.code_links),
            "url": p.url,
        }


class BadLine(BaseModel):
    """A line of an import that did not land, and why."""

    model_config = ConfigDict(frozen=True)

    line: int
    reason: str


MAX_BAD_KEPT = 100


class BadLines(list[BadLine]):
    """The bad lines of one import: every one counted, the first MAX_BAD_KEPT kept (a file of millions of bad
    lines must not hold millions of reports in memory)."""

    total = 0

    def append(self, item: BadLine) -> None:
        self.total += 1
        if len(self) < MAX_BAD_KEPT:
            super().append(item)


class IngestReport(BaseModel):
    """What an ingest or import did: counted, never silent."""

    source: str
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = Field(0, description="records that were a held paper under another id (merged into it)")
    bad: list[BadLine] = Field(default_factory=BadLines, description=f"the first {MAX_BAD_KEPT} bad lines")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def bad_count(self) -> int:
        """Every bad line, also those past the ones kept in ``bad``."""
        return max(getattr(self.bad, "total", 0), len(self.bad))

    def summary(self) -> str:
        text = (
            f"{self.source}: {self.seen} read, {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.bad_count} bad"
        )
        if self.matched:
            text += (
                f"; {self.matched} matched papers already held under another id (same title and first author)"
            )
        if self.bad:
            shown = ", ".join(f"line {b.line}: {b.reason}" for b in self.bad[:10])
            more = f" (+{self.bad_count - 10} more)" if self.bad_count > 10 else ""
            text += f" [{shown}{more}]"
        return text


class Filters(BaseModel):
    """Search filters; every field optional."""

    model_config = ConfigDict(frozen=True)

    since: date | None = None
    until: date | None = None
    category: str | None = None
    topic: str | None = None
    author: str | None = None
    venue: str | None = Field(
        default=None, description="a substring of the venue, any case ('cvpr', 'MICCAI 2023')"
    )
    has_code: bool = Field(default=False, description="only papers that link their code or project page")

    def active(self) -> bool:
        return any(v is not None and v is not False for v in self.model_dump().values())


class Citation(BaseModel):
    """A cited paper; every field comes from the store, never from a language model."""

    model_config = ConfigDict(frozen=True)

    n: int
    id: str
    title: str
    url: str | None
    authors: tuple[str, ...] = ()
    published: date | None = None

    @field_validator("url", mode="before")
    @classmethod
    def _safe(cls, v: object) -> str | None:
        return safe_url(v) if v is not None else None


class Answer(BaseModel):
    """A grounded answer: text with [n] markers, each n one of ``citations``."""

    question: str
    lang: Literal["en", "zh"]
    text: str
    citations: list[Citation]
    sources: list[Citation] = Field(default_factory=list, description="every paper the answer was given")
    provider: str
    fallback: bool = False
    fallback_reason: str | None = None
    weak_evidence: bool = False
    focus_paper: str | None = Field(default=None, description="the paper the question named, if any")

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "citations": [{"n": c.n, "id": c.id, "title": c.title, "url": c.url} for c in self.citations],
            "provider": self.provider,
            "fallback": self.fallback,
            "fallback_reason": self.fallback_reason,
            "weak_evidence": self.weak_evidence,
            "lang": self.lang,
        }


class Analysis(BaseModel):
    """The structured analysis of one paper."""

    background: str
    prior_work: str = Field(description="prior work and its problem")
    method: str
    results: str
    conclusion: str


class SummaryContent(BaseModel):
    """What a language model (or the extractive summariser) writes about a paper."""

    tldr: str = Field(min_length=1, max_length=400)
    takeaways: list[str] = Field(min_length=3, max_length=7)
    analysis: Analysis


class Summary(BaseModel):
    """A paper's summary with its metadata from the store."""

    paper: Paper
    lang: Literal["en", "zh"]
    content: SummaryContent
    provider: str
    fallback: bool = False
    fallback_reason: str | None = None
    cached: bool = False
    translated: bool = Field(True, description="False when the text could not be given in the asked language")


class DigestEntry(BaseModel):
    """One paper in a digest, with its TL;DR and key takeaways."""

    paper: Paper
    score: float
    tldr: str
    takeaways: list[str]
    summary_provider: str
    summary_fallback: bool = False
    translated: bool = Field(True, description="False when Chinese was asked for and English is given")
    origin: str = Field(
        "arXiv", description="where it came from: 'arXiv', 'CVPR 2024 proceedings', 'imported: LIST'"
    )


class Digest(BaseModel):
    """What arXiv announced for one topic on one date, ranked by relevance to the topic."""

    topic: str
    date: date
    lang: Literal["en", "zh"] = "en"
    announced: bool = Field(description="False on weekends and arXiv holidays")
    note: str | None = None
    total_new: int
    shown: list[DigestEntry]
    rest: list[DigestEntry] = Field(default_factory=list, description="the papers past the post's limit")
    empty_reason: str | None = Field(default=None, description="why nothing is listed, when nothing is")

    @property
    def entries(self) -> list[DigestEntry]:
        return [*self.shown, *self.rest]
