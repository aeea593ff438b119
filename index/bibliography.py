r"""Papers out, for reference managers and LaTeX: BibTeX (through pybtex) and RIS (through rispy).

Every field comes from the store. arXiv papers carry ``eprint``/``archivePrefix``/``primaryClass`` (how
biblatex and arXiv's own BibTeX cite them). A paper with a venue is an ``@inproceedings`` with that
``booktitle`` in BibTeX and a ``CONF`` record with the venue as ``T2`` in RIS. A year-only date gives only the
year. Names are written family name first ("Yang, Xi"), the form both formats define, so that Zotero,
EndNote and BibTeX split them the same way. Links are written as links: ``url`` and ``doi`` carry no LaTeX
escaping (biblatex and the ``url`` package read them verbatim; ``content\_CVPR`` would be a broken address),
and only links that the project's URL policy (index/links.py) accepts are written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple

import rispy
from pybtex.database import BibliographyData, Entry, Person
from pybtex.database.output.bibtex import Writer

from index.ids import doi_of_urls, parse_arxiv_id
from index.links import safe_url
from index.models import Paper
from index.venue import not_yet_published, recorded_venue, venue_from

# Conferences recognised in a comment ("Accepted by CVPR 2024") or in an imported table's id
# ("cvpr2020:slug"), with the spelling they are cited by.
# fmt: off
_VENUES = ("CVPR", "ICCV", "ECCV", "MICCAI", "NeurIPS", "ICLR", "ICML", "AAAI", "IJCAI", "WACV", "BMVC", "3DV",
           "ISBI", "IPMI", "SIGGRAPH")
# fmt: on
_CANONICAL = {v.lower(): v for v in _VENUES}
_NAMES = "|".join(_VENUES)
_VENUE_IN_COMMENT = re.compile(rf"\b({_NAMES})\b(?:\W{{0,3}}((?:19|20)\d\d)\b)?")
_VENUE_ID = re.compile(rf"^({_NAMES})[-_]?((?:19|20)\d\d)(?:[-_][^:]*)?:", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Names: suffixes written after the given name in both formats; Chinese (and Korean) family names of two
# characters, which a name written without spaces cannot show otherwise.
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_HAN_OR_HANGUL = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# fmt: off
_COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "司徒", "夏侯", "令狐", "宇文",
        "轩辕", "端木", "独孤", "南宫", "西门", "万俟", "澹台", "公冶", "宗政", "濮阳", "太叔", "申屠", "赫连", "闻人",
        "钟离", "呼延", "百里", "歐陽", "司馬", "諸葛", "長孫", "軒轅", "獨孤", "鍾離", "남궁", "선우", "황보", "제갈",
        "독고",
    }
)
# fmt: on


class NameParts(NamedTuple):
    """A person's name split the way citation formats need it."""

    last: str
    first: str = ""
    suffix: str = ""


def split_name(name: str) -> NameParts:
    """'Tony C.W. Mok' -> ('Mok', 'Tony C.W.'); 'Ludwig van Beethoven' -> ('van Beethoven', 'Ludwig');
    'John Smith Jr.' -> ('Smith', 'John', 'Jr.'); 'Smith, John' as given; a single name is a family name.

    Chinese names in Chinese characters are family name first: '王小明' -> ('王', '小明') ('欧阳' and the
    other two-character family names kept whole); '约翰·史密斯' (a transliterated Western name) is split at the
    dot, family name last. Names in Latin letters are taken in the order papers print them, given names first.
    """
    name = " ".join(name.split()).strip(" ,")
    if not name:
        return NameParts("")
    if "," in name:
        parts = [p.strip() for p in name.split(",") if p.strip()]
        if len(parts) >= 3:  # BibTeX's "Last, Jr., First"
            return NameParts(parts[0], parts[2], parts[1])
        return NameParts(parts[0], parts[1] if len(parts) > 1 else "")
    if _HAN_OR_HANGUL.search(name):
        if "·" in name or "・" in name:
            *given, family = re.split(r"\s*[·・]\s*", name)
            return NameParts(family, "·".join(given))
        words = name.split()
        if len(words) > 1:
            return NameParts(words[0], " ".join(words[1:]))
        family = name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]
        return NameParts(family, name[len(family) :])
    words = name.split()
    suffix = ""
    if len(words) > 2 and words[-1].lower().rstrip(".") in _SUFFIXES:
        suffix = words.pop()
    if len(words) == 1:
        return NameParts(words[0], "", suffix)
    start = len(words) - 1
    while start > 1 and words[start - 1][:1].islower():  # "van", "de la": part of the family name
        start -= 1
    return NameParts(" ".join(words[start:]), " ".join(words[:start]), suffix)


def ris_name(name: str) -> str:
    """An author as RIS writes one: 'Last, First' or 'Last, First, Suffix' ('Plato' stays 'Plato')."""
    parts = split_name(name)
    return ", ".join(p for p in (parts.last, parts.first, parts.suffix) if p)


def doi_of(p: Paper) -> str | None:
    """The DOI, when a link is a doi.org address."""
    return doi_of_urls((p.links.abs, p.links.pdf, *p.links.other))


def venue_of(p: Any) -> str | None:
    """Where the paper was published, as it is cited ('CVPR 2020'), else None.

    In order: the paper's recorded venue (index.venue.recorded_venue); the venue its comment names as
    index.venue.venue_from reads it ('Accepted by CVPR 2024. Project page: ...' -> 'CVPR 2024'; a workshop
    there -> 'CVPR 2024 Workshops'; 'Submitted to ...' names none); a conference named in a comment that
    does not say it was only submitted ('IEEE Conference on ... (CVPR), 2024'); the conference an imported
    table's id names ('cvpr2020:slug' -> 'CVPR 2020').
    """
    venue = recorded_venue(p) if isinstance(p, Paper) else getattr(p, "venue", None)
    if isinstance(venue, str) and venue.strip():
        return " ".join(venue.split())
    comment = getattr(p, "comment", None) or ""
    found = venue_from(None, comment)
    if found:
        return found
    m = None if not_yet_published(comment) else _VENUE_IN_COMMENT.search(comment)
    if m:
        year = m.group(2) or (str(p.published.year) if getattr(p, "published", None) else "")
        found = " ".join(x for x in (_CANONICAL[m.group(1).lower()], year) if x)
        return f"{found} Workshops" if re.search(r"\bworkshops?\b", comment, re.I) else found
    m = _VENUE_ID.match(getattr(p, "id", "") or "")
    if m:
        return f"{_CANONICAL[m.group(1).lower()]} {m.group(2)}"
    return None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def cite_key(p: Paper, taken: set[str]) -> str:
    """'wang2020focalmix': first author's family name, year, first title word; made unique among ``taken``."""
    author = re.sub(r"[^a-z]", "", _ascii(split_name(p.authors[0]).last).lower()) if p.authors else ""
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


# Fields written as they are: LaTeX escaping would change the address. The characters that could end or
# unbalance a BibTeX value are percent-encoded, which leaves the link pointing at the same place.
_VERBATIM = frozenset({"url", "doi"})
_UNSAFE_IN_VERBATIM = {'"': "%22", "{": "%7B", "}": "%7D", "\\": "%5C"}


class _BibWriter(Writer):  # type: ignore[misc]
    """pybtex's BibTeX writer, except that links are not LaTeX-escaped."""

    def _write_field(self, stream: Any, type: str, value: str) -> None:
        if type.lower() in _VERBATIM:
            text = "".join(_UNSAFE_IN_VERBATIM.get(c, c) for c in value)
            stream.write(f",\n    {type} = {self.quote(text)}")
        else:
            super()._write_field(stream, type, value)


def _person(name: str) -> Person:
    parts = split_name(_escape(name))
    return Person(first=parts.first, last=parts.last, lineage=parts.suffix)


def bibtex_entry(p: Paper) -> Entry:
    """One paper as a BibTeX entry: @inproceedings with its venue, else @misc."""
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
    url = safe_url(p.url)
    if url:
        fields["url"] = url
    doi = doi_of(p)
    if doi:
        fields["doi"] = doi
    fields["abstract"] = _escape(p.abstract)
    authors = [_person(a) for a in p.authors if split_name(a).last]
    persons = {"author": authors} if authors else {}
    return Entry("inproceedings" if venue else "misc", fields=fields, persons=persons)


def to_bibtex(papers: Iterable[Paper]) -> str:
    """A .bib file of the papers, one entry each, in order."""
    taken: set[str] = set()
    entries = {cite_key(p, taken): bibtex_entry(p) for p in papers}
    return str(_BibWriter().to_string(BibliographyData(entries)))


def ris_record(p: Paper) -> dict[str, object]:
    """One paper as a rispy record: CONF with its venue, UNPB (unpublished) for an arXiv preprint, else GEN."""
    venue = venue_of(p)
    rec: dict[str, object] = {
        "type_of_reference": "CONF" if venue else ("UNPB" if parse_arxiv_id(p.id) else "GEN"),
        "title": p.title,
        "authors": [name for name in map(ris_name, p.authors) if name],
        "abstract": p.abstract,
        "id": p.id,
    }
    if p.published:
        rec["year"] = str(p.published.year)
        if p.published_month_only:  # RIS dates are YYYY/MM/DD/other, a part left empty when unknown
            rec["date"] = p.published.strftime("%Y/%m/")
        elif not p.published_year_only:
            rec["date"] = p.published.strftime("%Y/%m/%d")
    if venue:
        rec["secondary_title"] = venue  # T2: the conference's name for a CONF record
    url = safe_url(p.url)
    if url:
        rec["urls"] = [url]
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
