"""The data directory's files as the operating system sees them: whether they can be written (read-only is
not damaged, and the advice differs), SQLite's side files left read-only by an earlier permission fault, and
temporary files of index saves that a killed process left behind.

A read-only store (a read-only file system, a directory without write permission, a ``papers.db`` of mode
444) is healthy: the fix is a permission, never "move papers.db aside and import again", which would throw
the papers away.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from index.errors import StorageError

log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm")
FRESH_SECONDS = 60
# A temporary file of DataDirFiles.write_atomic: '.' + the file's name + '.' + mkstemp's 8 random characters.
_TEMP = re.compile(r"\.[\w.-]+\.[a-z0-9_]{8}")


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))[2:]


def _writable(path: Path) -> OSError | None:
    """The error writing to ``path`` would raise (a directory: creating a file in it), or None.

    Tried, not asked (``os.access``): the answer then holds for root, for ACLs and for read-only mounts alike.
    """
    try:
        if path.is_dir():
            probe = path / f".paperlens-write-probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
    except OSError as e:
        return e
    return None


def read_only_error(data_dir: Path, db: Path) -> StorageError | None:
    """What keeps the store from being written, as a StorageError that says what and how to fix it; None
    when the data directory and its database files can be written."""
    healthy = "The store is not damaged: do not move papers.db aside."
    targets = [data_dir, *(p for p in (db, *(Path(f"{db}{s}") for s in SIDE_FILES)) if p.exists())]
    for path in targets:
        err = _writable(path)
        if err is None:
            continue
        if err.errno == errno.EROFS:
            return StorageError(
                f"{data_dir} is on a read-only file system, so PaperLens cannot write its store. {healthy} "
                "Remount it read-write, or copy the data directory to writable storage and point "
                "PAPERLENS_DATA_DIR at the copy."
            )
        if isinstance(err, PermissionError):
            what = "The data directory" if path == data_dir else "The file"
            return StorageError(
                f"{what} {path} is read-only (mode {_mode(path)}) for this user, so PaperLens cannot write its "
                f"store. {healthy} Give the user write permission (chmod u+w {path}, or chown it to the user "
                "that runs PaperLens) and run the command again."
            )
    return None


def damaged_error(db: Path, found: str) -> StorageError:
    """The error for a database SQLite finds damaged, naming what it found and the next step."""
    return StorageError(
        f"{db} is damaged (SQLite reports: {found[:300]}); PaperLens will not write into it. `paperlens check` "
        "lists the problems. Restore a backup (`paperlens restore PATH`), or move papers.db aside and import "
        "your papers again."
    )


def sqlite_error(e: sqlite3.DatabaseError, data_dir: Path, db: Path, writing: bool = True) -> Exception:
    """A failed open or write, said as what it is: read-only storage (healthy: a permission to fix), a
    database SQLite finds damaged when writing (at open, errors.explain says it cannot be read), or the
    error itself (busy, full disk: errors.explain words those)."""
    text = str(e)
    if isinstance(e, sqlite3.OperationalError) and "readonly" in text.replace("-", "").replace(" ", ""):
        return read_only_error(data_dir, db) or StorageError(
            f"{db} could not be written ({text}): its file or directory is read-only. The store is not "
            "damaged: make the data directory and its papers.db* files writable and run the command again."
        )
    if writing and any(w in text for w in ("malformed", "corrupt", "not a database")):
        return damaged_error(db, text)
    return e


def prepare_data_dir(data_dir: Path, db: Path) -> None:
    """Create the data directory if needed and make sure the store can be written there.

    Raises:
        StorageError: the directory, the database or one of its side files is read-only (what, and the fix).
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise (read_only_error(data_dir.parent, db) or e) from e
    repair_side_files(db)
    refused = read_only_error(data_dir, db)
    if refused is not None:
        raise refused


def quick_check(conn: sqlite3.Connection, db: Path) -> None:
    """SQLite's quick_check of the open database.

    Raises:
        StorageError: the database is damaged (what SQLite found, and the next step).
    """
    try:
        found = [str(r[0]) for r in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as e:
        raise damaged_error(db, str(e)) from e
    if found != ["ok"]:
        raise damaged_error(db, "; ".join(found))


def repair_side_files(db: Path) -> None:
    """Give SQLite's ``-wal``/``-shm`` files the database's own permissions when they lack write permission
    it has. SQLite creates them with the database's mode: after a read-only ``papers.db`` is made writable
    again, a ``papers.db-shm`` created meanwhile stays read-only and every write fails on it."""
    if not db.exists():
        return
    mode = stat.S_IMODE(db.stat().st_mode)
    for suffix in SIDE_FILES:
        side = Path(f"{db}{suffix}")
        try:
            have = stat.S_IMODE(side.stat().st_mode)
            if have & mode != mode:
                os.chmod(side, have | mode)
                log.info("%s was read-only; gave it the database's permissions", side.name)
        except OSError:
            continue  # absent, or not ours to change: read_only_error names it


def remove_stale_temps(data_dir: Path) -> list[str]:
    """Delete temporary files that an index save killed midway left behind (``.multilingual.npz.ab12cd34``).

    A save in progress holds an exclusive lock on its temporary file (see ``DataDirFiles.write_atomic``), so
    only files no live process is writing are removed. Returns their names.
    """
    removed: list[str] = []
    try:
        entries = list(data_dir.iterdir())
    except OSError:
        return removed
    for path in entries:
        if not _TEMP.fullmatch(path.name) or not path.is_file() or path.is_symlink():
            continue
        try:
            if time.time() - path.stat().st_mtime < FRESH_SECONDS:
                continue  # perhaps created a moment ago, its lock not yet taken
        except OSError:
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a save in progress
        else:
            try:
                path.unlink()
                removed.append(path.name)
            except OSError:
                pass
        finally:
            os.close(fd)
    if removed:
        log.warning(
            "removed %d temporary file(s) left by an interrupted index save: %s",
            len(removed),
            ", ".join(removed),
        )
    return removed


def fsync_dir(path: Path) -> None:
    """Fsync a directory so a rename inside it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DataDirFiles:
    """Derived files (index caches) in the data directory, written atomically. Shared by both stores."""

    data_dir: Path

    def file(self, name: str) -> Path:
        """Path of a derived file in the data directory (read side)."""
        return self.data_dir / name

    def write_atomic(self, name: str, write: Callable[[BinaryIO], object]) -> None:
        """Write a derived file atomically: temp file, fsync, rename, fsync the directory. The temporary file
        is locked while it is written, so a killed save's leftover can be told from a save in progress."""
        target = self.data_dir / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.data_dir)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # while held, remove_stale_temps leaves the file alone
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            fsync_dir(self.data_dir)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove_file(self, name: str) -> None:
        (self.data_dir / name).unlink(missing_ok=True)
