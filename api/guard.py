"""An ASGI guard in front of the app: request bodies are counted as they arrive, chunked or not, and a
request stops at the limit with 413 (a chunked body has no Content-Length to check up front); POST /ask's
API key is checked, as bytes, before any of its body is read; a path longer than MAX_PATH_CHARS is refused
with 414 before any routing, lookup or fuzzy matching, whose cost grows with the path's length (one long
paper id could hold a core for seconds)."""

from __future__ import annotations

import hmac
import json
from typing import Any

from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The longest path served: an arXiv URL or a long title as a paper id, with room to spare.
MAX_PATH_CHARS = 1_024
# The longest paper reference (id, URL or title) looked up: titles are at most a few hundred characters.
MAX_REF_CHARS = 300


def key_ok(expected: SecretStr | None, given: bytes | None) -> bool:
    """Constant-time comparison of keys as bytes (a non-ASCII header value is just a wrong key)."""
    if expected is None:
        return True
    return given is not None and hmac.compare_digest(given, expected.get_secret_value().encode("utf-8"))


class BodyGuard:
    """Pure ASGI middleware; ``state.body_bytes_refused`` records how much of the last refused body was read."""

    def __init__(self, app: ASGIApp, *, limit: int, key: SecretStr | None, state: Any) -> None:
        self.app, self.limit, self.key, self.state = app, limit, key, state
        self.state.body_bytes_refused = None

    async def _error(self, send: Send, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if (
            scope["method"] == "POST"
            and scope["path"].rstrip("/") == "/ask"
            and not key_ok(self.key, headers.get(b"x-api-key"))
        ):
            await self._error(send, 401, "POST /ask needs a valid X-API-Key header")
            return
        if len(scope.get("raw_path") or scope["path"]) > MAX_PATH_CHARS:
            await self._error(send, 414, f"the request path is too long: at most {MAX_PATH_CHARS} characters")
            return
        size = headers.get(b"content-length")
        too_large = f"request body too large: at most {self.limit} bytes"
        if size is not None and (not size.isdigit() or int(size) > self.limit):
            self.state.body_bytes_refused = 0
            await self._error(send, 413, too_large)
            return
        received = 0
        refused = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Answer now and tell the app the client went away: it reads no further, and whatever
                    # it tries to send after that is dropped (FastAPI turns the disconnect into a 400).
                    refused = True
                    self.state.body_bytes_refused = received
                    await self._error(send, 413, too_large)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded_send)
