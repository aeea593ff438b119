"""One paper, one row, across sources.

The same paper reaches the store under different ids: from arXiv (``2401.13934``), from a conference table
(``cvpr2020-medical:focalmix-...``), from a group's own JSONL list. A record whose id the store does not hold
is matched to a held paper by its title (case, spacing, curly or straight quotes ignored) and first author's
surname; a match updates the held paper -- its id, abstract and embedding are kept; what the new record adds
(a Chinese abstract, a venue, a DOI or link, a day for a year-only date, topics) is filled in -- instead of
adding a second row that search would show twice. Papers with the same arXiv id are one paper already (the id);
the same DOI (a doi.org link) matches before the title does.

The match is made twice: before a batch is embedded (so a held paper is not embedded again) and again inside
the store's write lock, just before the batch is written, where no other process can store the same paper in
between (two imports of one list under different ids would otherwise both add it).
:func:`duplicate_groups` finds what got through anyway (rows written before this rule), for `paperlens check`.
"""

from __future__ import annotations

import re
import unicodedata

from index.ids import doi_of_urls
from index.models import Links, Paper
from index.storage import PaperStore

# Without authors on one side, only a title this long is taken as the same paper.
MIN_TITLE_WITHOUT_AUTHORS = 30
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Characters one copy of a title types and another copy of the same title prints differently: arXiv keeps the
# authors' curly quotes and Greek mu, a proceedings list its straight quotes and micro sign (µ, U+00B5).
_PLAIN = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'", "\u00b5": "\u03bc", "\u2013": "-",
     "\u2010": "-", "\u00a0": " "}
)  # fmt: skip


def title_key(title: str) -> str:
    """The title as the store compares it: ASCII letters lower-cased (SQL lower()), spacing collapsed."""
    return " ".join(title.split()).translate(_ASCII_LOWER)


def title_keys(title: str) -> list[str]:
    """The keys under which the same title may be held: its own, and its typographic twins (straight or curly
    quotes, micro sign or Greek mu), since the store compares keys exactly and either spelling may be held."""
    plain = title_key(title).translate(_PLAIN)
    curly = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", plain).replace("'", "\u2019")
    twins = (plain, curly, plain.replace("\u03bc", "\u00b5"), curly.replace("\u03bc", "\u00b5"))
    return list(dict.fromkeys((title_key(title), *twins)))


def surname(author: str) -> str:
    """'Dong Wang' -> 'wang'; 'Wang, Dong' -> 'wang'; accents removed."""
    name = author.split(",")[0] if "," in author else (author.split() or [""])[-1]
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower()) or name.lower()


def same_paper(title: str, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same title already: same first author, or a long title where one side lists no authors."""
    if a and b:
        return surname(a[0]) == surname(b[0])
    return len(title) >= MIN_TITLE_WITHOUT_AUTHORS


def merge_into(held: Paper, new: Paper) -> Paper:
    """The held paper with what the new record adds; the held id, text and version stay."""
    links = held.links
    # The new record's own pages (a proceedings page and its PDF) are kept as other links of the held paper.
    theirs = (new.links.abs, new.links.pdf) if links.abs or links.pdf else ()
    other = tuple(
        u
        for u in dict.fromkeys((*links.other, *(x for x in theirs if x), *new.links.other))
        if u not in (links.abs, links.pdf)
    )
    links = Links(abs=links.abs or new.links.abs, pdf=links.pdf or new.links.pdf, other=other)
    dated = new if new.published_precision > held.published_precision else held  # the more precise date
    return held.model_copy(
        update={
            "abstract_zh": held.abstract_zh or new.abstract_zh,
            "comment": held.comment or new.comment,
            "venue": held.venue or new.venue,
            "categories": held.categories or new.categories,
            "primary_category": held.primary_category or new.primary_category,
            "authors": held.authors or new.authors,
            "links": links,
            "published": dated.published,
            "published_year_only": dated.published_year_only,
            "published_month_only": dated.published_month_only,
            "topics": tuple(dict.fromkeys((*held.topics, *new.topics))),
        }
    )


def keep_held(held: Paper, new: Paper) -> Paper:
    """A new record of a held id (a new arXiv version) that keeps what only the held row knows: its venue
    (a proceedings page recorded it; the preprint's comment may not say) and the links it gathered."""
    other = tuple(dict.fromkeys((*new.links.other, *held.links.other)))
    if (new.venue or not held.venue) and other == new.links.other:
        return new
    return new.model_copy(
        update={"venue": new.venue or held.venue, "links": new.links.model_copy(update={"other": other})}
    )


def _kept(store: PaperStore, papers: list[Paper], with_venue: set[str]) -> list[Paper]:
    out = []
    for p in papers:
        got = store.get(p.id) if p.id in with_venue else None
        out.append(keep_held(got[1], p) if got else p)
    return out


def match_held(store: PaperStore, papers: list[Paper]) -> tuple[list[Paper], int]:
    """The batch with each new record that is a held paper replaced by the merged held paper; how many.
    A record of a held id keeps the held venue and links (:func:`keep_held`)."""
    held_ids = store.existing([p.id for p in papers])
    papers = _kept(store, papers, {pid for pid, e in held_ids.items() if e.has_venue})
    new = [p for p in papers if p.id not in held_ids]
    if not new:
        return papers, 0
    keys = {p.id: title_keys(p.title) for p in new}
    found = store.by_titles([k for ks in keys.values() for k in ks])
    dois = {p.id: d for p in new if (d := doi_of_urls((p.links.abs, p.links.pdf, *p.links.other)))}
    by_doi = store.by_dois(list(dois.values())) if dois else {}
    out: list[Paper] = []
    matched = 0
    for p in papers:
        candidates = [] if p.id in held_ids else [c for k in keys.get(p.id, []) for c in found.get(k, [])]
        same_doi = [] if p.id in held_ids else by_doi.get(dois.get(p.id, ""), [])
        hit = same_doi[0] if same_doi else None
        hit = hit or next(
            (pid for pid, authors in candidates if same_paper(p.title, authors, p.authors)), None
        )
        got = store.get(hit) if hit else None
        if got is None:
            out.append(p)
            continue
        out.append(merge_into(got[1], p))
        matched += 1
    return out, matched


def duplicate_groups(store: PaperStore) -> list[list[str]]:
    """Ids of papers held more than once under different ids (same title and first author), one list per
    paper, the oldest id first."""
    groups: list[list[str]] = []
    for title, held in store.same_titles().items():
        left = list(held)
        while left:
            (pid, authors), rest = left[0], left[1:]
            same = [other for other, a in rest if same_paper(title, authors, a)]
            if same:
                groups.append([pid, *same])
            left = [(o, a) for o, a in rest if o not in same]
    return groups
