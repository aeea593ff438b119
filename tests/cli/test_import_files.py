"""`paperlens import` of what is not a file of papers (issue 27, item 10): a FIFO or a link to /dev/zero is
refused at once, a file of millions of bad lines costs bounded memory and messages, and an import where every
line is bad fails. Real processes, real FIFOs and files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


# `paperlens`, reporting its own peak memory on its last line of stderr.
_MEASURED = """
import resource, sys
from cli.main import main
rc = main(sys.argv[1:])
print(f"peak-rss-mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", file=sys.stderr)
sys.exit(rc)
"""


def paperlens(data: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(data), "PAPERLENS_MULTILINGUAL": "false"}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
    )


def peak_mb(r: subprocess.CompletedProcess[str]) -> int:
    return int(r.stderr.strip().splitlines()[-1].split()[-1])


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "papers.jsonl"
    os.mkfifo(fifo)  # nobody ever writes to it: reading it would wait for ever
    r = paperlens(tmp_path / "data", "import", str(fifo), "--format", "jsonl", timeout=30)
    assert r.returncode == 2 and "named pipe (FIFO), not a regular file" in r.stderr, r.stderr


def test_a_link_to_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    link = tmp_path / "papers.md"
    link.symlink_to("/dev/zero")  # an endless line: before, the import never returned
    r = paperlens(tmp_path / "data", "import", str(link), "--format", "table", timeout=30)
    assert r.returncode == 2 and "character device" in r.stderr and "/dev/zero" in r.stderr, r.stderr


def test_a_file_of_only_bad_lines_fails_with_bounded_memory_and_messages(tmp_path: Path) -> None:
    files = {}
    for n in (10, 400_000):
        files[n] = tmp_path / f"bad{n}.jsonl"
        with files[n].open("w") as fh:
            fh.writelines(f"not json {i}\n" for i in range(n))
    small = paperlens(tmp_path / "small", "import", str(files[10]), "--format", "jsonl", timeout=300)
    r = paperlens(tmp_path / "data", "import", str(files[400_000]), "--format", "jsonl", timeout=300)
    assert small.returncode == 2 and r.returncode == 2, r.stderr[-2000:]
    assert "nothing could be imported" in r.stderr and "all 400,000 of its lines were bad" in r.stderr
    assert "400000 bad" in r.stdout  # the report still counts every bad line
    # A bounded number of messages (20 lines and a count): before, one per bad line (42 MB of them).
    assert len(r.stderr) < 20_000 and r.stderr.count("skipped") <= 21, len(r.stderr)
    # Memory does not grow with the bad lines: before, their reports took 167 MB more than 10 bad lines did.
    assert peak_mb(r) - peak_mb(small) < 50, (peak_mb(r), peak_mb(small))


def test_a_file_with_good_and_bad_lines_still_succeeds(tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_text('{"id": "x:1", "title": "Rain removal", "abstract": "We remove rain."}\ngarbage\n')
    r = paperlens(tmp_path / "data", "import", str(f), "--format", "jsonl", timeout=300)
    assert r.returncode == 0 and "1 added" in r.stdout and "1 bad" in r.stdout, r.stderr[-2000:]
