"""The venue sources by name: ``venue_source("cvpr", 2024, settings)`` is the one way in for a front end.

CVPR, ICCV, ECCV and WACV come from CVF open access; ICLR, NeurIPS and MIDL from OpenReview; MICCAI from its
open-access pages; medRxiv and bioRxiv from their details API (a year is read as its 1 January..31
December, or from ``since``). Each is a :class:`~index.sources.PaperSource` to pass to ``PaperIndex.ingest``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from index.errors import SourceError
from index.models import BadLine, Links, Paper
from index.sources import PaperSource, Record
from index.sources.cvf import CONFERENCES, CvfSource
from index.sources.http import FetchOptions
from index.sources.miccai import MICCAI_URL, MiccaiSource
from index.sources.openreview import API_URL, VENUE_IDS, OpenReviewSource
from index.sources.rxiv import API_URL as RXIV_URL
from index.sources.rxiv import SERVERS, RxivSource
from index.venue import recorded_venue, with_venue

if TYPE_CHECKING:
    from index.config import IndexSettings

VENUES = (*CONFERENCES, *VENUE_IDS, "miccai", *SERVERS)


def fetch_options(settings: IndexSettings | FetchOptions | None) -> FetchOptions:
    """The call options: given as they are, or read from the settings (``venue_delay_seconds``,
    ``venue_retries``, ``venue_backoff_seconds``, ``venue_timeout_seconds`` where the settings have them,
    else the arXiv source's retries and backoff and the defaults)."""
    if settings is None or isinstance(settings, FetchOptions):
        return settings or FetchOptions()
    base = FetchOptions()
    return FetchOptions(
        delay_seconds=float(getattr(settings, "venue_delay_seconds", base.delay_seconds)),
        retries=int(getattr(settings, "venue_retries", getattr(settings, "arxiv_retries", base.retries))),
        backoff_seconds=float(
            getattr(
                settings,
                "venue_backoff_seconds",
                getattr(settings, "arxiv_backoff_seconds", base.backoff_seconds),
            )
        ),
        timeout=float(getattr(settings, "venue_timeout_seconds", base.timeout)),
    )


def venue_source(
    name: str,
    year: int,
    settings: IndexSettings | FetchOptions | None = None,
    *,
    base_url: str | None = None,
    topic: str | None = None,
    skip: Callable[[str], bool] | None = None,
    include: tuple[str, ...] = ("accepted",),
    categories: tuple[str, ...] = (),
    since: date | None = None,
) -> PaperSource:
    """The source of one venue's papers of one year.

    Args:
        name: cvpr, iccv, eccv, wacv, iclr, neurips, midl, miccai, medrxiv or biorxiv (any case).
        year: the conference year (for a preprint server: the posting year).
        settings: the index settings (or the call options themselves).
        base_url: another address of the site or API (a mirror; a loopback server in tests).
        topic: a topic every paper is filed under.
        skip: ids already held, whose pages a re-run need not read (CVF and MICCAI read a page per paper).
        include: OpenReview only: accepted, and on request rejected and withdrawn submissions.
        categories: medRxiv/bioRxiv only: the categories to keep ('radiology and imaging').
        since: medRxiv/bioRxiv only: read from this date instead of 1 January (a re-run reads only what is new).

    Raises:
        SourceError: an unknown venue, or a year no venue has.
    """
    key = name.strip().lower()
    if not 1980 <= year <= datetime.now(UTC).year + 1:
        raise SourceError(f"{year} is not a year {name} could have papers for")
    options = fetch_options(settings)
    if key in CONFERENCES:
        return CvfSource(key, year, base_url=base_url, options=options, topic=topic, skip=skip)
    if key in VENUE_IDS:
        return OpenReviewSource(
            key, year, base_url=base_url or API_URL, options=options, topic=topic, include=include
        )
    if key == "miccai":
        return MiccaiSource(year, base_url=base_url or MICCAI_URL, options=options, topic=topic, skip=skip)
    if key in SERVERS:
        start = max(date(year, 1, 1), since) if since else date(year, 1, 1)
        return RxivSource(
            key,
            start,
            date(year, 12, 31),
            categories=categories,
            base_url=base_url or RXIV_URL,
            options=options,
            topic=topic,
        )
    raise SourceError(f"Unknown venue {name!r}: choose one of {', '.join(VENUES)}.")


def onto_held(records: Iterable[Record], held: Callable[[str], Paper | None]) -> Iterator[Record]:
    """Venue records laid onto the papers the store already holds under the same id.

    A proceedings page that links its arXiv preprint yields a record with the preprint's id; written as it is,
    it would replace the preprint's abstract, version, categories and dates with the page's (and a later arXiv
    ingest would replace them back). Here such a record becomes the held paper with the venue recorded and the
    venue's links and topics added; a record the store does not hold passes unchanged.

    Args:
        records: what a venue source yields.
        held: the stored paper with an id, or None (``lambda pid: (r := store.get(pid)) and r[1]``).
    """
    for pos, rec in records:
        old = held(rec.id) if isinstance(rec, Paper) else None
        if old is None or isinstance(rec, BadLine):
            yield pos, rec
            continue
        links = (rec.links.abs, rec.links.pdf, *rec.links.other)
        other = tuple(
            dict.fromkeys(
                (*old.links.other, *(u for u in links if u and u not in (old.links.abs, old.links.pdf)))
            )
        )
        merged = old.model_copy(
            update={
                "links": Links(abs=old.links.abs, pdf=old.links.pdf, other=other),
                "authors": old.authors or rec.authors,
                "topics": tuple(dict.fromkeys((*old.topics, *rec.topics))),
            }
        )
        yield pos, with_venue(merged, recorded_venue(rec))
