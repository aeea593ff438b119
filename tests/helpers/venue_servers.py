"""Loopback stand-ins of the venue sites, serving their real formats: CVF open access pages, OpenReview's API
v2 JSON, MICCAI's open-access pages and the bioRxiv/medRxiv details API. Modelled on the live pages' markup
(element ids and classes, relative links, unclosed ``<dd>``, key names); scripted per test to fail."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers.loopback import LoopbackServer

# (status, body) or (status, body, headers): what a scripted request answers.
Reply = tuple[int, bytes] | tuple[int, bytes, dict[str, str]]
Script = Callable[[int, str], Reply | None]
Api = Callable[[str, dict[str, str]], Reply | None]


class VenueServer(LoopbackServer):
    """Serves ``pages`` (path -> HTML) and ``api`` (path, query -> reply); ``script(n, path)`` can answer the
    n-th request instead. Every request is logged with its arrival time."""

    def __init__(
        self, pages: dict[str, str] | None = None, api: Api | None = None, script: Script | None = None
    ):
        self.pages = dict(pages or {})
        self.api = api
        self.script = script
        self.requests: list[str] = []
        self.times: list[float] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.times.append(time.monotonic())
                resp = server.script(len(server.requests), self.path) if server.script else None
                if resp is None:
                    resp = server.route(self.path)
                headers = resp[2] if len(resp) == 3 else {}  # type: ignore[misc]
                try:
                    self.send_response(resp[0])
                    ctype = "application/json" if resp[1][:1] in (b"{", b"[") else "text/html; charset=utf-8"
                    self.send_header("Content-Type", ctype)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(resp[1])))
                    self.end_headers()
                    self.wfile.write(resp[1])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}"

    def route(self, path: str) -> Reply:
        if path in self.pages:
            return 200, self.pages[path].encode()
        bare = urlsplit(path).path
        if bare in self.pages:
            return 200, self.pages[bare].encode()
        if self.api:
            q = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            got = self.api(bare, q)
            if got is not None:
                return got
        return 404, b"<html><body><h1>Not Found</h1></body></html>"


# ----- CVF open access -----
@dataclass(frozen=True)
class CvfPaper:
    stem: str  # 'Smith_Neural_Radiance_Fields' -> Smith_Neural_Radiance_Fields_CVPR_2024_paper.html
    title: str
    authors: tuple[str, ...]
    abstract: str
    arxiv: str | None = None
    supp: bool = True


def _cvf_links(code: str, p: CvfPaper, prefix: str) -> str:
    tail = f"{p.stem}_{code[:-4]}_{code[-4:]}"
    out = f'[<a href="{prefix}content/{code}/papers/{tail}_paper.pdf">pdf</a>]\n'
    if p.supp:
        out += f'[<a href="{prefix}content/{code}/supplemental/{tail}_supplemental.pdf">supp</a>]\n'
    if p.arxiv:
        out += f'[<a href="http://arxiv.org/abs/{p.arxiv}">arXiv</a>]\n'
    bib = f"@InProceedings{{{p.stem.split('_')[0]}_{code[-4:]}_{code[:-4]},\n    title = {{{escape(p.title)}}}\n}}"
    return out + (
        '<div class="link2">[<a class="fakelink" onclick="$(this).siblings(\'.bibref\').slideToggle()">bibtex</a>]\n'
        f'<div class="bibref pre-white-space">{bib}</div>\n</div>\n'
    )


def cvf_site(conference: str, year: int, papers: list[CvfPaper], *, by_day: bool = True) -> dict[str, str]:
    """The listing page and every paper page of one CVF conference, keyed by the path the site serves."""
    code = f"{conference.upper()}{year}"
    rows = []
    pages: dict[str, str] = {}
    for p in papers:
        tail = f"{p.stem}_{code[:-4]}_{code[-4:]}"
        href = f"/content/{code}/html/{tail}_paper.html"
        forms = "".join(
            f'<form id="form-{i}" action="/{code}/search" method="post" class="authsearch">\n'
            f'<input type="hidden" name="query_author" value="{escape(a)}">\n'
            f'<a href="#" onclick="document.getElementById(\'form-{i}\').submit();">{escape(a)}</a>,\n</form>\n'
            for i, a in enumerate(p.authors)
        )
        rows.append(
            f'<dt class="ptitle"><br><a href="{href}">{escape(p.title)}</a></dt>\n<dd>\n{forms}</dd>\n'
            f"<dd>\n{_cvf_links(code, p, '/')}</dd>\n"
        )
        pages[href] = (
            f"<html><head><title>{code} Open Access Repository</title></head><body>\n"
            '<div id="header"><a href="/menu">Home</a></div>\n<div id="content">\n<dl>\n<dd>\n'
            f'<div id="papertitle">\n{escape(p.title)}</div>\n'
            f'<div id="authors"><br><b><i>{escape(", ".join(p.authors))}</i></b>; Proceedings of the IEEE/CVF '
            f"Conference ({conference.upper()}), {year}, pp. 1-10</div>\n"
            '<font size="5"><br><b>Abstract</b></font>\n'
            f'<br><br><div id="abstract">\n{escape(p.abstract)}\n</div>\n<font size="5"><br><b></b></font>\n'
            f"{_cvf_links(code, p, '../../../')}</dd>\n</dl>\n</div>\n</body></html>"
        )
    listing = (
        f"<html><head><title>{code} Open Access Repository</title></head><body>\n"
        f'<div id="content">\n<h3>Papers</h3>\n<dl>\n{"".join(rows)}</dl>\n</div>\n</body></html>'
    )
    pages[f"/{code}"] = listing
    if by_day:
        pages[f"/{code}?day=all"] = listing
    return pages


def ecva_site(papers: dict[int, list[CvfPaper]]) -> dict[str, str]:
    """www.ecva.net: one listing (/papers.php) of every ECCV since 2020, relative links to each year's pages
    (papers/eccv_2024/papers_ECCV/html/123_ECCV_2024_paper.php) in the CVF template."""
    rows, pages = [], {}
    for year, items in papers.items():
        for n, p in enumerate(items, 1):
            base = f"papers/eccv_{year}/papers_ECCV"
            href = f"{base}/html/{n}_ECCV_{year}_paper.php"
            links = (f"[<a href='../../../../{base}/papers/{n:05d}.pdf'>pdf</a>]\n"
                     f"[<a href='../../../../{base}/papers/{n:05d}-supp.pdf'>supplementary material</a>]\n"
                     f'[<a href="https://doi.org/10.1007/978-3-031-{n:05d}-{year}">DOI</a>]\n')  # fmt: skip
            rows.append(f'<dt class="ptitle"><br><a href={href}>{escape(p.title)}</a></dt>\n<dd>\n'
                        f"{escape(', '.join(p.authors))}\n</dd>\n<dd>\n{links}</dd>\n")  # fmt: skip
            pages[f"/{href}"] = (
                '<html><body><div id="content">\n<dl>\n<dd>\n'
                f'<div id="papertitle">\n{escape(p.title)}</div>\n'
                f'<div id="authors"><br><b><i>\n{escape(", ".join(p.authors))}\n</i></b>\n</div>\n'
                f'<font size="5"><br><b>Abstract</b></font>\n<br><br><div id="abstract">\n{escape(p.abstract)}\n</div>\n'
                f"{links}</dd></dl></div></body></html>"
            )
    pages["/papers.php"] = (
        '<html><body><div id="content"><button class="accordion">ECCV 2024 Papers</button>\n'
        f'<div class="accordion-content"><dl>\n{"".join(rows)}</dl></div></div></body></html>'
    )
    return pages


# ----- OpenReview API v2 -----
def openreview_note(
    nid: str, title: str, abstract: str, venue: str, venueid: str, *, authors: tuple[str, ...] = ("Ann Author",),
    pdate: int = 1_705_000_000_000, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    content = {
        "title": {"value": title}, "authors": {"value": list(authors)}, "abstract": {"value": abstract},
        "venue": {"value": venue}, "venueid": {"value": venueid}, "pdf": {"value": f"/pdf/{nid}abc.pdf"},
        "keywords": {"value": ["deep learning"]}, "_bibtex": {"value": f"@inproceedings{{{nid}}}"},
    }  # fmt: skip
    content.update({k: {"value": v} for k, v in extra.items()})
    return {"id": nid, "forum": nid, "number": 1, "cdate": pdate - 9_000_000_000, "pdate": pdate,
            "mdate": pdate, "invitations": ["x/-/Submission"], "readers": ["everyone"], "content": content}  # fmt: skip


def openreview_api(notes: list[dict[str, Any]]) -> Api:
    """GET /notes?content.venueid=...&offset=&limit=: the notes whose venueid matches, a page at a time."""

    def api(path: str, q: dict[str, str]) -> Reply | None:
        if path != "/notes":
            return None
        match = [
            n
            for n in notes
            if not isinstance(n, dict)
            or n["content"].get("venueid", {}).get("value") == q.get("content.venueid")
        ]
        offset, limit = int(q.get("offset", 0)), min(int(q.get("limit", 1000)), 1000)
        return 200, json.dumps({"notes": match[offset : offset + limit], "count": len(match)}).encode()

    return api


# ----- MICCAI open access -----
@dataclass(frozen=True)
class MiccaiPaper:
    number: str
    title: str
    authors: tuple[str, ...]  # as the pages write them: 'Chen, Xiang'
    abstract: str
    doi: str | None = "10.1007/978-3-031-72384-1_1"
    code: str | None = None


def miccai_site(year: int, papers: list[MiccaiPaper]) -> dict[str, str]:
    """The year's index page and every paper page, keyed by path."""
    base = f"/miccai-{year}"
    items, pages = [], {}
    for i, p in enumerate(papers, 1):
        href = f"{base}/{i:03d}-Paper{p.number}.html"
        tags = " | ".join(f'<a href="{base}/tags#{escape(a)}">{escape(a)}</a>' for a in p.authors)
        items.append(f'<li><a href="{href}"><b>{escape(p.title)}</b></a><br>\nAuthor(s): {tags}<br></li>\n')
        doi = (f'<p>SpringerLink (DOI): <a href="https://doi.org/{p.doi}">https://doi.org/{p.doi}</a></p>\n'
               if p.doi else "")  # fmt: skip
        code = f'<p><a href="{p.code}">{p.code}</a></p>' if p.code else "<p>N/A</p>"
        pages[href] = (
            f"<html><head><title>{escape(p.title)} | MICCAI {year} - Open Access</title></head><body>\n"
            '<header class="site-header"><a class="site-title" href="/">MICCAI Open Access</a></header>\n'
            '<main class="page-content"><article class="post">\n<header class="post-header">\n'
            f'<h1 class="post-title">{escape(p.title)}</h1>\n</header>\n<div class="post-content">\n'
            f"<p>Author(s): {tags}</p>\n"
            '<p><a href="#paper-info">Paper Info</a> <a href="#reviews">Reviews</a></p>\n'
            f'<h1 id="abstract">Abstract</h1>\n<p>{escape(p.abstract)}</p>\n'
            '<h1 id="links-to-paper-and-supplementary-materials">Links to Paper and Supplementary Materials</h1>\n'
            f'<p>Main Paper (Open Access Version): <a href="https://papers.miccai.org{base}/paper/{p.number}_paper.pdf">'
            f"https://papers.miccai.org{base}/paper/{p.number}_paper.pdf</a></p>\n"
            '<p>SharedIt Link: <a href="https://rdcu.be/dV1ab">https://rdcu.be/dV1ab</a></p>\n'
            f"{doi}<p>Supplementary Material: N/A</p>\n"
            f'<h1 id="link-to-the-code-repository">Link to the Code Repository</h1>\n{code}\n'
            '<h1 id="link-to-the-dataset-s">Link to the Dataset(s)</h1>\n<p>N/A</p>\n'
            '<h1 id="bibtex">BibTex</h1>\n<pre><code>@InProceedings{x}</code></pre>\n'
            '<h1 id="reviews">Reviews</h1>\n<h3 id="review-1">Review #1</h3>\n<p>The code is available on GitHub.</p>\n'
            "</div></article></main></body></html>"
        )
    pages[f"{base}/"] = (
        f"<html><head><title>MICCAI {year} - Open Access</title></head><body>\n"
        f'<h2>List of Papers</h2>\n<a href="{base}/tags">Browse by Subject Areas</a>\n<ul class="post-list">\n'
        f"{''.join(items)}</ul>\n</body></html>"
    )
    return pages


# ----- bioRxiv / medRxiv details API -----
def rxiv_record(doi: str, title: str, abstract: str, *, category: str = "radiology and imaging", version: str = "1",
                day: str = "2024-01-15", published: str = "NA", server: str = "medRxiv") -> dict[str, Any]:  # fmt: skip
    return {"doi": doi, "title": title, "authors": "Smith, J. A.; Doe, B.", "author_corresponding": "J. A. Smith",
            "author_corresponding_institution": "A University", "date": day, "version": version, "type": "PPR",
            "license": "cc_by", "category": category, "jatsxml": f"https://www.medrxiv.org/content/early/{doi}.source.xml",
            "abstract": abstract, "published": published, "server": server}  # fmt: skip


def rxiv_api(records: list[Any], page: int = 100) -> Api:
    """GET /details/{server}/{start}/{end}/{cursor}: ``page`` records from the cursor on."""

    def api(path: str, q: dict[str, str]) -> Reply | None:
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[0] != "details":
            return None
        cursor = int(parts[4])
        chunk = records[cursor : cursor + page]
        if not chunk:
            msg = {"status": "no posts found"}
            return 200, json.dumps({"messages": [msg], "collection": []}).encode()
        msg = {"status": "ok", "interval": f"{parts[2]}:{parts[3]}", "cursor": cursor, "count": len(chunk),
               "count_new_papers": str(len(chunk)), "total": str(len(records))}  # fmt: skip
        return 200, json.dumps({"messages": [msg], "collection": chunk}).encode()

    return api
