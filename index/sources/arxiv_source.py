"""arXiv through the `arxiv` package: polite (delay between calls), retried with backoff, incremental."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import arxiv
import requests
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from index.errors import SourceError
from index.ids import arxiv_links, split_entry_id
from index.models import BadLine, Links, Paper
from index.sources import Record
from index.topics import Topic
from index.venue import code_links, venue_from

log = logging.getLogger(__name__)


class _TimeoutSession(requests.Session):
    """The arxiv client sets no timeout; a hung server must not hang an ingest."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(*args, **kwargs)


_UNREACHABLE = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "failed to resolve",
    "getaddrinfo failed",
    "network is unreachable",
    "no route to host",
)


def unreachable(exc: BaseException) -> bool:
    """True when the host cannot be reached at all (no DNS, no route): no retry can fix that."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror) or any(s in str(seen).lower() for s in _UNREACHABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retryable(exc: BaseException) -> bool:
    if unreachable(exc):
        return False
    if isinstance(exc, arxiv.HTTPError):
        return bool(exc.status >= 500 or exc.status == 429)
    # A truncated or garbled page makes the arxiv parser raise ValueError (e.g. on a cut-off date).
    return isinstance(
        exc, (arxiv.UnexpectedEmptyPageError, requests.ConnectionError, requests.Timeout, ValueError)
    )


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("arXiv call failed (attempt %d): %s; retrying", state.attempt_number, exc)


def result_to_paper(r: arxiv.Result, topic: str | None) -> Paper:
    """Convert one arXiv result; raises ValueError when it lacks what a paper needs."""
    pid, version = split_entry_id(r.entry_id)
    title = " ".join((r.title or "").split())
    abstract = " ".join((r.summary or "").split())
    if not title or not abstract:
        raise ValueError(f"{r.entry_id}: missing title or abstract")
    abs_url, pdf_url = arxiv_links(pid, version)
    comment = " ".join(r.comment.split()) if r.comment else None
    # Code and project pages the authors link in the abstract or comment join arXiv's own links.
    other = (*(x.href for x in r.links if x.href), *code_links(f"{r.summary or ''}\n{comment or ''}"))
    return Paper(
        id=pid,
        version=version,
        title=title,
        authors=tuple(a.name for a in r.authors if a.name),
        abstract=abstract,
        categories=tuple(r.categories),
        primary_category=r.primary_category or None,
        published=r.published.date() if r.published else None,
        updated=r.updated.date() if r.updated else None,
        comment=comment,
        links=Links(abs=abs_url, pdf=r.pdf_url or pdf_url, other=other),
        source="arxiv",
        venue=venue_from(r.journal_ref, comment),
        topics=(topic,) if topic else (),
    )


class ArxivSource:
    """Newest-first pages of one topic's arXiv query, stopping at papers older than ``since``."""

    def __init__(
        self,
        topic: Topic,
        *,
        url_format: str,
        page_size: int,
        delay_seconds: float,
        max_results: int,
        retries: int,
        backoff_seconds: float,
        since: date | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.topic = topic
        self.name = f"arxiv:{topic.name}"
        self.since = since
        self.max_results = max_results
        self.page_size = page_size
        self.client = arxiv.Client(page_size=page_size, delay_seconds=delay_seconds, num_retries=0)
        self.client.query_url_format = url_format
        self.client._session = _TimeoutSession(timeout)
        self._fetch_page = retry(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(retries + 1),
            wait=wait_exponential(multiplier=backoff_seconds, max=60),
            before_sleep=_log_retry,
            reraise=True,
        )(self._page)
        self.newest: date | None = None

    def _page(self, start: int) -> list[arxiv.Result]:
        search = arxiv.Search(
            query=self.topic.arxiv_query(),
            max_results=start + self.page_size,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Descending,
        )
        return list(self.client.results(search, offset=start))

    def records(self) -> Iterator[Record]:
        start = 0
        while start < self.max_results:
            try:
                page = self._fetch_page(start)
            except (arxiv.ArxivError, requests.RequestException, ValueError) as e:
                if unreachable(e):
                    host = urlsplit(self.client.query_url_format).hostname or "arXiv"
                    raise SourceError(
                        f"arXiv cannot be reached from this machine ({host} does not resolve or has no "
                        "route): check the network or proxy, then run `paperlens ingest` again."
                    ) from e
                raise SourceError(
                    f"arXiv did not answer for topic {self.topic.name!r} after retries: {e}"
                ) from e
            if not page:
                return
            older = False
            for i, r in enumerate(page):
                pos = start + i + 1
                try:
                    paper = result_to_paper(r, self.topic.name)
                except ValueError as e:
                    log.warning("skipping malformed arXiv entry %d: %s", pos, e)
                    yield pos, BadLine(line=pos, reason=str(e))
                    continue
                if paper.published and (self.newest is None or paper.published > self.newest):
                    self.newest = paper.published
                if self.since and paper.published and paper.published < self.since:
                    older = True
                    continue
                yield pos, paper
            if older or len(page) < self.page_size:
                return
            start += len(page)
