"""A polite, retrying HTTP client for the venue sources (CVF, OpenReview, MICCAI, bioRxiv/medRxiv).

Polite: one call at a time with ``delay_seconds`` between calls, a User-Agent that names the program, a
bounded read. Retried with exponential backoff on what a later call can fix (429, 5xx, a timeout, a dropped
connection), waiting at least what a ``Retry-After`` header asks (up to ``max_retry_after``). What no retry
can fix fails at once: a host that does not resolve, or a 4xx other than 429 (:class:`PageMissing`, which
a source turns into a bad record for that one paper). The standard library's urllib does the HTTP: no
dependency the project does not already have.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from index.errors import SourceError
from index.sources.arxiv_source import unreachable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchOptions:
    """How a venue source calls its site; tests set the delays to 0."""

    delay_seconds: float = 1.0
    retries: int = 4
    backoff_seconds: float = 2.0
    timeout: float = 30.0
    max_retry_after: float = 120.0
    max_bytes: int = 32 * 1024 * 1024
    user_agent: str = "PaperLens/0.1 (research-paper search; polite crawler, one request at a time)"


class PageMissing(SourceError):
    """The site answered a page with a client error (404, 410, 403): that page, not the site, is at fault."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} answered HTTP {status}")
        self.url = url
        self.status = status


class _Transient(Exception):
    """A failure a later call may not have: retried."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None, cap: float) -> float:
    """Seconds a Retry-After header asks for (a number or an HTTP date), capped; 0 when absent or bad."""
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return 0.0
    return max(0.0, min(seconds, cap))


class PoliteClient:
    """GETs for one source: spaced, retried, bounded. Thread-safe (calls are serialised)."""

    def __init__(self, name: str, options: FetchOptions | None = None) -> None:
        self.name = name
        self.options = options or FetchOptions()
        self.calls = 0
        self._last = 0.0
        self._lock = threading.Lock()

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential(multiplier=self.options.backoff_seconds, max=60)(state)
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, _Transient) else 0.0
        return max(backoff, asked)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s: call failed (attempt %d): %s; retrying", self.name, state.attempt_number, exc)

    def _once(self, url: str, accept: str) -> bytes:
        with self._lock:
            pause = self._last + self.options.delay_seconds - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.calls += 1
            request = urllib.request.Request(
                url, headers={"User-Agent": self.options.user_agent, "Accept": accept}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.options.timeout) as resp:
                    body: bytes = resp.read(self.options.max_bytes + 1)
            except urllib.error.HTTPError as e:
                if e.code == 429 or e.code >= 500:
                    wait = _retry_after(e.headers.get("Retry-After"), self.options.max_retry_after)
                    raise _Transient(f"HTTP {e.code} from {url}", wait) from e
                raise PageMissing(url, e.code) from e
            except (TimeoutError, ConnectionError, http.client.HTTPException) as e:
                raise _Transient(f"{type(e).__name__} from {url}: {e}") from e
            except urllib.error.URLError as e:
                if unreachable(e) or isinstance(e.reason, socket.gaierror):
                    raise
                raise _Transient(f"{url}: {e.reason}") from e
            finally:
                self._last = time.monotonic()
        if len(body) > self.options.max_bytes:
            raise SourceError(
                f"{url} sent more than {self.options.max_bytes} bytes: not a page this source reads"
            )
        return body

    def get(self, url: str, params: dict[str, Any] | None = None, *, accept: str = "*/*") -> bytes:
        """The body of ``url`` (with ``params`` as its query), after retries.

        Raises:
            PageMissing: the page answered a 4xx other than 429.
            SourceError: the site cannot be reached, or still fails after the retries.
        """
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        if urlsplit(url).scheme not in ("http", "https"):
            raise SourceError(f"{self.name}: {url!r} is not an http(s) address")
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(_Transient),
                stop=stop_after_attempt(self.options.retries + 1),
                wait=self._wait,
                before_sleep=self._log_retry,
                reraise=True,
            ):
                with attempt:
                    return self._once(url, accept)
        except _Transient as e:
            raise SourceError(
                f"{self.name} did not answer after {self.options.retries + 1} tries ({e}): the site may be "
                "down or limiting requests; try again later, or with a longer delay between calls."
            ) from e
        except urllib.error.URLError as e:
            host = urlsplit(url).hostname or url
            raise SourceError(
                f"{self.name} cannot be reached from this machine ({host} does not resolve or has no route): "
                "check the network or proxy, then run the import again."
            ) from e
        raise AssertionError("unreachable")  # pragma: no cover (Retrying either returns or raises)

    def text(self, url: str, params: dict[str, Any] | None = None) -> str:
        """The page as text (UTF-8, undecodable bytes replaced: one bad byte must not lose a page)."""
        return self.get(url, params, accept="text/html,application/xhtml+xml").decode("utf-8", "replace")

    def json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """The page as JSON; a page that is not JSON is a SourceError that says so."""
        body = self.get(url, params, accept="application/json")
        try:
            return json.loads(body)
        except ValueError as e:
            raise SourceError(
                f"{self.name}: {url} did not answer with JSON ({e}); the API may have changed"
            ) from e
