"""The search web page: `/` (search with filters), `/paper/{id}` (a paper, its summary and similar papers),
`/ask` (a cited answer) and `/login`, rendered on the server from Jinja2 templates.

The pages need no JavaScript and nothing from another host (plain GET forms, one stylesheet served here), so
they work offline and under a strict Content-Security-Policy. Every text is escaped by Jinja2's autoescape,
every link passes ``index.links.safe_url``. The same key as the API guards what can cost language-model
money: when ``api_key`` is set, /ask (and a model-written summary) needs it, given once in a login form
and kept as an HttpOnly, SameSite=Strict cookie holding an HMAC of the key (never the key itself), so a
page on another site cannot spend it. Search and paper pages stay open, as GET /search and /papers are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from api.config import ApiSettings
from api.guard import MAX_REF_CHARS
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.errors import PaperLensError, PaperNotFoundError
from index.links import safe_url
from index.models import Answer, Filters, Paper, SearchHit
from index.paperindex import PaperIndex
from index.topics import Topic

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PER_PAGE = 10
MAX_QUERY_CHARS = 2_000  # as GET /search and the index bound a query: longer text is truncated here
MAX_FIELD_CHARS = 200  # author, topic, category
COOKIE = "paperlens_web"
MODES = ("hybrid", "dense", "bm25")
LANGS = ("en", "zh")
SECURITY_HEADERS = {
    # No script at all, styles and forms from this server only: an escaping slip cannot run code.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
LABELS: dict[str, list[str]] = json.loads((HERE / "templates" / "labels.json").read_text(encoding="utf-8"))
_CITE = re.compile(r"\[(\d{1,3})\]")


def page_lang(request: Request) -> str:
    """The chrome's language: the ``lang`` query parameter, else the best of en/zh in Accept-Language."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    best, best_q = "en", -1.0
    for part in request.headers.get("accept-language", "")[:500].split(","):
        tag, _, params = part.strip().partition(";")
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        lang = tag.strip().lower()[:2]
        if lang in LANGS and q > best_q:
            best, best_q = lang, q
    return best


def clip(value: str | None, limit: int = MAX_FIELD_CHARS) -> str:
    """A user-typed parameter, stripped and cut to ``limit`` characters (bounded like the API's)."""
    return (value or "").strip()[:limit]


def paper_href(paper_id: str, lang: str) -> str:
    return f"/paper/{quote(paper_id, safe=':')}?lang={lang}"


def code_links(paper: Paper) -> list[str]:
    """The paper's code and project-page links as the page links them: the library's rule
    (:attr:`Paper.code_links`, the one the bot's cards and the terminal's Code column use), each link passed
    through ``safe_url`` again as every link on these pages is."""
    return [url for u in paper.code_links if (url := safe_url(u))]


def cited(answer: Answer, lang: str) -> Markup:
    """The answer's text escaped, each [n] a link to the cited paper's page (an unknown n stays text)."""
    ids = {c.n: c.id for c in [*answer.citations, *answer.sources]}

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in ids:
            return m.group(0)
        return f'<a class="cite" href="{escape(paper_href(ids[n], lang))}">[{n}]</a>'

    return Markup(_CITE.sub(link, str(escape(answer.text))))


def parse_date(value: str, name: str, lang: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        label = LABELS[name][LANGS.index(lang)]
        raise PaperLensError(
            f"{label}: '{value[:20]}' is not a date; use YYYY-MM-DD, e.g. 2024-04-01."
            if lang == "en"
            else f"{label}：'{value[:20]}' 不是日期，请用 YYYY-MM-DD 格式，例如 2024-04-01。"
        ) from None


class Pages:
    """Renders the pages over one index, answerer and summarizer; holds the login secret."""

    def __init__(
        self,
        index: PaperIndex,
        answerer: Answerer,
        summarizer: Summarizer,
        topics: list[Topic],
        settings: ApiSettings,
    ) -> None:
        self.index, self.answerer, self.summarizer, self.settings = index, answerer, summarizer, settings
        self.topics = [t.name for t in topics]
        key = settings.api_key.get_secret_value().encode("utf-8") if settings.api_key else None
        self.token = hmac.new(key, b"paperlens-web-login", hashlib.sha256).hexdigest() if key else None
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            auto_reload=False,
        )
        self.env.globals["paper_href"] = paper_href
        self.env.globals["code_links"] = code_links
        self.env.filters["cited"] = cited
        self.static = {
            name: ((HERE / "static" / name).read_bytes(), media)
            for name, media in (("web.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml"))
        }

    def authed(self, request: Request) -> bool:
        """True when no key is configured, or the request carries the login cookie."""
        if self.token is None:
            return True
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), self.token.encode())

    def render(self, request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = page_lang(request)
        i = LANGS.index(lang)
        other = "zh" if lang == "en" else "en"
        params = {**request.query_params, "lang": other}
        html = self.env.get_template(template).render(
            lang=lang,
            L={k: v[i] for k, v in LABELS.items()},
            switch_href=f"{request.url.path}?{urlencode(params)}",
            needs_login=self.token is not None and not self.authed(request),
            path=request.url.path,
            **ctx,
        )
        return HTMLResponse(html, status, headers=SECURITY_HEADERS)

    def error(self, request: Request, exc: PaperLensError) -> HTMLResponse:
        status = 404 if isinstance(exc, PaperNotFoundError) else 400
        return self.render(request, "error.html", status, message=str(exc), not_found=status == 404)

    # ----- pages -----
    def search(self, request: Request) -> HTMLResponse:
        p = request.query_params
        lang = page_lang(request)
        form = {
            "q": clip(p.get("q"), MAX_QUERY_CHARS),
            "since": clip(p.get("since"), 10),
            "until": clip(p.get("until"), 10),
            "category": clip(p.get("category"), 64),
            "topic": clip(p.get("topic")),
            "author": clip(p.get("author")),
            "venue": clip(p.get("venue")),
            "has_code": "1" if p.get("has_code") in ("1", "on", "true") else "",
            "mode": clip(p.get("mode"), 10),
        }
        ctx: dict[str, Any] = {"form": form, "topics": self.topics, "modes": MODES, "hits": None}
        # Open when a filter is in use (the form always sends the mode: the default one is no filter).
        ctx["filters_open"] = form["mode"] not in ("", "hybrid") or any(
            form[f] for f in ("since", "until", "category", "topic", "author", "venue", "has_code")
        )
        if not form["q"]:
            return self.render(request, "search.html", **ctx)
        try:
            page = max(1, min(int(p.get("page", "1")), -(-self.settings.max_k // PER_PAGE)))
        except ValueError:
            page = 1
        try:
            if form["mode"] and form["mode"] not in MODES:
                raise PaperLensError(f"mode must be one of {', '.join(MODES)}.")
            f = Filters(
                since=parse_date(form["since"], "since", lang),
                until=parse_date(form["until"], "until", lang),
                category=form["category"] or None,
                topic=form["topic"] or None,
                author=form["author"] or None,
                venue=form["venue"] or None,
                has_code=bool(form["has_code"]),
            )
            k = min(page * PER_PAGE, self.settings.max_k)
            hits = self.index.search(form["q"], k=k, mode=form["mode"] or None, filters=f)  # type: ignore[arg-type]
        except PaperLensError as e:
            return self.render(request, "search.html", 400, error=str(e), **ctx)
        start = (page - 1) * PER_PAGE
        shown = hits[start:]
        base = {k: v for k, v in form.items() if v} | {"lang": lang}
        ctx.update(
            hits=shown,
            start=start + 1,
            end=start + len(shown),
            empty_index=not hits and self.index.count() == 0,
            more_href=f"/?{urlencode(base | {'page': page + 1})}"
            if len(hits) == k < self.settings.max_k
            else None,
            prev_href=f"/?{urlencode(base | {'page': page - 1})}" if page > 1 else None,
        )
        return self.render(request, "search.html", **ctx)

    def paper(self, request: Request, paper_id: str) -> HTMLResponse:
        lang = page_lang(request)
        try:
            if len(paper_id) > MAX_REF_CHARS:
                raise PaperNotFoundError(
                    f"No paper matches that reference: it is longer than {MAX_REF_CHARS} characters."
                )
            p = self.index.resolve(paper_id)
            similar: list[SearchHit] = self.index.similar(p.id, k=5)
        except PaperLensError as e:
            return self.error(request, e)
        summary, summary_error = None, None
        summary_locked = self.summarizer.model is not None and not self.authed(request)
        if not summary_locked:
            try:
                summary = self.summarizer.summarize(p.id, lang)
            except PaperLensError as e:  # the page is still worth showing without its summary
                log.warning("summary of %s for the web page failed: %s", p.id, e)
                summary_error = str(e)
        code = code_links(p)  # listed in their own row, so not again among the other links
        links = [("abs", p.links.abs), ("pdf", p.links.pdf), *(("other", u) for u in p.links.other)]
        return self.render(
            request,
            "paper.html",
            paper=p,
            venue=getattr(p, "venue", None),
            links=[(name, url) for name, u in links if (url := safe_url(u)) and url not in code],
            code=code,
            summary=summary,
            summary_error=summary_error,
            summary_locked=summary_locked,
            similar=similar,
        )

    def ask(self, request: Request) -> HTMLResponse:
        q = clip(request.query_params.get("q"), MAX_QUERY_CHARS)
        if not self.authed(request):
            return self.render(
                request, "login.html", 401, q=q, next_href=str(request.url.path) + "?" + request.url.query
            )
        if not q:
            return self.render(request, "ask.html", q=q, answer=None)
        try:
            answer = self.answerer.ask(q)
        except PaperLensError as e:
            return self.render(request, "ask.html", 400, q=q, answer=None, error=str(e))
        return self.render(request, "ask.html", q=q, answer=answer)

    def login_form(self, request: Request) -> HTMLResponse:
        next_href = clip(request.query_params.get("next"), 500) or "/ask"
        return self.render(request, "login.html", q="", next_href=next_href)

    def asset(self, name: str) -> Response:
        """The stylesheet and the icon, read once at start-up (a fixed list: no path reaches the disk)."""
        if name not in self.static:
            return Response("not found", 404, media_type="text/plain")
        body, media = self.static[name]
        return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600", **SECURITY_HEADERS})

    async def login(self, request: Request) -> Response:
        """POST /login: a form-encoded ``key`` (and where to go next); a right key sets the cookie."""
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
        key = (form.get("key") or [""])[0].encode("utf-8", "surrogateescape")
        target = (form.get("next") or ["/ask"])[0]
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = "/ask"  # only a path on this server: never an open redirect
        expected = self.settings.api_key.get_secret_value().encode("utf-8") if self.settings.api_key else b""
        if self.token is None or not hmac.compare_digest(key, expected):
            return self.render(
                request, "login.html", 401, q="", next_href=target, wrong=self.token is not None
            )
        response = RedirectResponse(target, 303)
        response.set_cookie(
            COOKIE, self.token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
        )
        return response


def web_router(
    index: PaperIndex, answerer: Answerer, summarizer: Summarizer, topics: list[Topic], settings: ApiSettings
) -> APIRouter:
    """The web pages as a router for ``app.include_router`` (kept out of the OpenAPI schema)."""
    pages = Pages(index, answerer, summarizer, topics, settings)
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    router.add_api_route("/", pages.search)
    router.add_api_route("/paper/{paper_id:path}", pages.paper)
    router.add_api_route("/ask", pages.ask)
    router.add_api_route("/login", pages.login_form)
    router.add_api_route("/login", pages.login, methods=["POST"])
    router.add_api_route("/static/{name}", pages.asset, response_class=Response)
    return router
