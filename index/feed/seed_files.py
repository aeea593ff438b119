"""Seed papers from a reference manager's export: a BibTeX (pybtex) or RIS (rispy) file, each record matched
to a held paper by arXiv id (an eprint field, an arXiv DOI or URL), then by title."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import rispy
from pybtex.database import parse_string
from pybtex.scanner import PybtexError

from index.errors import ImportFormatError, PaperLensError
from index.models import Paper
from index.paperindex import PaperIndex

log = logging.getLogger(__name__)
MAX_RECORDS = 200
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\d{4}\.\d{4,5})", re.IGNORECASE)


@dataclass(frozen=True)
class SeedRef:
    """What one record says about its paper."""

    title: str
    arxiv: str | None = None
    doi: str | None = None

    def refs(self) -> list[str]:
        """References to try, most exact first."""
        out = []
        if self.arxiv:
            out.append(self.arxiv)
        if self.doi and (m := _ARXIV_DOI.search(self.doi)):
            out.append(m.group(1))
        if self.title:
            out.append(self.title)
        return out


def _clean(text: str) -> str:
    return " ".join(text.replace("{", "").replace("}", "").split())


def parse_bibtex(text: str) -> list[SeedRef]:
    try:
        data = parse_string(text, "bibtex")
    except (PybtexError, ValueError) as e:
        raise ImportFormatError(f"The BibTeX file cannot be read: {e}") from e
    out = []
    for entry in data.entries.values():
        f = {k.lower(): v for k, v in entry.fields.items()}
        arxiv = f.get("eprint") if (f.get("archiveprefix", "arxiv").lower() == "arxiv") else None
        url = f.get("url", "")
        if not arxiv and "arxiv.org/abs/" in url:
            arxiv = url
        out.append(SeedRef(_clean(f.get("title", "")), arxiv, f.get("doi")))
    return out


def parse_ris(text: str) -> list[SeedRef]:
    try:
        records = rispy.loads(text)
    except (OSError, ValueError) as e:  # rispy raises IOError on a malformed file
        raise ImportFormatError(f"The RIS file cannot be read: {e}") from e
    out = []
    for r in records:
        title = r.get("title") or r.get("primary_title") or ""
        urls = r.get("urls") or []
        arxiv = next((u for u in urls if "arxiv.org/abs/" in u), None)
        out.append(SeedRef(_clean(title), arxiv, r.get("doi")))
    return out


def parse_seed_file(data: bytes, filename: str) -> list[SeedRef]:
    """Records of a .bib or .ris file (by name, else by content).

    Raises:
        ImportFormatError: the file is neither, cannot be decoded, or holds no records.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFormatError(
            f"{filename} is not UTF-8 text; export it from your reference manager again."
        ) from e
    name = filename.lower()
    is_ris = name.endswith(".ris") or (
        not name.endswith(".bib") and re.search(r"^TY  - ", text, re.M) is not None
    )
    refs = parse_ris(text) if is_ris else parse_bibtex(text)
    if not refs:
        raise ImportFormatError(f"{filename} holds no BibTeX or RIS records.")
    if len(refs) > MAX_RECORDS:
        raise ImportFormatError(
            f"{filename} holds {len(refs)} records; at most {MAX_RECORDS} seed papers at once."
        )
    return refs


def match_seeds(index: PaperIndex, refs: list[SeedRef]) -> tuple[list[Paper], list[str]]:
    """Held papers the records name (each once), and the titles of records no held paper matches."""
    found: dict[str, Paper] = {}
    missing = []
    for ref in refs:
        paper = None
        for r in ref.refs():
            try:
                paper = index.resolve(r)
                break
            except PaperLensError:
                continue
        if paper is None:
            missing.append(ref.title or ref.arxiv or ref.doi or "(a record without a title)")
        else:
            found.setdefault(paper.id, paper)
    return list(found.values()), missing
