"""Papers out, for reference managers and LaTeX: BibTeX (through pybtex) and RIS (through rispy).

Every field comes from the store. arXiv papers carry ``eprint``/``archivePrefix``/``primaryClass`` (how
biblatex and arXiv's own BibTeX cite them); a paper with a venue in its comment ("CVPR 2020") is an
``@inproceedings`` with that booktitle; a year-only date gives only the year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import rispy
from pybtex.database import BibliographyData, Entry, Person

from index.ids import doi_of_urls, parse_arxiv_id
from index.models import Paper

_VENUE = re.compile(
    r"\b(CVPR|ICCV|ECCV|MICCAI|NeurIPS|ICLR|ICML|AAAI|IJCAI|WACV|BMVC|3DV|ISBI|IPMI|SIGGRAPH)\b"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def doi_of(p: Paper) -> str | None:
    """The DOI, when a link is a doi.org address."""
    return doi_of_urls((p.links.abs, p.links.pdf, *p.links.other))


def venue_of(p: Paper) -> str | None:
    """A conference named in the comment ('Accepted to CVPR 2024' -> the whole comment), else None."""
    return p.comment if p.comment and _VENUE.search(p.comment) else None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def cite_key(p: Paper, taken: set[str]) -> str:
    """'wang2020focalmix': first author's surname, year, first title word; made unique among ``taken``."""
    author = (
        re.sub(r"[^a-z]", "", _ascii((p.authors[0].split() or ["anon"])[-1]).lower()) if p.authors else ""
    )
    words = [
        w for w in re.findall(r"[a-z0-9]+", _ascii(p.title).lower()) if w not in {"a", "an", "the", "on"}
    ]
    base = f"{author or 'anon'}{p.published.year if p.published else ''}{words[0] if words else ''}"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}{chr(ord('a') + n - 2)}" if n <= 27 else f"{base}{n}"
    taken.add(key)
    return key


def _escape(text: str) -> str:
    """Braces and backslashes made literal (pybtex escapes & % # _ ~ itself; a stray brace would unbalance
    the entry)."""
    return text.replace("\\", "/").replace("{", "(").replace("}", ")")


def bibtex_entry(p: Paper) -> Entry:
    fields: dict[str, str] = {"title": "{" + _escape(p.title) + "}"}
    if p.published:
        fields["year"] = str(p.published.year)
        if not p.published_year_only:
            fields["month"] = _MONTHS[p.published.month - 1]
    arxiv = parse_arxiv_id(p.id)
    venue = venue_of(p)
    if venue:
        fields["booktitle"] = _escape(venue)
    if arxiv:
        fields.update(eprint=arxiv[0], archivePrefix="arXiv")
        if p.primary_category:
            fields["primaryClass"] = p.primary_category
    if p.url:
        fields["url"] = p.url
    doi = doi_of(p)
    if doi:
        fields["doi"] = doi
    fields["abstract"] = _escape(p.abstract)
    persons = {"author": [Person(_escape(a)) for a in p.authors]} if p.authors else {}
    return Entry("inproceedings" if venue else "misc", fields=fields, persons=persons)


def to_bibtex(papers: Iterable[Paper]) -> str:
    """A .bib file of the papers, one entry each, in order."""
    taken: set[str] = set()
    entries = {cite_key(p, taken): bibtex_entry(p) for p in papers}
    return str(BibliographyData(entries).to_string("bibtex"))


def ris_record(p: Paper) -> dict[str, object]:
    venue = venue_of(p)
    rec: dict[str, object] = {
        "type_of_reference": "CONF" if venue else ("PREPRINT" if parse_arxiv_id(p.id) else "GEN"),
        "title": p.title,
        "authors": list(p.authors),
        "abstract": p.abstract,
        "id": p.id,
    }
    if p.published:
        rec["year"] = str(p.published.year)
        if not p.published_year_only:
            rec["date"] = p.published.strftime("%Y/%m/%d")
    if venue:
        rec["secondary_title"] = venue
    if p.url:
        rec["urls"] = [p.url]
    doi = doi_of(p)
    if doi:
        rec["doi"] = doi
    return rec


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]
    """RIS without rispy's "1." counter line before each record (not part of the format)."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(papers: Iterable[Paper]) -> str:
    """An .ris file of the papers (Zotero, EndNote, Mendeley)."""
    return str(rispy.dumps([ris_record(p) for p in papers], implementation=_RisWriter))
