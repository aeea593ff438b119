"""Request counts and latencies in the Prometheus text format (one registry per app, no globals).

Every label comes from a fixed set: the method from the HTTP methods (any other is "other"), the route
from the app's route templates ("unmatched" for the rest), the status from the three-digit codes. A
label taken from the request as sent would let a client create a series per request, and so grow the
registry's memory and every scrape's time without bound.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The request's method as a label: one of METHODS, or "other"."""
    return method if method in METHODS else "other"


def status_label(status: int) -> str:
    """The response status as a label: a three-digit code, or "other"."""
    return str(status) if 100 <= status <= 599 else "other"


class Metrics:
    """Per-app request counters and latency histograms."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "paperlens_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "paperlens_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", None)
            path = (
                path if isinstance(path, str) else "unmatched"
            )  # a template of this app's routes, never a URL
            method = method_label(request.method)
            self.requests.labels(method, path, status_label(status)).inc()
            self.latency.labels(method, path).observe(time.perf_counter() - start)

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
