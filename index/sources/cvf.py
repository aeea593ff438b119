"""CVF open access (openaccess.thecvf.com): CVPR, ICCV, WACV and ECCV proceedings (ECCV from 2020 on
from the ECVA's site, www.ecva.net/papers.php, which uses the same template).

The conference's listing page (``/CVPR2024?day=all``) names every paper (``<dt class="ptitle"><a
href="/content/CVPR2024/html/..._paper.html">``) with its authors and its pdf, supplementary and arXiv links
in the ``<dd>`` elements after it; each paper's page holds the title (``div#papertitle``), the authors
(``div#authors``) and the abstract (``div#abstract``). A paper with an arXiv link keeps its arXiv id, so the
preprint and the proceedings version are one record; the others get ``cvpr2024:<slug of the page name>``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from index.errors import SourceError
from index.ids import arxiv_links, parse_arxiv_id
from index.models import BadLine, Links, Paper
from index.sources import Record
from index.sources.htmltree import Node, parse_html
from index.sources.http import FetchOptions, PageMissing, PoliteClient
from index.venue import code_links, with_venue

log = logging.getLogger(__name__)

CVF_URL = "https://openaccess.thecvf.com"
# ECCV 2020 on is published by the ECVA, in the same page template, every year on one listing page.
ECVA_URL = "https://www.ecva.net"
ECVA_SINCE = 2020
CONFERENCES = {"cvpr": "CVPR", "iccv": "ICCV", "wacv": "WACV", "eccv": "ECCV"}
# CVPR and ICCV list their papers by day; ?day=all is the page with every day.
_BY_DAY = frozenset({"cvpr", "iccv"})


@dataclass(frozen=True)
class Listed:
    """One paper as the listing page names it."""

    title: str
    url: str
    authors: tuple[str, ...] = ()
    pdf: str | None = None
    supp: str | None = None
    arxiv: str | None = None
    doi: str | None = None


def _link_kind(a: Node) -> str:
    """'pdf', 'supp', 'arxiv' or 'doi' for the links a CVF or ECVA page labels so; else the label."""
    label = a.text().strip("[] ").lower()
    return "supp" if label.startswith("supp") else label


def parse_listing(html: str, base_url: str) -> list[Listed]:
    """The papers a CVF listing page names, in its order."""
    out: list[Listed] = []
    fields: dict[str, object] | None = None
    for node in parse_html(html).iter():
        if node.tag == "dt" and "ptitle" in node.classes:
            if fields:
                out.append(Listed(**fields))  # type: ignore[arg-type]
            a = node.find("a")
            href = a.attrs.get("href", "") if a else ""
            fields = {"title": a.text() if a else "", "url": urljoin(base_url + "/", href)} if href else None
        elif node.tag == "dd" and fields is not None:
            names = [
                i.attrs.get("value", "")
                for i in node.find_all("input")
                if i.attrs.get("name") == "query_author"
            ]
            if names:
                fields["authors"] = tuple(n.strip() for n in names if n.strip())
            for a in node.find_all("a"):
                kind, href = _link_kind(a), a.attrs.get("href", "")
                if kind in ("pdf", "supp", "arxiv", "doi") and href:
                    fields.setdefault(kind, urljoin(base_url + "/", href))
    if fields:
        out.append(Listed(**fields))  # type: ignore[arg-type]
    return out


def slug(url: str, conference: str, year: int) -> str:
    """'Smith_Title_Words_CVPR_2024_paper.html' -> 'smith-title-words': stable across runs."""
    stem = urlsplit(url).path.rsplit("/", 1)[-1]
    stem = re.sub(rf"(?:_{conference}_{year})?_paper\.(?:html?|php)$", "", stem, flags=re.I)
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def paper_id(listed: Listed, arxiv: str | None, conference: str, year: int) -> str:
    """The arXiv id when the paper links one, else ``cvpr2024:<slug>``."""
    parsed = parse_arxiv_id(arxiv) if arxiv else None
    if parsed:
        return parsed[0]
    return f"{conference.lower()}{year}:{slug(listed.url, conference, year)}"


def venue(conference: str, year: int) -> str:
    """The venue a CVF paper was published at: 'CVPR 2024'."""
    return f"{CONFERENCES.get(conference.lower(), conference.upper())} {year}"


def parse_paper(html: str, listed: Listed, conference: str, year: int, topic: str | None = None) -> Paper:
    """One paper page as a Paper; raises ValueError when it lacks a title or an abstract."""
    root = parse_html(html)
    title_node, abstract_node = root.find(id="papertitle"), root.find(id="abstract")
    title = title_node.text() if title_node else ""
    abstract = abstract_node.text() if abstract_node else ""
    if not title or not abstract:
        raise ValueError(f"{listed.url}: the page has no {'title' if not title else 'abstract'}")
    authors = listed.authors
    box = root.find(id="authors")
    if box is not None:
        names = box.find("i") or box.find("b") or box
        shown = tuple(n.strip() for n in names.text().split(";")[0].split(",") if n.strip())
        authors = shown or authors
    found: dict[str, str] = {}
    for a in root.find_all("a"):
        kind, href = _link_kind(a), a.attrs.get("href", "")
        if kind in ("pdf", "supp", "arxiv", "doi") and href:
            found.setdefault(kind, urljoin(listed.url, href))
    arxiv = found.get("arxiv") or listed.arxiv
    pid = paper_id(listed, arxiv, conference, year)
    pdf = found.get("pdf") or listed.pdf
    supp = found.get("supp") or listed.supp
    is_arxiv = parse_arxiv_id(pid) is not None
    other = [listed.url] if is_arxiv else []
    other += [u for u in (supp, found.get("doi") or listed.doi) if u] + code_links(abstract)
    paper = Paper(
        id=pid,
        title=title,
        authors=authors,
        abstract=abstract,
        published=date(year, 1, 1),
        published_year_only=True,
        links=Links(abs=arxiv_links(pid)[0] if is_arxiv else listed.url, pdf=pdf, other=tuple(other)),
        source="cvf",
        topics=(topic,) if topic else (),
    )
    return with_venue(paper, venue(conference, year))


class CvfSource:
    """Every paper of one CVF conference year: the listing page, then each paper's page."""

    def __init__(
        self,
        conference: str,
        year: int,
        *,
        base_url: str | None = None,
        options: FetchOptions | None = None,
        topic: str | None = None,
        skip: Callable[[str], bool] | None = None,
    ) -> None:
        """Args:
        conference: cvpr, iccv, wacv or eccv.
        year: the conference year.
        base_url: the site (a loopback server in tests); by default CVF open access, or the ECVA's site
            for ECCV 2020 on.
        options: delays, retries and timeouts of the calls.
        topic: a topic every paper is filed under.
        skip: ids already held (a re-run fetches no page of those).
        """
        if conference.lower() not in CONFERENCES:
            raise SourceError(
                f"{conference!r} is not on CVF open access: choose one of {', '.join(CONFERENCES)}"
            )
        self.conference = conference.lower()
        self.year = year
        self.ecva = self.conference == "eccv" and year >= ECVA_SINCE
        self.base_url = (base_url or (ECVA_URL if self.ecva else CVF_URL)).rstrip("/")
        self.topic = topic
        self.skip = skip
        self.name = f"cvf:{self.conference}{year}"
        self.client = PoliteClient(f"CVF open access ({venue(self.conference, year)})", options)

    @property
    def listing_url(self) -> str:
        if self.ecva:
            return f"{self.base_url}/papers.php"
        code = f"{CONFERENCES[self.conference]}{self.year}"
        return f"{self.base_url}/{code}" + ("?day=all" if self.conference in _BY_DAY else "")

    def _page(self, url: str) -> str | None:
        try:
            return self.client.text(url)
        except PageMissing:
            return None

    def _listing(self) -> list[Listed]:
        """The listed papers: from ?day=all, else from the conference page itself or each day it links to
        (years whose site has no page of all days)."""
        html = self._page(self.listing_url)
        listed = parse_listing(html, self.base_url) if html else []
        if self.ecva:  # one page lists every ECCV since 2020: keep this year's
            return [x for x in listed if f"eccv_{self.year}/" in urlsplit(x.url).path.lower()]
        plain = self.listing_url.split("?", 1)[0]
        if listed or plain == self.listing_url:
            return listed
        html = self._page(plain)
        listed = parse_listing(html, self.base_url) if html else []
        days = [urljoin(plain, a.attrs["href"]) for a in (parse_html(html).find_all("a") if html else [])
                if "day=" in a.attrs.get("href", "") and not a.attrs["href"].endswith("day=all")]  # fmt: skip
        for day in dict.fromkeys(days) if not listed else ():
            listed += parse_listing(self._page(day) or "", self.base_url)
        return listed

    def records(self) -> Iterator[Record]:
        listed = self._listing()
        if not listed:
            raise SourceError(
                f"{self.listing_url} lists no papers: check the conference and year "
                f"({venue(self.conference, self.year)} may not be on CVF open access yet)."
            )
        for pos, item in enumerate(listed, 1):
            pid = paper_id(item, item.arxiv, self.conference, self.year)
            if self.skip and self.skip(pid):
                continue
            try:
                page = self.client.text(item.url)
                yield pos, parse_paper(page, item, self.conference, self.year, self.topic)
            except (PageMissing, ValueError) as e:
                log.warning("skipping CVF paper %d (%s): %s", pos, pid, e)
                yield pos, BadLine(line=pos, reason=f"{pid}: {e}")
