"""`paperlens backup` and `paperlens restore`."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.text import emit
from index.progress import progress


def cmd_backup(a: argparse.Namespace) -> int:
    """`backup PATH` and `restore PATH`: neither opens the index (a restore must not hold it open)."""
    from index.backup import backup, restore
    from index.config import IndexSettings

    settings = IndexSettings()
    if a.command == "backup":
        with progress("backup", None) as advance:
            done = [0]

            def step(copied: int, total: int) -> None:
                advance(copied - done[0])
                done[0] = copied

            manifest = backup(settings, Path(a.path), step)
        verb = f"Backed up {settings.data_dir} to {Path(a.path).absolute()}"
    else:
        manifest = restore(settings, Path(a.path), force=a.force)
        verb = f"Restored {Path(a.path).absolute()} into {settings.data_dir}"
    if a.json:
        emit(manifest)
    else:
        size = sum(f["bytes"] for f in manifest["files"].values())
        print(f"{verb}: {manifest['papers']} papers, {len(manifest['files'])} files, {size / 1e6:.1f} MB.")
    return 0
