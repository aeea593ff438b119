"""Only an answer's sources may be named in it: every other link, arXiv id, DOI or stored paper id that a
language model writes is removed.

A model may name a paper outside brackets (``See paper 9999.99999 (https://arxiv.org/abs/...)``,
``【9999.99999】``), by an id the store holds but retrieval did not give it (``base-4983``), by a link without
a scheme (``www.example.org/paper``) or a DOI (``doi:10.1000/xyz``), or hide a link from a pattern with an
invisible character (``https://evil\u200b.example``). The text's invisible characters go first (the same set
search and import cleaning drop), so what the patterns see is what a reader sees.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence

from index.ids import doi_of_urls, parse_arxiv_id
from index.models import Paper
from index.text import ESCAPES, INVISIBLE

log = logging.getLogger(__name__)

HeldIds = Callable[[Sequence[str]], Collection[str]]

_STOP = r"[^\s<>\])）】\"'\\，。、；]"
_URL = re.compile(rf"(?:\bhttps?://|\bwww\.){_STOP}+", re.I)
_DOI = re.compile(rf"\b(?:doi:\s*|doi\s+)(10\.\d{{4,9}}/{_STOP}+)", re.I)
_ANY_ID = re.compile(r"(?<![\w.])(?:arxiv:\s*)?(\d{4}\.\d{4,5})(?:v\d+)?(?![\w.]*\d)", re.I)
# Anything shaped like a stored id of an import: letters and digits joined by '-', ':', '.', '_' or '/'.
_TOKEN = re.compile(r"(?<![\w:/.-])\w[\w:/.-]*[-:_/][\w:/.-]*\w(?![\w])")
_EMPTY_BRACKETS = re.compile(r"[(\[【（]\s*[,;，、]?\s*[)\]】）]")
_TRAILING = ".,;:!?"
MAX_TOKENS = 500


def _bare(url: str) -> str:
    """A link compared without its scheme, trailing slash or case of the host."""
    return re.sub(r"^(?:https?://)", "", url.strip().rstrip(_TRAILING).rstrip("/"), flags=re.I).lower()


def _visible(text: str) -> str:
    """The text without invisible characters (line breaks and tabs kept)."""
    return INVISIBLE.sub(lambda m: m.group(0) if m.group(0) in "\n\t" else "", ESCAPES.sub("", text))


def scrub_references(text: str, sources: list[Paper], held: HeldIds | None = None) -> str:
    """The text with every reference to a paper outside ``sources`` removed.

    Args:
        text: what a language model wrote.
        sources: the papers the answer was given; their ids, links and DOIs stay.
        held: which of some ids the store holds (``PaperStore.existing``); a held id that is not a source is
            removed. Without it, only arXiv-shaped ids are recognised as ids.

    Returns:
        The scrubbed text, white space tidied.
    """
    text = _visible(text)
    ids = {p.id for p in sources}
    urls = {_bare(u) for p in sources for u in (p.links.abs, p.links.pdf, *p.links.other) if u}
    ids |= {got[0] for p in sources for u in (p.links.abs, p.links.pdf) if u and (got := parse_arxiv_id(u))}
    dois = {d for p in sources if (d := doi_of_urls((p.links.abs, p.links.pdf, *p.links.other)))}

    def url(m: re.Match[str]) -> str:
        u = m.group(0)
        found = parse_arxiv_id(u.rstrip(_TRAILING))
        if _bare(u) in urls or (found is not None and found[0] in ids):
            return u
        log.warning("removed a link that is not among the answer's sources")
        return u[len(u.rstrip(_TRAILING)) :]

    def doi(m: re.Match[str]) -> str:
        if m.group(1).rstrip(_TRAILING).lower() in dois:
            return m.group(0)
        log.warning("removed a DOI that is not among the answer's sources")
        return m.group(0)[len(m.group(0).rstrip(_TRAILING)) :]

    def paper_id(m: re.Match[str]) -> str:
        if m.group(1) in ids:
            return m.group(0)
        log.warning("removed paper id %s: not among the answer's sources", m.group(1))
        return ""

    text = _URL.sub(url, text)
    text = _DOI.sub(doi, text)
    text = _ANY_ID.sub(paper_id, text)
    if held is not None:
        tokens = list(dict.fromkeys(m.group(0) for m in _TOKEN.finditer(text)))[:MAX_TOKENS]
        foreign = set(held([t for t in tokens if t not in ids])) if tokens else set()
        if foreign:
            log.warning("removed %d stored paper id(s) not among the answer's sources", len(foreign))
            text = _TOKEN.sub(lambda m: "" if m.group(0) in foreign else m.group(0), text)
    text = _EMPTY_BRACKETS.sub("", text)
    return re.sub(r"[ \t]+([.,;:!?。，])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
