"""The feed with the packaged English model on real MICCAI 2025 abstracts (lab/data/feed): a member who likes
endoscopy papers gets endoscopy papers, where the topic ranking alone does not."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from index.feed import Feed
from index.models import Paper
from index.paperindex import PaperIndex
from index.topics import Topic
from tests.helpers.factories import ROOT, make_settings

DATA = ROOT / "lab" / "data" / "feed" / "papers.jsonl"
SUBJECT = "Modalities -> Endoscopy"
TOPIC = Topic(
    name="MICCAI",
    keywords=("medical image",),
    description="Medical image computing and "
    "computer-assisted intervention: deep learning for medical images",
)


def test_liked_subject_fills_the_feed_with_the_real_model(
    tmp_path: Path, real_embedders: tuple[Any, Any]
) -> None:
    every = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in every if SUBJECT in r["subjects"]] + [
        r for r in every if SUBJECT not in r["subjects"]
    ][:60]
    ix = PaperIndex(make_settings(tmp_path / "data"), embedder=real_embedders[0])
    try:
        ix.ingest(
            (
                (
                    i,
                    Paper(
                        id=r["id"],
                        title=r["title"],
                        abstract=r["abstract"],
                        topics=("MICCAI",),
                        published=date(2025, 10, 1),
                    ),
                )
                for i, r in enumerate(rows, 1)
            ),
            "test",
        )
        labels = {r["id"]: set(r["subjects"]) for r in rows}
        endo = sorted(pid for pid, s in labels.items() if SUBJECT in s)
        assert len(endo) >= 12
        feed = Feed(ix)
        for pid in endo[:5]:
            feed.vote("m", pid, +1)
        personal = feed.rank(TOPIC, member="m", k=10)
        topic = [it for it in feed.rank(TOPIC, k=20) if it.paper.id not in endo[:5]][:10]
        hits = sum(SUBJECT in labels[it.paper.id] for it in personal)
        base = sum(SUBJECT in labels[it.paper.id] for it in topic)
        assert hits >= 4 and hits >= 2 * max(base, 1), (hits, base)  # measured: 5 and 1
        liked = [it for it in personal if it.reason.kind == "liked"]
        assert liked and all(it.reason.paper_id in endo[:5] for it in liked)
    finally:
        ix.close()
