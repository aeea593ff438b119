"""Finding one paper from what a user typed: an arXiv id or URL, a stored id, the paper's short name
("MambaMorph") or its title, fuzzily."""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils

from index.errors import InvalidQueryError, PaperNotFoundError
from index.ids import parse_arxiv_id
from index.models import Paper
from index.storage import PaperStore


def _name(title: str) -> str:
    """The short name before a colon ('MambaMorph' in 'MambaMorph: a Mamba-based ...')."""
    return title.split(":", 1)[0].strip().lower() if ":" in title else ""


def resolve(store: PaperStore, ref: str) -> Paper:
    """Find one paper by arXiv id (with or without version), abs/pdf URL, store id, name or title.

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
    titles = store.titles()
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
