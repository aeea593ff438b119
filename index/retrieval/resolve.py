"""Finding one paper from what a user typed: an arXiv id or URL, a stored id, the paper's short name
("MambaMorph") or its title, fuzzily.

Names and titles are matched against every stored title in a small collection. In a large one that scan
grows with the collection (every title read and fuzzily compared on each lookup), so the titles compared
are first narrowed to the papers a keyword search of the text finds: a title typed with a typo still shares
most of its words with the stored one.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz, process, utils

from index.errors import InvalidQueryError, PaperNotFoundError
from index.ids import parse_arxiv_id
from index.models import Paper
from index.storage import PaperStore


def _name(title: str) -> str:
    """The short name before a colon ('MambaMorph' in 'MambaMorph: a Mamba-based ...')."""
    return title.split(":", 1)[0].strip().lower() if ":" in title else ""


FULL_SCAN = 20_000  # up to this many papers every title is compared; beyond, the keyword search's candidates
CANDIDATES = 200  # papers a keyword search of the text proposes in a large collection

Candidates = Callable[[str, int], list[tuple[int, float]]]


def _titles(store: PaperStore, text: str, candidates: Candidates | None) -> list[tuple[int, str, str]]:
    """(rowid, id, title) of the papers to compare the text with: all of them, or in a large collection the
    keyword search's best candidates."""
    if candidates is None or store.count() <= FULL_SCAN:
        return store.titles()
    rowids = [r for r, _ in candidates(text, CANDIDATES)]
    papers = store.get_by_rowids(rowids)
    return [(r, papers[r].id, papers[r].title) for r in rowids if r in papers]


def resolve(store: PaperStore, ref: str, candidates: Candidates | None = None) -> Paper:
    """Find one paper by arXiv id (with or without version), abs/pdf URL, store id, name or title.

    Args:
        store: where papers are looked up.
        ref: what the user typed.
        candidates: a keyword search (text, k) -> ranked (rowid, score), which narrows the titles compared
            in a collection of more than ``FULL_SCAN`` papers; without it every title is compared.

    Raises:
        PaperNotFoundError: with a message naming what was tried.
    """
    text = " ".join(str(ref).split())
    if not text:
        raise InvalidQueryError("Give a paper id, an arXiv URL or a title.")
    parsed = parse_arxiv_id(text)
    if parsed is not None:
        found = store.get(parsed[0])
        if found:
            return found[1]
        raise PaperNotFoundError(
            f"arXiv paper {parsed[0]} is not in the index (looked up by id). "
            "Import it or run `paperlens ingest` for its topic."
        )
    found = store.get(text)
    if found:
        return found[1]
    titles = _titles(store, text, candidates)
    low = text.lower()
    by_name = [pid for _, pid, t in titles if _name(t) == low or t.lower() == low]
    if len(by_name) == 1:
        got = store.get(by_name[0])
        assert got is not None
        return got[1]
    if len(text) >= 6 and titles:
        choices = {pid: t for _, pid, t in titles}
        best = process.extract(text, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=2)
        if best and best[0][1] >= 88 and (len(best) == 1 or best[0][1] - best[1][1] >= 3):
            got = store.get(best[0][2])
            assert got is not None
            return got[1]
    raise PaperNotFoundError(
        f"No paper matches {text!r} (tried: arXiv id or URL, stored id, paper name, fuzzy title). "
        "Try `search` to find it."
    )
