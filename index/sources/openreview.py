"""OpenReview's API v2 (api2.openreview.net): ICLR, NeurIPS and MIDL papers with their decisions.

``GET /notes?content.venueid=ICLR.cc/2024/Conference&offset=0&limit=1000`` answers ``{"notes": [...],
"count": N}``; each note's fields are ``content.<name>.value`` (title, authors, abstract, venue, venueid, pdf).
The accepted papers of a venue carry its venue id; rejected and withdrawn submissions carry
``.../Rejected_Submission`` and ``.../Withdrawn_Submission`` and are read only when asked for. The decision
is in ``content.venue`` ('ICLR 2024 oral' -> venue 'ICLR 2024 (oral)').
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from index.errors import SourceError
from index.models import BadLine, Links, Paper
from index.sources import Record
from index.sources.http import FetchOptions, PoliteClient
from index.venue import code_links, with_venue

log = logging.getLogger(__name__)

API_URL = "https://api2.openreview.net"
SITE_URL = "https://openreview.net"
VENUE_IDS = {"iclr": "ICLR.cc/{year}/Conference", "neurips": "NeurIPS.cc/{year}/Conference",
             "midl": "MIDL.io/{year}/Conference"}  # fmt: skip
NAMES = {"iclr": "ICLR", "neurips": "NeurIPS", "midl": "MIDL"}
# Which groups of submissions to read: accepted papers carry the venue id itself.
GROUPS = {"accepted": "", "rejected": "/Rejected_Submission", "withdrawn": "/Withdrawn_Submission"}
PAGE_LIMIT = 1000  # the most notes API v2 returns per call


def _value(content: dict[str, Any], key: str) -> Any:
    """``content[key]["value"]`` (API v2), or a bare ``content[key]`` (API v1's shape), else None."""
    field = content.get(key)
    return field.get("value") if isinstance(field, dict) else field


def decision_venue(venue: str | None, venueid: str | None, accepted: bool) -> str | None:
    """'ICLR 2024 oral' -> 'ICLR 2024 (oral)'; an accepted paper without a venue line gets its venue id's
    name ('ICLR.cc/2024/Conference' -> 'ICLR 2024'); a rejected or withdrawn submission has no venue."""
    if not accepted:
        return None
    text = " ".join((venue or "").split())
    m = re.match(r"^(.*?\b(?:19|20)\d\d)\s+(.+)$", text)
    if m:
        return f"{m.group(1)} ({m.group(2).lower()})"
    if text:
        return text
    m = re.match(r"^([^./]+)[^/]*/((?:19|20)\d\d)/", venueid or "")
    return f"{m.group(1)} {m.group(2)}" if m else None


def _published(note: dict[str, Any]) -> date | None:
    for key in ("pdate", "odate", "cdate", "tcdate"):
        ms = note.get(key)
        if isinstance(ms, int | float) and ms > 0:
            return datetime.fromtimestamp(ms / 1000, tz=UTC).date()
    return None


def note_to_paper(
    note: dict[str, Any], *, accepted: bool, site_url: str = SITE_URL, topic: str | None = None
) -> Paper:
    """One note as a Paper; raises ValueError when it lacks an id, a title or an abstract."""
    nid, content = note.get("id"), note.get("content")
    if not isinstance(nid, str) or not nid or not isinstance(content, dict):
        raise ValueError("a note without an id or content")
    title, abstract = _value(content, "title"), _value(content, "abstract")
    if (
        not isinstance(title, str)
        or not title.strip()
        or not isinstance(abstract, str)
        or not abstract.strip()
    ):
        raise ValueError(f"openreview:{nid}: no title or abstract")
    authors = _value(content, "authors")
    pdf = _value(content, "pdf")
    if isinstance(pdf, str) and pdf.startswith("/"):
        pdf = site_url.rstrip("/") + pdf
    code = _value(content, "code")
    other = [code] if isinstance(code, str) else []
    other += code_links(abstract)
    venue_line = _value(content, "venue")
    paper = Paper(
        id=f"openreview:{nid}",
        title=title,
        authors=tuple(a for a in authors if isinstance(a, str)) if isinstance(authors, list) else (),
        abstract=abstract,
        published=_published(note),
        comment=None if accepted or not isinstance(venue_line, str) else venue_line,
        links=Links(
            abs=f"{site_url.rstrip('/')}/forum?id={note.get('forum') or nid}", pdf=pdf, other=tuple(other)
        ),
        source="openreview",
        topics=(topic,) if topic else (),
    )
    venueid = _value(content, "venueid")
    venue = decision_venue(venue_line if isinstance(venue_line, str) else None,
                           venueid if isinstance(venueid, str) else None, accepted)  # fmt: skip
    return with_venue(paper, venue)


class OpenReviewSource:
    """The submissions of one OpenReview venue and year, page by page."""

    def __init__(
        self,
        venue: str,
        year: int,
        *,
        base_url: str = API_URL,
        site_url: str = SITE_URL,
        options: FetchOptions | None = None,
        topic: str | None = None,
        include: tuple[str, ...] = ("accepted",),
        page_size: int = PAGE_LIMIT,
    ) -> None:
        """Args:
        venue: iclr, neurips or midl.
        year: the conference year.
        base_url: the API (a loopback server in tests).
        site_url: where the forum and pdf links point.
        options: delays, retries and timeouts of the calls.
        topic: a topic every paper is filed under.
        include: which submissions: accepted, and on request rejected and withdrawn ones.
        page_size: notes per call (at most 1000).
        """
        if venue.lower() not in VENUE_IDS:
            raise SourceError(
                f"{venue!r} is not an OpenReview venue here: choose one of {', '.join(VENUE_IDS)}"
            )
        unknown = set(include) - set(GROUPS)
        if unknown or not include:
            raise SourceError(
                f"include must name some of {', '.join(GROUPS)}, not {sorted(unknown) or 'nothing'}"
            )
        self.venue = venue.lower()
        self.year = year
        self.venue_id = VENUE_IDS[self.venue].format(year=year)
        self.base_url = base_url.rstrip("/")
        self.site_url = site_url
        self.topic = topic
        self.include = include
        self.page_size = max(1, min(page_size, PAGE_LIMIT))
        self.name = f"openreview:{self.venue}{year}"
        self.client = PoliteClient(f"OpenReview ({NAMES[self.venue]} {year})", options)

    def _group(self, group: str) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            params = {
                "content.venueid": self.venue_id + GROUPS[group],
                "offset": offset,
                "limit": self.page_size,
            }
            page = self.client.json(f"{self.base_url}/notes", params)
            notes = page.get("notes") if isinstance(page, dict) else None
            if not isinstance(notes, list):
                raise SourceError(
                    f"OpenReview answered without a list of notes for {self.venue_id}: the API may have changed"
                )
            yield from notes
            offset += len(notes)
            count = page.get("count")
            if len(notes) < self.page_size or (isinstance(count, int) and offset >= count):
                return

    def records(self) -> Iterator[Record]:
        pos = 0
        for group in self.include:
            for note in self._group(group):
                pos += 1
                try:
                    if not isinstance(note, dict):
                        raise ValueError("a note that is not an object")
                    yield (
                        pos,
                        note_to_paper(
                            note, accepted=group == "accepted", site_url=self.site_url, topic=self.topic
                        ),
                    )
                except ValueError as e:
                    log.warning("skipping OpenReview note %d: %s", pos, e)
                    yield pos, BadLine(line=pos, reason=str(e))
