"""A paper's metadata as the store holds it (:class:`Paper`) and where it can be read (:class:`Links`), with
the dates as precise as their source gave them and the code links among its links. Importable from
index.models like every other model."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from index.links import safe_urls
from index.text import clean_block, clean_line

# Hosts whose links are code, models or data, and the hosts of project pages (github.io / gitlab.io). One list:
# the link extractor (index.venue), Paper.has_code and the stores' has_code filter all read it.
# anonymous.4open.science hosts the anonymised repositories that papers under review link.
CODE_HOST_NAMES = (
    "github.com",
    "gitlab.com",
    "huggingface.co",
    "bitbucket.org",
    "codeberg.org",
    "anonymous.4open.science",
)
PAGE_HOST_SUFFIXES = (".github.io", ".gitlab.io")
CODE_HOSTS = re.compile(
    r"^(?:www\.)?(?:"
    + "|".join([*map(re.escape, CODE_HOST_NAMES), *(r"[\w-]+" + re.escape(s) for s in PAGE_HOST_SUFFIXES)])
    + r")$",
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
        default=False,
        description="the source gave only a year: shown as the year, filtered as the whole year",
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
                data = {
                    **data,
                    "published": date(int(text[:4]), int(text[5:]), 1),
                    "published_month_only": True,
                }
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
        """The paper's links to code, models or a project page (a link to one of CODE_HOST_NAMES naming a
        project, or a github.io / gitlab.io page), in the order the paper gives them."""
        return tuple(u for u in (self.links.abs, self.links.pdf, *self.links.other) if u and is_code_link(u))

    @property
    def has_code(self) -> bool:
        """True when the paper links its code, models or a project page (see :attr:`code_links`)."""
        return bool(self.code_links)

    @property
    def url(self) -> str | None:
        """The best link to show: the abstract page, else the PDF, else the first other link."""
        return self.links.abs or self.links.pdf or (self.links.other[0] if self.links.other else None)
