"""Offline evaluation of the personal feed on real papers with real subject labels (lab/data/feed).

Simulated members each 👍 5 papers of one subject and 👎 2 papers of another; for each, precision@10 for
that subject (the share of the 10 papers shown that carry it, among papers the member did not vote on) of:

- feed: the personal feed (index.feed.Feed.rank with the member's votes, through a real store and index);
- topic: the unpersonalised topic ranking (relevance to the topic's description, what digests rank by);
- random: the expected precision of 10 random papers (the subject's share of the pool).

Subjects are split in halves fixed before any measurement (lab/data/feed/README.md): the method's constants
were chosen on ``--split dev``; report ``--split test``.

    .venv/bin/python scripts/eval_feed.py --split test [--members-per-subject 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.config import IndexSettings  # noqa: E402
from index.feed import Feed  # noqa: E402
from index.feed.store import FeedStore  # noqa: E402
from index.models import Paper  # noqa: E402
from index.paperindex import PaperIndex  # noqa: E402
from index.topics import Topic  # noqa: E402

DATA = ROOT / "lab" / "data" / "feed" / "papers.jsonl"
# What a PaperLens operator following MICCAI would write; fixed before measuring, never tuned.
TOPIC = Topic(
    name="MICCAI",
    categories=("eess.IV",),
    keywords=("medical image",),
    description="Medical image computing and computer-assisted intervention: deep learning for segmentation, "
    "diagnosis, synthesis and registration of CT, MRI, ultrasound, endoscopy and microscopy images",
)
MIN_PAPERS = 13
EXCLUDED = {"Machine Learning -> Deep Learning"}
LIKES, DISLIKES, K = 5, 2, 10


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def subjects(rows: list[dict[str, Any]]) -> list[str]:
    """Subjects held by at least MIN_PAPERS papers, catch-alls and the near-universal one left out; sorted."""
    counts = Counter(s for r in rows for s in r["subjects"])
    return sorted(
        s
        for s, n in counts.items()
        if n >= MIN_PAPERS and s not in EXCLUDED and not s.endswith(("-> other", "-> Other"))
    )


def split(names: list[str], which: str) -> list[str]:
    return [s for i, s in enumerate(names) if (i % 2 == 0) == (which == "dev")]


def build_index(rows: list[dict[str, Any]], data_dir: Path) -> PaperIndex:
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=data_dir, multilingual=False))
    papers = [
        Paper(
            id=r["id"],
            title=r["title"],
            abstract=r["abstract"],
            topics=(TOPIC.name,),
            published=date(2025, 10, 1),
            source="miccai-2025",
        )
        for r in rows
    ]
    if ix.store.count() < len(papers):
        ix.ingest(((i, p) for i, p in enumerate(papers, 1)), "feed-eval")
    return ix


def members(
    rows: list[dict[str, Any]], names: list[str], all_names: list[str], per: int
) -> list[dict[str, Any]]:
    """Simulated members: per subject, ``per`` members with their own random likes and dislikes."""
    out = []
    for si, s in enumerate(names):
        with_s = sorted(r["id"] for r in rows if s in r["subjects"])
        for m in range(per):
            rng = np.random.default_rng(1000 * all_names.index(s) + m)
            others = [t for t in all_names if t != s]
            t = others[int(rng.integers(len(others)))]
            without_s = sorted(r["id"] for r in rows if t in r["subjects"] and s not in r["subjects"])
            out.append(
                {
                    "member": f"eval:{si}:{m}",
                    "subject": s,
                    "disliked_subject": t,
                    "likes": [str(x) for x in rng.choice(with_s, LIKES, replace=False)],
                    "dislikes": [
                        str(x) for x in rng.choice(without_s, min(DISLIKES, len(without_s)), replace=False)
                    ],
                }
            )
    return out


def evaluate(ix: PaperIndex, rows: list[dict[str, Any]], sims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    feed = Feed(ix)
    labels = {r["id"]: set(r["subjects"]) for r in rows}
    base = feed.rank(TOPIC, k=len(rows))  # the unpersonalised topic ranking of every paper
    results = []
    for sim in sims:
        for pid in sim["likes"]:
            feed.vote(sim["member"], pid, +1, topic=TOPIC.name)
        for pid in sim["dislikes"]:
            feed.vote(sim["member"], pid, -1, topic=TOPIC.name)
        voted = set(sim["likes"]) | set(sim["dislikes"])
        s = sim["subject"]
        personal = [it.paper.id for it in feed.rank(TOPIC, member=sim["member"], k=K)]
        topic = [it.paper.id for it in base if it.paper.id not in voted][:K]
        pool = [pid for pid in labels if pid not in voted]
        results.append(
            {
                **sim,
                "feed": sum(s in labels[p] for p in personal) / K,
                "topic": sum(s in labels[p] for p in topic) / K,
                "random": sum(s in labels[p] for p in pool) / len(pool),
            }
        )
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"members": len(results), "subjects": len({r["subject"] for r in results})}
    for key in ("feed", "topic", "random"):
        vals = [r[key] for r in results]
        out[key] = {"mean": round(statistics.mean(vals), 3), "median": round(statistics.median(vals), 3)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--members-per-subject", type=int, default=3)
    ap.add_argument(
        "--data-dir", type=Path, help="reuse an index built by an earlier run (default: a temp dir)"
    )
    ap.add_argument("--json", type=Path, help="write every member's result here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = load()
    all_names = subjects(rows)
    names = split(all_names, args.split)
    with tempfile.TemporaryDirectory() as tmp:
        ix = build_index(rows, args.data_dir or Path(tmp) / "data")
        try:
            # A reused data directory keeps no votes of an earlier run.
            fs = FeedStore(ix.store)
            for r in fs.store.query("SELECT DISTINCT member FROM feed_votes WHERE member LIKE 'eval:%'"):
                fs.forget(r[0])
            results = evaluate(ix, rows, members(rows, names, all_names, args.members_per_subject))
        finally:
            ix.close()
    per_subject = {
        s: {
            k: round(statistics.mean(r[k] for r in results if r["subject"] == s), 3)
            for k in ("feed", "topic", "random")
        }
        for s in names
    }
    report = {"split": args.split, "subjects_in_split": names, **summary(results), "per_subject": per_subject}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"report": report, "members": results}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
