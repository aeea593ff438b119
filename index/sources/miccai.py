"""MICCAI's open-access paper pages (papers.miccai.org/miccai-2024/).

The year's index page lists every paper as a link to its page (``/miccai-2024/123-Paper0456.html``) with the
title in bold and the authors. A paper's page is sections under headings: the title, an 'Author(s):' line,
'Abstract', 'Links to Paper and Supplementary Materials' (the open-access pdf, the SpringerLink DOI), 'Link to
the Code Repository', then the reviews. Ids are ``miccai2024:paper0456`` (the submission number), or the arXiv
id when the page links one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

from index.errors import SourceError
from index.ids import arxiv_links, parse_arxiv_id
from index.links import safe_url
from index.models import BadLine, Links, Paper
from index.sources import Record
from index.sources.htmltree import Node, parse_html
from index.sources.http import FetchOptions, PageMissing, PoliteClient
from index.venue import code_links, with_venue

log = logging.getLogger(__name__)

MICCAI_URL = "https://papers.miccai.org"
_PAGE = re.compile(r"(?:^|/)\d+-Paper(?P<n>\d+)\.html?$", re.I)
_HEADINGS = ("h1", "h2", "h3")


@dataclass(frozen=True)
class Listed:
    """One paper as the index page names it."""

    number: str
    url: str
    title: str = ""
    authors: tuple[str, ...] = ()


def _authors(node: Node) -> tuple[str, ...]:
    """The names an item or page links to the author index (``tags#Chen, Xiang``), family name first."""
    return tuple(
        _person(a.text()) for a in node.find_all("a") if "tags#" in a.attrs.get("href", "") and a.text()
    )


def parse_listing(html: str, page_url: str) -> list[Listed]:
    """The paper pages the year's index links, in order, each once; the title is the item's bold text (else
    the link's) and the authors those the item links."""
    root = parse_html(html)
    out: dict[str, Listed] = {}
    for item in [*root.find_all("li"), root]:  # the list items first; then any paper link elsewhere
        for a in item.find_all("a"):
            href = a.attrs.get("href", "")
            m = _PAGE.search(href.split("#")[0].split("?")[0])
            if not m or m.group("n") in out:
                continue
            bold = item.find("b") if item is not root else None
            title = (bold.text() if bold else "") or a.text()
            authors = _authors(item) if item is not root else ()
            out[m.group("n")] = Listed(
                number=m.group("n"), url=urljoin(page_url, href), title=title, authors=authors
            )
    return list(out.values())


def _person(name: str) -> str:
    """'Chen, Xiang' -> 'Xiang Chen' (the pages write family name first); other names as written."""
    parts = [p.strip() for p in name.split(",")]
    return f"{parts[1]} {parts[0]}" if len(parts) == 2 and all(parts) else name.strip()


def _section(root: Node, heading: str) -> list[Node | str]:
    """What follows the heading whose text starts with ``heading``, up to the next heading."""
    for parent in root.iter():
        kids = parent.children
        for i, kid in enumerate(kids):
            if (
                isinstance(kid, Node)
                and kid.tag in _HEADINGS
                and kid.text().lower().startswith(heading.lower())
            ):
                out: list[Node | str] = []
                for after in kids[i + 1 :]:
                    if isinstance(after, Node) and after.tag in _HEADINGS:
                        break
                    out.append(after)
                return out
    return []


def _text(nodes: list[Node | str]) -> str:
    return " ".join(" ".join(n.text() if isinstance(n, Node) else n for n in nodes).split())


def _links(nodes: list[Node | str]) -> list[tuple[str, str]]:
    """(the text of the paragraph holding it, href) for each link in a section."""
    out = []
    for n in nodes:
        if isinstance(n, Node):
            for a in n.find_all("a"):
                out.append((n.text(), a.attrs.get("href", "")))
    return out


def parse_paper(html: str, listed: Listed, year: int, topic: str | None = None) -> Paper:
    """One paper page as a Paper; raises ValueError when it lacks a title or an abstract."""
    root = parse_html(html)
    heading = root.find("h1", cls="post-title") or root.find("h1", cls="page-title")
    head = root.find("title")
    title = (
        (heading.text() if heading else "") or listed.title or (head.text().split(" | ")[0] if head else "")
    )
    abstract = _text(_section(root, "abstract"))
    if not title or not abstract:
        raise ValueError(f"{listed.url}: the page has no {'title' if not title else 'abstract'}")
    authors = listed.authors
    for p in root.find_all("p"):
        if p.text().lower().startswith(("author(s):", "authors:")):
            named = [a.text() for a in p.find_all("a")] or p.text().split(":", 1)[1].split("|")
            authors = tuple(_person(n) for n in named if n.strip()) or authors
            break
    pdf = doi = None
    arxiv: str | None = None
    for label, href in _links(_section(root, "links to paper")):
        url = urljoin(listed.url, href)
        if "doi" in label.lower() or "doi.org/" in url:
            doi = doi or url
        elif "open access" in label.lower() or url.lower().endswith(".pdf"):
            pdf = pdf or url
    for a in root.find_all("a"):
        if parse_arxiv_id(a.attrs.get("href", "")) and "arxiv.org" in a.attrs.get("href", ""):
            arxiv = a.attrs["href"]
            break
    code = [u for _, href in _links(_section(root, "link to the code")) if (u := safe_url(href))]
    parsed = parse_arxiv_id(arxiv) if arxiv else None
    pid = parsed[0] if parsed else f"miccai{year}:paper{listed.number}"
    other = [u for u in (doi, listed.url if parsed else None) if u] + code + code_links(abstract)
    paper = Paper(
        id=pid,
        title=title,
        authors=authors,
        abstract=abstract,
        published=date(year, 1, 1),
        published_year_only=True,
        links=Links(abs=arxiv_links(pid)[0] if parsed else listed.url, pdf=pdf, other=tuple(other)),
        source="miccai",
        topics=(topic,) if topic else (),
    )
    return with_venue(paper, f"MICCAI {year}")


class MiccaiSource:
    """Every paper of one MICCAI year: the index page, then each paper's page."""

    def __init__(
        self,
        year: int,
        *,
        base_url: str = MICCAI_URL,
        options: FetchOptions | None = None,
        topic: str | None = None,
        skip: Callable[[str], bool] | None = None,
    ) -> None:
        """Args:
        year: the conference year.
        base_url: the site (a loopback server in tests).
        options: delays, retries and timeouts of the calls.
        topic: a topic every paper is filed under.
        skip: ids already held: a re-run fetches no page of those (papers that link arXiv are known by
            their arXiv id only once their page is read, so their pages are read again).
        """
        self.year = year
        self.index_url = f"{base_url.rstrip('/')}/miccai-{year}/"
        self.topic = topic
        self.skip = skip
        self.name = f"miccai:{year}"
        self.client = PoliteClient(f"MICCAI {year} open access", options)

    def records(self) -> Iterator[Record]:
        listed = parse_listing(self.client.text(self.index_url), self.index_url)
        if not listed:
            raise SourceError(
                f"{self.index_url} lists no papers: check the year (MICCAI {self.year} may not be published yet)."
            )
        for pos, item in enumerate(listed, 1):
            pid = f"miccai{self.year}:paper{item.number}"
            if self.skip and self.skip(pid):
                continue
            try:
                yield pos, parse_paper(self.client.text(item.url), item, self.year, self.topic)
            except (PageMissing, ValueError) as e:
                log.warning("skipping MICCAI paper %d (%s): %s", pos, pid, e)
                yield pos, BadLine(line=pos, reason=f"{pid}: {e}")
