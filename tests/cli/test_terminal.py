"""Nothing reaches the user's terminal that the terminal would act on (issue 27, item 12): an imported
category carrying a live OSC 8 hyperlink, or a language model's answer carrying escape codes and links to
papers it was not given. Real `paperlens` processes, a loopback OpenAI-compatible model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.openai_server import OpenAIServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OSC8 = "\x1b]8;;https://evil.example\x1b\\cs.CV\x1b]8;;\x1b\\"
TERMINAL_ACTS_ON = ("\x1b", "\x9b", "\x07", "\u202e")


def paperlens(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "PAPERLENS_DATA_DIR": str(data), "PAPERLENS_MULTILINGUAL": "false", **env}
    e.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=300,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("terminal")
    src = d / "papers.jsonl"
    rows = [
        {
            "id": "x:esc",
            "title": "Rain removal with \x1b[2Jescapes",
            "abstract": "We remove rain streaks from photos.",
            "categories": [OSC8, "cs.\x9b31mLG"],
            "topics": ["rain\u202e"],
            "authors": ["Ann\x07 Lee"],
            "url": "https://a.example/x)[phish](https://evil.example",
        },
        {"id": "base-4983", "title": "Snow removal", "abstract": "We remove snow from photos."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = paperlens(d / "data", "import", str(src), "--format", "jsonl")
    assert r.returncode == 0, r.stderr[-2000:]
    return d / "data"


def test_show_prints_no_escape_from_an_imported_category(data: Path) -> None:
    for args in (["show", "x:esc"], ["show", "x:esc", "--json"], ["search", "rain removal"]):
        r = paperlens(data, *args)
        assert r.returncode == 0, r.stderr[-2000:]
        assert not [c for c in TERMINAL_ACTS_ON if c in r.stdout], (args, r.stdout)
    r = paperlens(data, "show", "x:esc")
    assert "categories: cs.CV, cs.LG" in r.stdout and "](https://evil" not in r.stdout


def test_ask_prints_no_escape_and_no_foreign_reference_from_the_model(data: Path) -> None:
    reply = (
        "Rain is removed by \x1b]8;;https://evil.example\x1b\\a learned filter\x1b]8;;\x1b\\ [1].\x1b[2J "
        "See www.evil.example/paper, doi:10.9999/evil.1 and base-4983\u200b."
    )
    with OpenAIServer(lambda body: reply) as srv:
        r = paperlens(
            data,
            "ask",
            "how",
            "is",
            "rain",
            "removed",
            "from",
            "photos",
            PAPERLENS_LLM_PROVIDER="openai",
            PAPERLENS_LLM_BASE_URL=srv.base_url,
            PAPERLENS_LLM_API_KEY="sk-test",
        )
    assert r.returncode == 0, r.stderr[-2000:]
    answer = r.stdout
    assert "provider: openai" in answer and "a learned filter" in answer
    assert not [c for c in TERMINAL_ACTS_ON if c in answer], answer
    assert "a learned filter [1]" in answer  # the model's text, its escapes and the foreign link gone
    assert "www.evil" not in answer and "10.9999" not in answer and "base-4983" not in answer, answer
