"""What an import stores is safe to show anywhere: only safe http(s) links (issue 27, item 1), and short
fields without terminal escapes or invisible characters; queries of invisible characters are empty; a killed
index save leaves no temporary file behind for good (item 12)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from pathlib import Path

import pytest

from index.bibliography import to_bibtex
from index.digests.export import pdf_link
from index.errors import InvalidQueryError
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.helpers.factories import make_settings
from tests.helpers.fakes import FakeEmbedder

PHISH = "https://a.example/x)[phish](https://evil.example"
OSC8 = "\x1b]8;;https://evil.example\x1b\\cs.CV\x1b]8;;\x1b\\"


def _import(ix: PaperIndex, tmp_path: Path, *objs: dict[str, object]) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps(o) + "\n" for o in objs))
    ix.ingest(records_for(f, "jsonl"), "in")


def test_imported_links_that_are_not_safe_web_links_never_reach_a_front_end(
    fake_index: PaperIndex, tmp_path: Path
) -> None:
    _import(
        fake_index,
        tmp_path,
        {"id": "x:js", "title": "Script link", "abstract": "NeRF rain.", "url": "javascript:alert(1)"},
        {
            "id": "x:ftp",
            "title": "Ftp link",
            "abstract": "NeRF rain.",
            "links": {
                "abs": "ftp://ftp.example/p.pdf",
                "other": ["data:text/html,x", "https://ok.example/p"],
            },
        },
        {"id": "x:md", "title": "Phish link", "abstract": "NeRF rain.", "url": PHISH},
    )
    js, ftp, md = (fake_index.resolve(i) for i in ("x:js", "x:ftp", "x:md"))
    assert js.url is None and js.links.abs is None and js.links.pdf is None
    assert ftp.links.abs is None and ftp.links.other == ("https://ok.example/p",)
    assert md.url is not None and md.url.startswith("https://a.example/x")
    markdown = pdf_link(md)
    assert len(re.findall(r"\]\(", markdown)) == 1 and "](https://evil" not in markdown
    assert "javascript" not in to_bibtex([js, ftp, md]) and "ftp:" not in to_bibtex([js, ftp, md])


def test_a_stored_unsafe_link_is_not_read_back(fake_index: PaperIndex, tmp_path: Path) -> None:
    _import(
        fake_index,
        tmp_path,
        {"id": "x:1", "title": "Old row", "abstract": "NeRF.", "url": "https://ok.example/"},
    )
    db = sqlite3.connect(fake_index.settings.data_dir / "papers.db")
    with db:  # a row written before the URL policy existed
        db.execute(
            "UPDATE papers SET links=? WHERE id='x:1'",
            (json.dumps({"abs": "javascript:alert(1)", "pdf": None, "other": [PHISH]}),),
        )
    db.close()
    p = fake_index.resolve("x:1")
    assert p.links.abs is None and p.url is not None and "](" not in p.url and ")[" not in p.url


def test_categories_topics_and_authors_are_stored_without_escapes_or_invisible_characters(
    fake_index: PaperIndex, tmp_path: Path
) -> None:
    _import(
        fake_index,
        tmp_path,
        {
            "id": "x:esc",
            "title": "Escaped\u2800 fields",
            "abstract": "NeRF.",
            "categories": [OSC8, "cs.\u3164LG"],
            "topics": ["rain\x1b[31m", "\U000e0041\U000e0042"],
            "authors": ["Ann\u202e Lee", "Bo\u180e Chen"],
            "primary_category": OSC8,
        },
    )
    p = fake_index.resolve("x:esc")
    fields = [p.title, *p.categories, *p.topics, *p.authors, p.primary_category or ""]
    assert not [
        f
        for f in fields
        if re.search(r"[\x00-\x1f\x7f-\x9f\u202e\u2800\u3164\u180e\U000e0000-\U000e007f]", f)
    ]
    assert p.categories == ("cs.CV", "cs.LG") and p.authors == ("Ann Lee", "Bo Chen")  # whole escapes removed
    assert p.topics == ("rain",)  # the tag characters alone were nothing


@pytest.mark.parametrize("ch", ["\u3164", "\u180e", "\u2800", "\U000e0041", "\u034f", "\U000e007f"])
def test_a_query_of_invisible_characters_is_empty(fake_index: PaperIndex, ch: str) -> None:
    with pytest.raises(InvalidQueryError):
        fake_index.search(ch * 5)


def test_a_killed_saves_temporary_file_is_removed_when_the_index_opens(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d")
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    ix.close()
    stale = settings.data_dir / ".multilingual.npz.k3x9_q2z"
    stale.write_bytes(b"\0" * 4096)  # what a SIGKILL during a save leaves
    old = time.time() - 3600
    os.utime(stale, (old, old))
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    ix.close()
    assert not stale.exists()
