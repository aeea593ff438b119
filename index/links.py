"""The one URL policy: which links a paper may carry, and in what form every front end may show them.

A link reaches Discord embeds, Markdown exports, BibTeX and the terminal. Only ``http``/``https`` with a
host is a link there: ``javascript:``, ``data:``, ``file:`` or ``ftp:`` from an import is not. A link is
also written inside Markdown link syntax (``[PDF](url)``), where ``)``, ``[``, ``]``, ``<`` and ``>`` end
the link early and let the rest of the text start a second, clickable one
(``https://a.example/x)[phish](https://evil.example``); those characters are percent-encoded, which a web
server reads as the same address. White space, control and invisible characters are refused outright: a
link that needs them is not one a user could have typed, and they hide what the link points to.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from index.text import INVISIBLE

log = logging.getLogger(__name__)

MAX_URL_CHARS = 2_000
SCHEMES = frozenset({"http", "https"})
# Characters that end or open Markdown link syntax (or a table cell, or an HTML tag), percent-encoded.
_MARKDOWN = {c: f"%{ord(c):02X}" for c in "()[]<>\"'`\\{}|^"}
_HOST = re.compile(r"[\w.-]+|\[[0-9A-Fa-f:.]+\]")


def safe_url(value: object) -> str | None:
    """The link as every front end may show it, or None when it is not a safe web link.

    Args:
        value: a link as imported or stored (anything else than a string is refused).

    Returns:
        The link with Markdown-breaking characters percent-encoded, or None for anything that is not
        ``http(s)://host...``, holds white space, control or invisible characters, names a user
        (``https://bank.example@evil.example``), or is longer than MAX_URL_CHARS.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_URL_CHARS or INVISIBLE.search(text) or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port  # a port that is not a number raises
    except ValueError:
        return None
    if parts.scheme.lower() not in SCHEMES or "@" in parts.netloc:
        return None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None or parts.netloc.endswith(":") else parts.netloc
    if not host or not _HOST.fullmatch(host):
        return None
    rest = text[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{parts.netloc}" + "".join(_MARKDOWN.get(c, c) for c in rest)


def safe_urls(values: object) -> tuple[str, ...]:
    """The safe links among ``values`` (a sequence of links), in order, each once; the others dropped."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        values = [values]
    out = []
    for v in values:
        url = safe_url(v)
        if url is None:
            if v is not None:
                log.warning("dropped a link that is not a safe http(s) link: %.80r", v)
            continue
        out.append(url)
    return tuple(dict.fromkeys(out))
