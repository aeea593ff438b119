"""Frozen pydantic models shared by the index, the answers layer, the CLI and the bot."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_serializer,
    field_validator,
    model_validator,
)

from index.links import safe_url, safe_urls
from index.text import clean_block, clean_line

SearchMode = Literal["hybrid", "dense", "bm25"]

# Hosts whose links are code, models or data (a project page on github.io / gitlab.io counts too).
CODE_HOSTS = re.compile(
    r"^(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org|[\w-]+\.github\.io|"
    r"[\w-]+\.gitlab\.io|codeberg\.org)$",
    re.I,
)


def is_code_link(url: str | None) -> bool:
    """True for a link to a code host or a project page hosted there ('https://github.com/x/y')."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    return bool(CODE_HOSTS.match(host)) and (parts.path.strip("/") != "" or host.endswith((".io",)))


class Links(BaseModel):
    """Where a paper can be read."""

    model_config = ConfigDict(frozen=True)

    abs: str | None = None
    pdf: str | None = None
    other: tuple[str, ...] = ()

    # Where links enter (an import, a stored row read back): only what index.links accepts, so embeds,
    # exports and the terminal never see a javascript: link or one that breaks out of Markdown.
    @field_validator("abs", "pdf", mode="before")
    @classmethod
    def _safe(cls, v: object) -> str | None:
        urls = safe_urls(v) if v is not None else ()
        return urls[0] if urls else None

    @field_validator("other", mode="before")
    @classmethod
    def _safe_all(cls, v: object) -> tuple[str, ...]:
        return safe_urls(v) if v is not None else ()


class Paper(BaseModel):
    """One paper's metadata as the store holds it. Metadata never comes from a language model."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="arXiv id without version (2401.13934) or the id an import gives")
    version: int = Field(default=1, ge=1)
    title: str
    authors: tuple[str, ...] = ()
    abstract: str
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: date | None = None
    published_year_only: bool = Field(
        default=False, description="the source gave only a year: shown as the year, filtered as the whole year"
    )
    published_month_only: bool = Field(
        default=False, description="the source gave only a year and month: shown as '2020-06'"
    )
    updated: date | None = None
    comment: str | None = None
    links: Links = Links()
    abstract_zh: str | None = Field(default=None, description="Chinese abstract, when an import carries one")
    source: str = "import"
    venue: str | None = Field(default=None, description="where it was published ('CVPR 2020', 'IEEE TMI')")
    topics: tuple[str, ...] = ()

    # A year-only (month-only) date is written as '2020' ('2020-06') wherever a paper is dumped (JSON from the
    # CLI, the API, digests), never as the 1st; and a dump read back is the same date as precise as it was.
    @model_validator(mode="before")
    @classmethod
    def _year_only_in(cls, data: object) -> object:
        if isinstance(data, dict):
            value = data.get("published")
            text = value.strip() if isinstance(value, str) else ""
            if len(text) == 4 and text.isdigit():
                data = {**data, "published": date(int(text), 1, 1), "published_year_only": True}
            elif len(text) == 7 and text[:4].isdigit() and text[4] == "-" and text[5:].isdigit():
                data = {**data, "published": date(int(text[:4]), int(text[5:]), 1), "published_month_only": True}
        return data

    @field_serializer("published", when_used="json")
    def _year_only_out(self, value: date | None) -> str | date | None:
        if value is not None and (self.published_year_only or self.published_month_only):
            return self.published_label
        return value

    # Every stored text field without control, escape or invisible characters (index/text.py), whatever
    # wrote it: an import, the arXiv source, or a row stored before this rule.
    @field_validator("title", "abstract", mode="before")
    @classmethod
    def _clean_text(cls, v: object) -> object:
        return clean_block(v) if isinstance(v, str) else v

    @field_validator("primary_category", "comment", "abstract_zh", "venue", mode="before")
    @classmethod
    def _clean_optional(cls, v: object) -> object:
        return (clean_line(v) or None) if isinstance(v, str) else v

    @field_validator("source", mode="before")
    @classmethod
    def _clean_source(cls, v: object) -> object:
        return (clean_line(v) or "import") if isinstance(v, str) else v

    @field_validator("authors", "categories", "topics", mode="before")
    @classmethod
    def _clean_names(cls, v: object) -> object:
        if isinstance(v, list | tuple):
            return tuple(c for x in v if (c := clean_line(x)))
        return v

    def embed_text(self) -> str:
        """The text that is embedded and BM25-indexed: title and abstract."""
        return f"{self.title}. {self.abstract}"

    def text_hash(self) -> str:
        """Changes exactly when the embedded text changes (a new version with a new abstract, say)."""
        return hashlib.sha1(self.embed_text().encode("utf-8")).hexdigest()[:16]

    @property
    def published_label(self) -> str:
        """The publication date as known: '2020-06-14', '2020-06' or '2020' as precise as its source, 'n.d.'."""
        if self.published is None:
            return "n.d."
        if self.published_year_only:
            return str(self.published.year)
        return self.published.isoformat()[:7] if self.published_month_only else self.published.isoformat()

    @property
    def published_precision(self) -> int:
        """0 no date, 1 a year, 2 a month, 3 a day: a merge keeps the more precise date."""
        if self.published is None:
            return 0
        return 1 if self.published_year_only else 2 if self.published_month_only else 3

    @property
    def code_links(self) -> tuple[str, ...]:
        """The paper's links to code, models or a project page (GitHub, GitLab, Hugging Face, Bitbucket,
        a github.io / gitlab.io page), in the order the paper gives them."""
        return tuple(u for u in (self.links.abs, self.links.pdf, *self.links.other) if u and is_code_link(u))

    @property
    def has_code(self) -> bool:
        """True when the paper links its code, models or a project page (see :attr:`code_links`)."""
        return bool(self.code_links)

    @property
    def url(self) -> str | None:
        """The best link to show: the abstract page, else the PDF, else the first other link."""
        return self.links.abs or self.links.pdf or (self.links.other[0] if self.links.other else None)


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
            text += f"; {self.matched} matched papers already held under another id (same title and first author)"
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
    venue: str | None = Field(default=None, description="a substring of the venue, any case ('cvpr', 'MICCAI 2023')")
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
    origin: str = Field("arXiv", description="where it came from: 'arXiv', 'CVPR 2024 proceedings', 'imported: LIST'")


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
