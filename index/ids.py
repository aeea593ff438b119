"""arXiv identifiers: ids with or without version, abs/pdf URLs."""

from __future__ import annotations

import re

# New-style (2401.13934, 2401.13934v2) and old-style (hep-th/9901001v1, cs.CV/0102003).
_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<v>\d+))?$", re.IGNORECASE)
_URL_RE = re.compile(
    rf"arxiv\.org/(?:abs|pdf|html)/(?P<id>{_NEW}|{_OLD})(?:v(?P<v>\d+))?(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Return (id without version, version or None) for an arXiv id or URL, else None.

    Args:
        text: ``2401.13934``, ``2401.13934v2``, ``arXiv:2401.13934``, ``https://arxiv.org/pdf/2401.13934v1``.
    """
    s = text.strip()
    if s.lower().startswith("arxiv:"):
        s = s[6:]
    m = _ID_RE.match(s) or _URL_RE.search(s)
    if not m:
        return None
    v = m.group("v")
    return m.group("id"), int(v) if v else None


def split_entry_id(entry_id: str) -> tuple[str, int]:
    """Split an arXiv Atom entry id (``http://arxiv.org/abs/2401.13934v2``) into (id, version)."""
    parsed = parse_arxiv_id(entry_id)
    if parsed is None:
        raise ValueError(f"not an arXiv id: {entry_id!r}")
    pid, v = parsed
    return pid, v or 1


def arxiv_links(pid: str, version: int | None = None) -> tuple[str, str]:
    """The abs and pdf URLs of an arXiv paper."""
    return f"https://arxiv.org/abs/{pid}", f"https://arxiv.org/pdf/{pid}" + (f"v{version}" if version else "")


_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.\S+)$", re.I)


def doi_of_urls(urls: list[str | None] | tuple[str | None, ...]) -> str | None:
    """The DOI among a paper's links (a doi.org address), lower-cased (DOIs are case-insensitive)."""
    for url in urls:
        m = _DOI_URL.match(url or "")
        if m:
            return m.group(1).lower()
    return None
