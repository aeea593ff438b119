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
    cache = sample_copy / "bm25.npz"
    assert cli(sample_copy, "search", "nerf", "--mode", "bm25").returncode == 0  # builds the cache
    assert cache.exists()
    cache.write_bytes(b"\x80\x05garbage")
    r = cli(sample_copy, "search", "MambaMorph", "--mode", "bm25", "-k", "1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)[0]["id"] == "2401.13934"
    assert "BM25 cache is damaged" in r.stderr


def test_a_50_mb_line_costs_only_itself(tmp_path: Path) -> None:
    """One JSONL line with a 50 MB abstract, between good lines, through the real CLI and both encoders:
    before the fix it took the process to 7.85 GB and then 'Unable to allocate 50.0 GiB', and no line landed."""
    src = tmp_path / "papers.jsonl"
    with src.open("w") as fh:
        fh.write(
            json.dumps({"id": "good:1", "title": "NeRF in the rain", "abstract": "Waterdrops on lenses."})
            + "\n"
        )
        fh.write(json.dumps({"id": "huge", "title": "Huge", "abstract": "x " * (25 * 2**20)}) + "\n")
        fh.write(
            json.dumps({"id": "good:2", "title": "Mamba registration", "abstract": "Deformable alignment."})
            + "\n"
        )
    code = (
        "import sys; from cli.main import main; from lab.bench_search import rss_mb; "
        "rc = main(sys.argv[1:]); "
        # VmHWM, this process's own peak: getrusage's ru_maxrss carries the forking parent's (pytest's) peak
        "print('PEAK_RSS_MB', int(rss_mb('VmHWM')), file=sys.stderr); "
        "sys.exit(rc)"
    )
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(tmp_path / "data"), "PAPERLENS_MULTILINGUAL": "true"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    first = (
        tmp_path / "first.jsonl"
    )  # a first import measures this machine's encoder paths (once): not this line's cost
    first.write_text(
        json.dumps({"id": "good:0", "title": "A first paper", "abstract": "Radiance fields."}) + "\n"
    )
    subprocess.run(
        [sys.executable, "-m", "cli.main", "import", str(first), "--format", "jsonl"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    r = subprocess.run(
        [sys.executable, "-c", code, "import", str(src), "--format", "jsonl", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads(r.stdout)
    assert report["added"] == 2 and [b["line"] for b in report["bad"]] == [2]
    assert "bytes (at most 1,048,576)" in report["bad"][0]["reason"]
    peak = int(r.stderr.split("PEAK_RSS_MB")[1].split()[0])
    print(
        f"DRILL: 50 MB line: rc 0, 2 good lines landed, line 2 reported, peak RSS {peak} MB (models included)"
    )
    assert peak < 2500, f"peak RSS {peak} MB"


def test_storage_and_settings_faults_exit_2_with_one_line(sample_copy: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(sample_copy), "PAPERLENS_EMBED_DTYPE": "bogus"}
    r = subprocess.run(
        [sys.executable, "-m", "cli.main", "stats"], capture_output=True, text=True, env=env, timeout=300
    )
    assert r.returncode == 2 and "PAPERLENS_EMBED_DTYPE" in r.stderr and "Traceback" not in r.stderr
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "papers.db").write_bytes(b"this is not a database at all" * 100)
    for args in (["stats"], ["search", "nerf"], ["check"]):
        r = cli(damaged, *args)
        assert r.returncode == 2 and "cannot be read" in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_check_reports_agreement_and_damage(sample_copy: Path) -> None:
    r = cli(sample_copy, "check", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == {"papers": 40, "problems": [], "ok": True}
    (sample_copy / "dense.npz").write_bytes(b"garbage")
    r = cli(sample_copy, "check")
    assert r.returncode == 2 and "dense index file does not match the store" in r.stdout
