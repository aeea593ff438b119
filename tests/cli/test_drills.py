"""Fault drills that are fast enough for every run (the long SIGKILL drill is `make drills`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(data), "PAPERLENS_MULTILINGUAL": "true"}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "empty"])
def test_damaged_index_file_is_detected_rebuilt_and_logged(sample_copy: Path, damage: str) -> None:
    f = sample_copy / "dense.npz"
    if damage == "truncate":
        f.write_bytes(f.read_bytes()[:1000])
    elif damage == "garbage":
        f.write_bytes(os.urandom(5000))
    elif damage == "delete":
        f.unlink()
    else:
        f.write_bytes(b"")
    r = cli(sample_copy, "search", "waterdrop removal", "-k", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["id"] == "2403.20013"
    assert ("damaged" in r.stderr) or ("missing" in r.stderr)
    r = cli(sample_copy, "stats", "--json")  # repaired on disk: the next start is quiet
    assert r.returncode == 0 and "damaged" not in r.stderr and "missing" not in r.stderr


def test_damaged_bm25_cache_is_rebuilt(sample_copy: Path) -> None:
    cache = sample_copy / "bm25.pkl"
    assert cli(sample_copy, "search", "nerf", "--mode", "bm25").returncode == 0  # builds the cache
    assert cache.exists()
    cache.write_bytes(b"\x80\x05garbage")
    r = cli(sample_copy, "search", "MambaMorph", "--mode", "bm25", "-k", "1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)[0]["id"] == "2401.13934"
    assert "BM25 cache is damaged" in r.stderr
