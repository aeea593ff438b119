"""Crash safety: SIGKILL an import at several points; after restart store and index agree."""

from __future__ import annotations

import json
import os
import random
import signal
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
    words = ["nerf", "gaussian", "registration", "segmentation", "lesion", "mamba", "diffusion", "depth", "pose", "rain", "ct", "mri"]
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


def test_sigkill_during_import_leaves_store_and_index_consistent(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    write_corpus(corpus, N)
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "cli.main", "import", str(corpus), "--format", "jsonl"]
    rng = random.Random(1234)
    killed = 0
    for _ in range(ROUNDS):
        proc = subprocess.Popen(cmd, env=env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 5.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        ix = PaperIndex(IndexSettings(_env_file=None, data_dir=data, multilingual=False))
        ix.vectors()  # open: reconcile with the store
        state = ix.check()
        ix.close()
        assert state["duplicate_ids"] == 0
        assert state["dense"]["agree"], state
    assert killed >= 1, "no round was killed mid-import; raise PAPERLENS_DRILL_PAPERS"
    done = subprocess.run(cmd, env=env(data), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=data, multilingual=False))
    state = ix.check()
    ix.close()
    assert state["papers"] == N and state["dense"] == {"vectors": N, "agree": True}
