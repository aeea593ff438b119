"""Backup and restore of an embedded index: the SQLite store through SQLite's online backup (a consistent
snapshot, safe while the bot and searches run) and the derived index files beside it.

A backup is a directory: ``papers.db``, the index files, and ``paperlens-backup.json`` (paper count,
store generation, each file's size and SHA-256). It is written as ``PATH.partial`` and renamed into place
only when complete, so a backup killed midway leaves no directory that looks like a backup. The index
files are copied before the store's snapshot: they are never newer than the store, and on open they catch
up with it (index/spaces/), so a restored index always agrees with its store.

Restore checks every file against the manifest and the database's integrity, stages the copy beside the
data directory, and swaps it in with one rename; the index it replaces is kept aside, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.config import IndexSettings
from index.errors import ConfigError, StorageError
from index.storage.files import fsync_dir

MANIFEST = "paperlens-backup.json"
DB = "papers.db"
FORMAT = 1
PAGES_PER_STEP = 1024


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _embedded(settings: IndexSettings) -> Path:
    if settings.backend != "embedded":
        raise ConfigError(
            "backup and restore cover the embedded backend; for PostgreSQL use pg_dump and pg_restore "
            "(the index lives in the database)."
        )
    return settings.data_dir


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def backup(
    settings: IndexSettings, target: Path, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Back up the data directory into the new directory ``target``; the manifest.

    Args:
        settings: whose data directory is backed up (embedded backend only).
        target: a new or empty directory outside the data directory.
        progress: called with (pages copied, pages in all) as the store is copied.
    """
    data_dir = _embedded(settings)
    source = data_dir / DB
    if not source.exists():
        raise StorageError(f"There is no index in {data_dir} to back up.")
    target = target.expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target} already exists: back up into a new (or empty) directory.")
    if target == data_dir or data_dir in target.parents:
        raise ConfigError("Back up to a directory outside the data directory.")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for f in sorted(data_dir.glob("*.npz")):  # derived files first: never newer than the snapshot
        shutil.copyfile(f, partial / f.name)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial / DB)
    try:
        step = (lambda status, remaining, total: progress(total - remaining, total)) if progress else None
        src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        papers = int(dst.execute("SELECT COUNT(*) FROM papers").fetchone()[0])
        row = dst.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise StorageError(
            f"The snapshot failed SQLite's integrity check ({check}); the store may be damaged."
        )
    files = sorted(p for p in partial.iterdir() if p.is_file())
    for p in files:
        _fsync(p)
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(data_dir),
        "papers": papers,
        "generation": int(row[0]) if row else 0,
        "files": {p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files},
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _fsync(partial / MANIFEST)
    fsync_dir(partial)
    if target.exists():
        target.rmdir()
    os.replace(partial, target)
    fsync_dir(target.parent)
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a complete backup, every file checked against it; errors say what is wrong."""
    path = source.expanduser().absolute() / MANIFEST
    if not path.exists():
        raise ConfigError(
            f"{source} is not a complete PaperLens backup (no {MANIFEST}; a backup that was interrupted "
            "is left as NAME.partial and cannot be restored)."
        )
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or DB not in manifest.get("files", {}):
        raise ConfigError(f"{path} is not a backup manifest this version of PaperLens can read.")
    for name, meta in manifest["files"].items():
        f = path.parent / name
        if not f.is_file() or f.stat().st_size != meta["bytes"] or _sha256(f) != meta["sha256"]:
            raise StorageError(f"The backup is damaged: {name} does not match its manifest.")
    return manifest


def restore(settings: IndexSettings, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Replace the data directory's index with a backup; the manifest. Stop the bot and API first.

    Args:
        settings: whose data directory receives the backup.
        source: a directory written by :func:`backup`.
        force: replace an index that holds papers (it is kept aside as ``DATA_DIR.before-restore-TIME``).
    """
    data_dir = _embedded(settings)
    manifest = read_manifest(source)
    held = data_dir / DB
    if held.exists() and not force:
        raise ConfigError(
            f"{data_dir} already holds an index: pass --force to replace it (it is kept aside, not deleted)."
        )
    staging = data_dir.with_name(data_dir.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in manifest["files"]:
        shutil.copyfile(source.expanduser().absolute() / name, staging / name)
        _fsync(staging / name)
    db = sqlite3.connect(staging / DB)
    try:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    if check != "ok":
        raise StorageError(f"The backup's store failed SQLite's integrity check ({check}).")
    fsync_dir(staging)
    if data_dir.exists() and not any(data_dir.iterdir()):
        data_dir.rmdir()
    elif data_dir.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        os.replace(data_dir, data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}"))
    os.replace(staging, data_dir)
    fsync_dir(data_dir.parent)
    return manifest
