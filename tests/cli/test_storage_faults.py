"""Read-only storage is not damage, and damage is not written into (issue 27, item 11). Real `paperlens`
processes over a real store; as root, the processes run without the capability to override file permissions,
so a mode of 444 or 555 means for them what it means for any user."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AS_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def paperlens(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(data), "PAPERLENS_MULTILINGUAL": "false"}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [*AS_USER, sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if AS_USER and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    d = tmp_path_factory.mktemp("store")
    src = d / "papers.jsonl"
    src.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"p:{i}",
                    "title": f"Paper {i} about rain",
                    "abstract": f"MARK{i:04d}X removing rain from images, number {i}.",
                }
            )
            + "\n"
            for i in range(300)
        )
    )
    r = paperlens(d / "data", "import", str(src), "--format", "jsonl")
    assert r.returncode == 0, r.stderr[-2000:]
    return d / "data"


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    shutil.copytree(base_store, data)
    yield data
    for p in (data, *data.iterdir()):
        p.chmod(0o755 if p.is_dir() else 0o644)  # so pytest can clean up


@pytest.fixture
def new_paper(tmp_path: Path) -> Path:
    f = tmp_path / "new.jsonl"
    f.write_text(json.dumps({"id": "n:1", "title": "Snow removal", "abstract": "We remove snow."}) + "\n")
    return f


def assert_read_only_said(r: subprocess.CompletedProcess[str], what: str) -> None:
    assert r.returncode == 2, r.stderr[-2000:]
    assert what in r.stderr and "is not damaged" in r.stderr, r.stderr[-2000:]
    assert "cannot be read" not in r.stderr and "Traceback" not in r.stderr


def test_a_read_only_papers_db_is_said_so_and_a_read_only_shm_left_behind_is_repaired(
    store: Path, new_paper: Path
) -> None:
    db = store / "papers.db"
    db.chmod(0o444)
    r = paperlens(store, "import", str(new_paper), "--format", "jsonl")
    assert_read_only_said(r, f"{db} is read-only (mode 444)")
    assert "chmod u+w" in r.stderr
    # A reader of the read-only store (here plain SQLite) leaves papers.db-shm behind with mode 444 ...
    opened = subprocess.run(
        [
            *AS_USER,
            sys.executable,
            "-c",
            f"import sqlite3; sqlite3.connect({str(db)!r}).execute('SELECT 1 FROM papers')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert opened.returncode == 0, opened.stderr
    assert (store / "papers.db-shm").stat().st_mode & 0o222 == 0
    db.chmod(0o644)  # ... and after the permission fix, imports work again
    r = paperlens(store, "import", str(new_paper), "--format", "jsonl")
    assert r.returncode == 0 and "1 added" in r.stdout, r.stderr[-2000:]


def test_a_read_only_data_directory_is_said_so_and_recovers(store: Path, new_paper: Path) -> None:
    store.chmod(0o555)
    r = paperlens(store, "import", str(new_paper), "--format", "jsonl")
    assert_read_only_said(r, f"The data directory {store} is read-only (mode 555)")
    store.chmod(0o755)
    r = paperlens(store, "import", str(new_paper), "--format", "jsonl")
    assert r.returncode == 0 and "1 added" in r.stdout, r.stderr[-2000:]


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare to mount"
)
def test_a_read_only_file_system_is_said_so(store: Path, new_paper: Path) -> None:
    env = {**os.environ, "PAPERLENS_DATA_DIR": str(store), "PAPERLENS_MULTILINGUAL": "false"}
    script = (
        f"mount --bind {store} {store} && mount -o remount,bind,ro {store} && "
        f"exec {sys.executable} -m cli.main import {new_paper} --format jsonl"
    )
    r = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )
    if "mount:" in r.stderr:
        pytest.skip(f"cannot mount here: {r.stderr.strip()[:200]}")
    assert_read_only_said(r, "is on a read-only file system")


def test_a_damaged_store_is_not_written_into(store: Path, new_paper: Path) -> None:
    db = store / "papers.db"
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    page = (
        data.find(b"MARK0150X") // page_size
    )  # a leaf page of the papers table, far from where rows are added
    data[page * page_size] = 0  # not a b-tree page type: a corrupt page
    db.write_bytes(bytes(data))
    assert paperlens(store, "check").returncode == 2
    r = paperlens(store, "import", str(new_paper), "--format", "jsonl")
    assert r.returncode == 2 and "is damaged" in r.stderr and "will not write" in r.stderr, r.stderr[-2000:]
    rows = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        "SELECT COUNT(*) FROM papers WHERE id='n:1'"
    )
    assert rows.fetchone()[0] == 0
