"""A new user's first run (issue 25, point 5): a fresh data directory and a fresh cache, so the sample is
imported, the query model exported to ONNX and the encoders measured, as on a new machine. The screen shows
one line saying what is prepared and why, the import's summary, and no library's warnings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.tty import ROOT

pytestmark = pytest.mark.slow


def test_the_first_run_says_what_it_prepares_in_one_line_and_shows_no_warnings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PAPERLENS_DATA_DIR": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # the ONNX exports and the encoder measurement
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("DISCORD_TOKEN", None)
    r = subprocess.run(
        [sys.executable, "-m", "cli.main", "run"],
        input="quit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert list((tmp_path / "cache").rglob("*.onnx")), "the first run prepared no ONNX export"
    err = r.stderr
    assert not re.search(r"\w+Warning: ", err), err  # TracerWarning, UserWarning: nothing from the export
    assert "Failed to infer data type" not in err, err
    said = [line for line in err.splitlines() if line.startswith("First run: ")]
    assert len(said) == 1, err
    assert str(tmp_path / "data") in said[0] and "40 papers" in said[0] and "once" in said[0]
    assert "40 added" in err
