"""A loopback HTTP server that speaks the arXiv API's Atom, scripted per test."""

from __future__ import annotations

import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

from tests.helpers.loopback import LoopbackServer, reply


def entry(
    pid: str,
    version: int = 1,
    title: str = "A paper",
    summary: str = "An abstract.",
    published: str = "2024-04-01T17:59:00Z",
    authors: tuple[str, ...] = ("Ann Author",),
    categories: tuple[str, ...] = ("cs.CV",),
    comment: str | None = None,
) -> str:
    cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories)
    auth = "".join(f"<author><name>{escape(a)}</name></author>" for a in authors)
    com = f"<arxiv:comment>{escape(comment)}</arxiv:comment>" if comment else ""
    return (
        f"<entry><id>http://arxiv.org/abs/{pid}v{version}</id><updated>{published}</updated>"
        f"<published>{published}</published><title>{escape(title)}</title>"
        f"<summary>{escape(summary)}</summary>{auth}{com}"
        f'<link href="http://arxiv.org/abs/{pid}v{version}" rel="alternate" type="text/html"/>'
        f'<link title="pdf" href="http://arxiv.org/pdf/{pid}v{version}" rel="related" type="application/pdf"/>'
        f'<arxiv:primary_category term="{categories[0]}"/>{cats}</entry>'
    )


def feed(entries: list[str], total: int, start: int = 0) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<title>ArXiv Query</title><opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>" + "".join(entries) + "</feed>"
    ).encode()


Response = tuple[int, bytes] | tuple[int, bytes, float]


class ArxivServer(LoopbackServer):
    """Serves pages of ``entries``; ``script`` can override the response of the n-th request."""

    def __init__(
        self, entries: list[str], script: Callable[[int, dict[str, str]], Response | None] | None = None
    ):
        self.entries = entries
        self.script = script
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                server.requests.append(q)
                resp = server.script(len(server.requests), q) if server.script else None
                if resp is None:
                    start, n = int(q.get("start", 0)), int(q.get("max_results", 10))
                    resp = (200, feed(server.entries[start : start + n], len(server.entries), start))
                if len(resp) == 3:
                    time.sleep(resp[2])  # type: ignore[misc]
                reply(self, resp[0], resp[1], "application/atom+xml")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/api/query?{{}}"
