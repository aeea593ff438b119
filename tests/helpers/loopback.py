"""A threaded HTTP server on 127.0.0.1 for the fakes of remote services (arXiv, an OpenAI-compatible API)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer:
    """Starts ``handler`` on a free loopback port in a daemon thread; a context manager.

    Leaving the context returns at once: the serving loop looks for shutdown every 10 ms (the standard
    library's default, 0.5 s, is waiting that no test needs), and a handler still sleeping on a scripted
    delay after its client gave up (a timeout test) is not waited for.
    """

    POLL_SECONDS = 0.01

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": self.POLL_SECONDS}, daemon=True
        )

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    """Send a whole response; a client that gave up (a timeout test) is not an error."""
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
