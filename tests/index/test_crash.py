"""Crash safety: SIGKILL an import at several points; after restart store and index agree.

Each round kills at a point chosen by progress, not by the clock: when the store (read from outside, as
another process would) holds a random number of the papers still to import. A timed kill stopped working
once imports got fast enough to finish before the first signal; progress holds on any machine.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.config import IndexSettings
from index.paperindex import PaperIndex

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("PAPERLENS_DRILL_ROUNDS", "4"))
N = int(os.environ.get("PAPERLENS_DRILL_PAPERS", "3000"))


def write_corpus(path: Path, n: int) -> None:
    rng = random.Random(7)
    words = [
        "nerf",
        "gaussian",
        "registration",
        "segmentation",
        "lesion",
        "mamba",
        "diffusion",
        "depth",
        "pose",
        "rain",
        "ct",
        "mri",
    ]
    with path.open("w") as fh:
        for i in range(n):
            text = " ".join(rng.choice(words) for _ in range(12))
            fh.write(
                json.dumps({"id": f"syn:{i}", "title": f"Paper {i} on {text[:20]}", "abstract": text}) + "\n"
            )


def env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PAPERLENS_DATA_DIR": str(data),
        "PAPERLENS_MULTILINGUAL": "false",
        "PAPERLENS_SAVE_INTERVAL_SECONDS": "0.3",
    }


def stored(data: Path) -> int:
    """Papers committed so far, read-only from outside the importing process (0 before the store exists)."""
    db = data / "papers.db"
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
        try:
            return int(con.execute("SELECT COUNT(*) FROM papers").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:  # created but no schema yet, or busy: nothing committed to count
        return 0


def kill_at(proc: subprocess.Popen[bytes], data: Path, target: int) -> bool:
    """SIGKILL once the store holds ``target`` papers; False if the import ended first."""
    while proc.poll() is None:
        if stored(data) >= target:
            proc.send_signal(signal.SIGKILL)
            return True
        time.sleep(0.01)
    return False


def test_sigkill_during_import_leaves_store_and_index_consistent(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    write_corpus(corpus, N)
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "cli.main", "import", str(corpus), "--format", "jsonl"]
    rng = random.Random(1234)
    killed = 0
    for _ in range(ROUNDS):
        before = stored(data)
        if before >= N:
            break
        # Between the first commit of this run and most of what is left: kills land after a store commit,
        # while later batches embed, and around index saves.
        target = before + rng.randint(1, max(1, (N - before) * 3 // 4))
        proc = subprocess.Popen(cmd, env=env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hit = kill_at(proc, data, target)
        killed += hit
        print(
            f"round: {before} stored, kill at {target}: {'killed' if hit else 'finished'}, {stored(data)} after"
        )
        proc.wait()
        ix = PaperIndex(IndexSettings(_env_file=None, data_dir=data, multilingual=False))
        ix.repair()  # open: reconcile with the store
        state = ix.check()
        ix.close()
        assert state["duplicate_ids"] == 0
        assert state["dense"]["agree"], state
    assert killed >= 1, "every import finished before its kill point; raise PAPERLENS_DRILL_PAPERS"
    done = subprocess.run(cmd, env=env(data), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=data, multilingual=False))
    state = ix.check()
    ix.close()
    assert state["papers"] == N and state["dense"] == {"vectors": N, "agree": True}
