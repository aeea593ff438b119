"""`paperlens backup` / `restore`: a backup taken while searches and an ingest run restores to an index that
agrees with itself and equals the snapshot; a backup killed midway leaves nothing that restores."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from index.backup import MANIFEST, backup, read_manifest, restore
from index.config import IndexSettings
from index.errors import ConfigError, StorageError
from index.paperindex import PaperIndex
from tests.helpers.factories import paper
from tests.helpers.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
WORDS = [
    "nerf",
    "gaussian",
    "splatting",
    "registration",
    "segmentation",
    "ct",
    "mri",
    "lesion",
    "depth",
    "diffusion",
]


def papers(start: int, n: int) -> list[tuple[int, object]]:
    return [
        (
            i,
            paper(
                f"2401.{i:05d}", f"Paper {i} on {WORDS[i % 10]}", f"{WORDS[i % 10]} {WORDS[i % 7]} study {i}"
            ),
        )
        for i in range(start, start + n)
    ]


def settings(path: Path) -> IndexSettings:
    return IndexSettings(_env_file=None, data_dir=path, multilingual=False)


def open_index(path: Path) -> PaperIndex:
    return PaperIndex(settings(path), embedder=FakeEmbedder())


def test_a_backup_taken_while_searches_run_restores_to_an_identical_index(tmp_path: Path) -> None:
    ix = open_index(tmp_path / "live")
    ix.ingest(papers(0, 3000), "seed")
    queries = [f"{a} {b}" for a in WORDS for b in WORDS[:3]]
    expected = {q: [h.paper.id for h in ix.search(q, k=5)] for q in queries}
    stop = threading.Event()
    errors: list[BaseException] = []
    searched = [0]

    def searcher() -> None:
        while not stop.is_set():
            try:
                for q in queries:
                    ix.search(q, k=5)
                    searched[0] += 1
            except BaseException as e:
                errors.append(e)
                return

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        manifest = backup(settings(tmp_path / "live"), tmp_path / "bk")
    finally:
        stop.set()
        for t in threads:
            t.join()
        ix.close()
    assert not errors and searched[0] > 0
    assert manifest["papers"] == 3000 and (tmp_path / "bk" / MANIFEST).exists()
    restore(settings(tmp_path / "fresh"), tmp_path / "bk")
    back = open_index(tmp_path / "fresh")
    try:
        report = back.check()
        assert report["papers"] == 3000 and report["duplicate_ids"] == 0 and report["dense"]["agree"]
        assert {q: [h.paper.id for h in back.search(q, k=5)] for q in queries} == expected
    finally:
        back.close()


def test_a_backup_during_an_ingest_restores_a_consistent_snapshot(tmp_path: Path) -> None:
    ix = open_index(tmp_path / "live")
    ix.ingest(papers(0, 1000), "seed")
    writer = threading.Thread(target=lambda: ix.ingest(papers(1000, 4000), "more"))
    writer.start()
    try:
        manifest = backup(settings(tmp_path / "live"), tmp_path / "bk")
    finally:
        writer.join()
        ix.close()
    restore(settings(tmp_path / "fresh"), tmp_path / "bk")
    back = open_index(tmp_path / "fresh")
    try:
        report = back.check()
        assert report["papers"] == manifest["papers"] and 1000 <= report["papers"] <= 5000
        assert back.stats()["papers"] == manifest["papers"]
        back.search("nerf", k=3)  # the indexes caught up with the snapshot on open
        assert back.check()["dense"]["agree"]
    finally:
        back.close()


KILLED = """
import sys, time
from pathlib import Path
import index.backup
from index.backup import backup
from index.config import IndexSettings
index.backup.PAGES_PER_STEP = 16  # small steps, so the kill lands inside the store's copy
def slow(copied, total):
    print("copying", copied, total, flush=True)
    time.sleep(30)
backup(IndexSettings(_env_file=None, data_dir=Path(sys.argv[1]), multilingual=False), Path(sys.argv[2]), slow)
"""


def test_a_backup_killed_midway_leaves_nothing_that_restores(tmp_path: Path) -> None:
    ix = open_index(tmp_path / "live")
    ix.ingest(papers(0, 3000), "seed")
    ix.close()
    target = tmp_path / "bk"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(tmp_path / "live"), str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    _, copied, total = proc.stdout.readline().split()
    assert 0 < int(copied) < int(total)  # killed inside SQLite's backup, part of the store copied
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not target.exists() and (tmp_path / "bk.partial").is_dir()
    with pytest.raises(ConfigError, match="not a complete PaperLens backup"):
        restore(settings(tmp_path / "fresh"), tmp_path / "bk.partial")
    assert not (tmp_path / "fresh").exists()
    manifest = backup(settings(tmp_path / "live"), target)  # the next backup succeeds
    assert manifest["papers"] == 3000 and not (tmp_path / "bk.partial").exists()


def test_restore_refuses_a_damaged_backup_and_keeps_a_replaced_index(tmp_path: Path) -> None:
    ix = open_index(tmp_path / "live")
    ix.ingest(papers(0, 50), "seed")
    ix.close()
    backup(settings(tmp_path / "live"), tmp_path / "bk")
    with pytest.raises(ConfigError, match="already holds an index"):
        restore(settings(tmp_path / "live"), tmp_path / "bk")
    restore(settings(tmp_path / "live"), tmp_path / "bk", force=True)
    assert len(list(tmp_path.glob("live.before-restore-*"))) == 1
    with (tmp_path / "bk" / "dense.npz").open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\0" * 8)
    with pytest.raises(StorageError, match="damaged"):
        read_manifest(tmp_path / "bk")
    with pytest.raises(ConfigError, match="new"):
        backup(settings(tmp_path / "live"), tmp_path / "bk")
