"""medRxiv and bioRxiv preprints through their details API (api.biorxiv.org), filtered by category.

``GET /details/medrxiv/2024-01-01/2024-01-31/0`` answers ``{"messages": [{"status": "ok", "count": 100,
"total": "1234", ...}], "collection": [{"doi", "title", "authors", "abstract", "date", "version", "category",
"published", "server", ...}]}``, 100 records a call; the next call starts at cursor + count. Each version of a
preprint is a record of its own; the id is ``doi:<the preprint's DOI>``, so the versions are one paper.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import Any

from index.errors import SourceError
from index.models import BadLine, Links, Paper
from index.sources import Record
from index.sources.http import FetchOptions, PoliteClient
from index.venue import code_links

log = logging.getLogger(__name__)

API_URL = "https://api.biorxiv.org"
SERVERS = {"medrxiv": "medRxiv", "biorxiv": "bioRxiv"}


def _norm(category: str) -> str:
    return " ".join(category.replace("_", " ").lower().split())


def _person(name: str) -> str:
    """'Smith, J. A.' -> 'J. A. Smith' (the API writes family name first)."""
    parts = [p.strip() for p in name.split(",")]
    return f"{parts[1]} {parts[0]}" if len(parts) == 2 and all(parts) else name.strip()


def record_to_paper(rec: dict[str, Any], server: str, topic: str | None = None) -> Paper:
    """One record of the details API as a Paper; raises ValueError when it lacks a DOI, title or abstract."""
    doi, title, abstract = (str(rec.get(k) or "").strip() for k in ("doi", "title", "abstract"))
    if not doi.startswith("10.") or not title or not abstract:
        raise ValueError(f"{doi or 'a record without a DOI'}: no DOI, title or abstract")
    try:
        version = max(1, int(str(rec.get("version") or "1")))
        posted = date.fromisoformat(str(rec["date"])) if rec.get("date") else None
    except ValueError as e:
        raise ValueError(f"{doi}: bad version or date ({e})") from e
    authors = tuple(_person(a) for a in str(rec.get("authors") or "").split(";") if a.strip())
    category = str(rec.get("category") or "").strip()
    page = f"https://www.{server}.org/content/{doi}v{version}"
    other = [f"https://doi.org/{doi}"]
    published = str(rec.get("published") or "").strip()
    if published.startswith("10."):
        other.append(f"https://doi.org/{published}")  # the journal version
    return Paper(
        id=f"doi:{doi.lower()}",
        version=version,
        title=title,
        authors=authors,
        abstract=abstract,
        categories=(category,) if category else (),
        primary_category=category or None,
        published=posted,
        links=Links(abs=page, pdf=f"{page}.full.pdf", other=(*other, *code_links(abstract))),
        source=server,
        topics=(topic,) if topic else (),
    )


class RxivSource:
    """The preprints one server posted between two dates, in the categories asked for (all when none)."""

    def __init__(
        self,
        server: str,
        start: date,
        end: date,
        *,
        categories: tuple[str, ...] = (),
        base_url: str = API_URL,
        options: FetchOptions | None = None,
        topic: str | None = None,
    ) -> None:
        """Args:
        server: medrxiv or biorxiv.
        start: the first posting date read.
        end: the last posting date read.
        categories: the server's categories to keep ('radiology and imaging'; '_' reads as a space).
        base_url: the API (a loopback server in tests).
        options: delays, retries and timeouts of the calls.
        topic: a topic every paper is filed under.
        """
        if server.lower() not in SERVERS:
            raise SourceError(f"{server!r} is not a preprint server here: choose medrxiv or biorxiv")
        if end < start:
            raise SourceError(f"the interval {start}..{end} ends before it starts")
        self.server = server.lower()
        self.start, self.end = start, end
        self.categories = frozenset(_norm(c) for c in categories)
        self.base_url = base_url.rstrip("/")
        self.topic = topic
        self.name = f"{self.server}:{start.isoformat()}..{end.isoformat()}"
        self.client = PoliteClient(f"{SERVERS[self.server]} API", options)

    def _page(self, cursor: int) -> tuple[list[Any], int, int]:
        url = (
            f"{self.base_url}/details/{self.server}/{self.start.isoformat()}/{self.end.isoformat()}/{cursor}"
        )
        page = self.client.json(url)
        messages = page.get("messages") if isinstance(page, dict) else None
        msg = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
        collection = page.get("collection") if isinstance(page, dict) else None
        if msg.get("status") != "ok":
            if collection in (None, []) and "no posts found" in str(msg.get("status", "")).lower():
                return [], 0, 0
            raise SourceError(
                f"{SERVERS[self.server]} API answered {msg.get('status')!r} at cursor {cursor}: the API may have changed"
            )
        if not isinstance(collection, list):
            raise SourceError(f"{SERVERS[self.server]} API answered without a collection at cursor {cursor}")
        try:
            total = int(msg.get("total", 0))
        except (TypeError, ValueError):
            total = 0
        return collection, int(msg.get("count") or len(collection)), total

    def records(self) -> Iterator[Record]:
        cursor = 0
        while True:
            collection, count, total = self._page(cursor)
            for i, rec in enumerate(collection):
                pos = cursor + i + 1
                if not isinstance(rec, dict):
                    yield pos, BadLine(line=pos, reason="a record that is not an object")
                    continue
                if self.categories and _norm(str(rec.get("category") or "")) not in self.categories:
                    continue
                try:
                    yield pos, record_to_paper(rec, self.server, self.topic)
                except ValueError as e:
                    log.warning("skipping %s record %d: %s", self.server, pos, e)
                    yield pos, BadLine(line=pos, reason=str(e))
            cursor += count
            if not collection or count <= 0 or cursor >= total:
                return
