"""A loopback OpenAI-compatible chat-completions server, answering from a script."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.helpers.loopback import LoopbackServer
from tests.helpers.loopback import reply as send_reply


class OpenAIServer(LoopbackServer):
    """Replies to POST /v1/chat/completions with ``reply(request_json)`` (text, or (text, delay))."""

    def __init__(self, reply: Callable[[dict[str, Any]], str | tuple[str, float]]) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.auth.append(self.headers.get("Authorization", ""))
                out = server.reply(body)
                text, delay = (out, 0.0) if isinstance(out, str) else out
                time.sleep(delay)
                payload = json.dumps(
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }
                ).encode()
                send_reply(self, 200, payload, "application/json")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
