"""`paperlens import-venue NAME YEAR`: a conference's (or preprint server's) papers of one year into the index.

The sources are index/sources/venues.py's; this module parses the command line, lays each record onto the
paper the store already holds (a proceedings page that links its arXiv preprint adds its venue and links to
the preprint instead of replacing it: index.sources.venues.onto_held), and prints the ingest's report.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from cli.text import emit
from index.errors import SourceError
from index.models import Paper
from index.paperindex import PaperIndex
from index.progress import progress
from index.sources.venues import VENUES, onto_held, venue_source

_INCLUDE = ("accepted", "rejected", "withdrawn")


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (e.g. 2024)")
    return int(text)


def _include(text: str) -> tuple[str, ...]:
    """'rejected,withdrawn' -> ('accepted', 'rejected', 'withdrawn'): accepted papers are always read."""
    asked = tuple(dict.fromkeys(w.strip().lower() for w in text.split(",") if w.strip()))
    wrong = [w for w in asked if w not in _INCLUDE]
    if wrong:
        raise argparse.ArgumentTypeError(f"{', '.join(wrong)}: --include takes {', '.join(_INCLUDE[1:])}")
    return tuple(dict.fromkeys(("accepted", *asked)))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from e


def register(sub: Any) -> None:
    """Add the import-venue command to the `paperlens` subcommands (``sub`` from add_subparsers)."""
    p = sub.add_parser(
        "import-venue",
        help="import one year of a conference's papers (CVPR, ICCV, ECCV, WACV, ICLR, NeurIPS, MIDL, MICCAI, "
        "medRxiv, bioRxiv)",
    )
    p.add_argument("name", help=f"the venue: {', '.join(VENUES)}")
    p.add_argument("year", type=_year, help="the conference year (a preprint server: the posting year)")
    p.add_argument("--topic", action="append", help="file every paper under this topic too (repeatable)")
    p.add_argument(
        "--include", type=_include, default=("accepted",),
        help="OpenReview venues: also read these submissions (rejected,withdrawn); accepted are always read",
    )  # fmt: skip
    p.add_argument("--category", action="append", help="medRxiv/bioRxiv: keep this category (repeatable)")
    p.add_argument(
        "--since", type=_date, help="medRxiv/bioRxiv: read from this date (a re-run reads only what is new)"
    )
    p.add_argument("--base-url", help="another address of the site or API (a mirror)")
    p.add_argument("--json", action="store_true", help="print the import's report as JSON")


def cmd_import_venue(ix: PaperIndex, a: argparse.Namespace) -> int:
    """Read the venue's papers of the year and ingest them, each paper held once (see module docstring)."""
    topics = tuple(a.topic or ())

    def held(pid: str) -> Paper | None:
        got = ix.get(pid)
        return got[1] if got else None

    source = venue_source(
        a.name, a.year, ix.settings, base_url=a.base_url, topic=topics[0] if topics else None,
        include=a.include, categories=tuple(a.category or ()), since=a.since,
    )  # fmt: skip
    records = onto_held(source.records(), held)
    if len(topics) > 1:
        from index.sources.importers import with_topics

        records = with_topics(records, topics)
    with progress(f"import {a.name} {a.year}") as advance:
        report = ix.ingest(records, f"{a.name.lower()}{a.year}", advance)
    emit(report.model_dump()) if a.json else print(report.summary())
    if report.seen == 0:
        why = f" ({report.bad_count} bad records; the first: {report.bad[0].reason})" if report.bad else ""
        raise SourceError(f"{a.name} {a.year}: no papers were read{why}. Check the venue name and year.")
    return 0
