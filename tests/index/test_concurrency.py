"""One PaperIndex shared by writers and readers at once (the bot's digest refresh ingesting while /search
and the API read): no crash, no error, every hit a stored paper, store and index agreeing afterwards.

Without the index's readers-writer lock this run dies with a segmentation fault: an exact search was
multiplying against vector storage that a concurrent ``add`` had just reallocated and unmapped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("PAPERLENS_DRILL_ROUNDS", "1"))


@pytest.mark.parametrize("round_", range(min(ROUNDS, 3)))
def test_concurrent_ingest_and_searches_never_crash_or_err(tmp_path: Path, round_: int) -> None:
    extra = "30000" if ROUNDS > 1 else "12000"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.helpers.race_search", str(tmp_path / "data"), "1000", extra, "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"rc {proc.returncode} (negative: killed by a signal)\n{proc.stdout}\n{proc.stderr[-3000:]}"
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["errors"] == [] and out["searches"] > 0 and out["hits"] > 0
    assert out["papers"] == 1000 + int(extra) and out["agree"]


# Two `paperlens import` processes at once, the same papers under different ids (issue 27, item 8). Each child
# embeds slowly, as the real models do, so both match their batch against the store before either writes.
_IMPORT = """
import sys, time
from pathlib import Path
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.helpers.factories import make_settings
from tests.helpers.fakes import HashEmbedder

class SlowEmbedder(HashEmbedder):
    def encode(self, texts, *, progress=False):
        time.sleep(0.5)
        return super().encode(texts)

data, src, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
ix = PaperIndex(make_settings(data), embedder=SlowEmbedder(64))
while not go.exists():
    time.sleep(0.005)
report = ix.ingest(records_for(src, "jsonl"), src.name)
ix.close()
print(report.added, report.matched)
"""


@pytest.mark.parametrize("round_", range(min(ROUNDS, 3)))
def test_two_imports_of_the_same_papers_under_other_ids_keep_one_row_each(
    tmp_path: Path, round_: int
) -> None:
    from index.dedupe import duplicate_groups
    from index.paperindex import PaperIndex
    from tests.helpers.factories import make_settings
    from tests.helpers.fakes import HashEmbedder

    data, go = tmp_path / "data", tmp_path / "go"
    PaperIndex(make_settings(data), embedder=HashEmbedder(64)).close()  # the schema, before the race
    files = []
    for side in ("a", "b"):
        f = tmp_path / f"{side}.jsonl"
        f.write_text(
            "".join(
                json.dumps(
                    {
                        "id": f"{side}:{i}",
                        "title": f"Paper number {i} on rain removal",
                        "authors": [f"Author{i} Lee"],
                        "abstract": f"Abstract {i}.",
                    }
                )
                + "\n"
                for i in range(300)
            )
        )
        files.append(f)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _IMPORT, str(data), str(f), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-2000:] for _, e in outs]
    added, matched = zip(*(map(int, o.split()) for o, _ in outs), strict=True)
    ix = PaperIndex(make_settings(data), embedder=HashEmbedder(64))
    try:
        assert ix.store.count() == 300 and sum(added) == 300 and sum(matched) == 300
        assert duplicate_groups(ix.store) == []
    finally:
        ix.close()


def test_check_reports_papers_held_twice_under_other_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from cli.commands import cmd_check
    from index.paperindex import PaperIndex
    from index.storage.rows import Row
    from tests.helpers.factories import make_settings, paper
    from tests.helpers.fakes import HashEmbedder

    ix = PaperIndex(make_settings(tmp_path / "data"), embedder=HashEmbedder(64))
    try:
        ix.ingest([(1, paper("a:1", "Rain removal for NeRF", authors=("Ann Lee",)))], "t")
        # What a race let through before the fix: the same paper written again under another id.
        ix.store.upsert([Row(paper("b:1", "Rain removal for NeRF", authors=("A. Lee",)), None, None)])
        assert cmd_check(ix, argparse.Namespace(json=False)) == 2
        out = capsys.readouterr().out
        assert "1 papers are held more than once" in out and "a:1 = b:1" in out
    finally:
        ix.close()


def test_importing_a_list_again_under_other_ids_merges_every_paper(tmp_path: Path) -> None:
    """One import after the other: every paper merges, titles with capital letters outside ASCII too (SQLite's
    lower() leaves 'Ü' as it is, so 'Über ...' was never found again and landed twice)."""
    from index.paperindex import PaperIndex
    from tests.helpers.factories import make_settings, paper
    from tests.helpers.fakes import HashEmbedder

    titles = [f"Paper {i} on rain removal" for i in range(18)] + ["Über Regen in NeRF-Szenen", "ÉCOLE: Rain"]
    ix = PaperIndex(make_settings(tmp_path / "data"), embedder=HashEmbedder(64))
    try:
        for side in ("a", "b"):
            batch = [(i, paper(f"{side}:{i}", t, authors=("Ann Lee",))) for i, t in enumerate(titles)]
            report = ix.ingest(batch, side)
        assert report.matched == 20 and report.added == 0 and ix.store.count() == 20
    finally:
        ix.close()
