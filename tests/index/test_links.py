"""The one URL policy (index/links.py): only http(s) links with a host, never one that breaks out of
Markdown link syntax, and the text cleaning that shares its invisible-character set (index/text.py)."""

from __future__ import annotations

import re

import pytest

from index.links import safe_url, safe_urls
from index.text import clean_line, terminal_text

PHISH = "https://a.example/x)[phish](https://evil.example"


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "JavaScript://a.example/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://ftp.example/paper.pdf",
        "file:///etc/passwd",
        "//evil.example/x",
        "https://",
        "https:///path",
        "https://bank.example@evil.example/login",
        "https://a.example/x y",
        "https://a.example/\x1b]8;;https://evil.example\x07",
        "https://a.exa\u200bmple/",
        "https://a.example:port/",
        "https://a.example/" + "x" * 3000,
        None,
        42,
    ],
)
def test_only_http_links_with_a_host_pass(bad: object) -> None:
    assert safe_url(bad) is None


def test_a_link_cannot_open_a_second_markdown_link() -> None:
    url = safe_url(PHISH)
    assert url is not None and url.startswith("https://a.example/x")
    markdown = f"[PDF]({url})"
    # One link in the Markdown, whose target is the whole (encoded) URL.
    assert re.findall(r"\[[^\]]*\]\(([^)]*)\)", markdown) == [url]
    assert not set("()[]<>") & set(url.removeprefix("https://"))


def test_ordinary_links_are_kept_as_they_are() -> None:
    for url in (
        "https://arxiv.org/abs/2401.13934",
        "http://arxiv.org/pdf/2401.13934v2",
        "https://doi.org/10.1109/CVPR42600.2020.01043",
        "https://openaccess.thecvf.com/content_CVPR_2020/papers/Wang_FocalMix_CVPR_2020_paper.pdf",
        "http://[::1]:8080/x?a=1&b=2#frag",
    ):
        assert safe_url(url) == url
    assert safe_urls(["javascript:x", "https://a.example/", "https://a.example/"]) == ("https://a.example/",)


def test_stored_short_fields_and_terminal_text_lose_escapes_and_invisible_characters() -> None:
    hyperlink = "\x1b]8;;https://evil.example\x1b\\cs.CV\x1b]8;;\x1b\\"
    assert clean_line(hyperlink) == "cs.CV"  # the whole escape sequences go, not only their ESC
    for ch in ("\u3164", "\u180e", "\u2800", "\U000e0041", "\u034f", "\u200b", "\u202e"):
        assert clean_line(f"Ne{ch}RF") == "NeRF", repr(ch)
    assert clean_line("a\tb\nc") == "a b c"
    assert terminal_text("line one\n\x1b[2J\x9b31mline two\u202e") == "line one\nline two"
