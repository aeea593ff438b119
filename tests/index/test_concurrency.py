"""One PaperIndex shared by writers and readers at once (the bot's digest refresh ingesting while /search
and the API read): no crash, no error, every hit a stored paper, store and index agreeing afterwards.

Without the index's readers-writer lock this run dies with a segmentation fault: an exact search was
multiplying against vector storage that a concurrent ``add`` had just reallocated and unmapped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("PAPERLENS_DRILL_ROUNDS", "1"))


@pytest.mark.parametrize("round_", range(min(ROUNDS, 3)))
def test_concurrent_ingest_and_searches_never_crash_or_err(tmp_path: Path, round_: int) -> None:
    extra = "30000" if ROUNDS > 1 else "12000"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.helpers.race_search", str(tmp_path / "data"), "1000", extra, "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"rc {proc.returncode} (negative: killed by a signal)\n{proc.stdout}\n{proc.stderr[-3000:]}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["errors"] == [] and out["searches"] > 0 and out["hits"] > 0
    assert out["papers"] == 1000 + int(extra) and out["agree"]
