"""Write the feed examples in this folder: a simulated member's personal digest and a weekly recap, over the
real MICCAI 2025 abstracts of lab/data/feed/papers.jsonl, ranked by the packaged English model.

The corpus carries no dates, so each paper is given one day of the week 2025-09-22 .. 2025-09-28 (by its
position); everything else (titles, abstracts, the member's likes) is real data. Run from the repository root:

    .venv/bin/python docs/examples/make_examples.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# This generator shows what each front end renders, so it imports both renderers (no front end does).

from bot.feed_render import embed_text, personal_digest_embed, recap_embeds  # noqa: E402, TID251
from cli.feed import recap_text  # noqa: E402, TID251
from index.config import IndexSettings  # noqa: E402
from index.feed import Feed, recap  # noqa: E402
from index.feed.dm_log import dm_marker  # noqa: E402
from index.models import Paper  # noqa: E402
from index.paperindex import PaperIndex  # noqa: E402
from index.topics import Topic  # noqa: E402

OUT = Path(__file__).resolve().parent
START = date(2025, 9, 22)
SUBJECT = "Modalities -> Endoscopy"
TOPIC = Topic(
    name="MICCAI",
    keywords=("medical image",),
    description="Medical image computing and computer-assisted intervention: deep learning for medical images",
)


def main() -> None:
    rows = [
        json.loads(x) for x in (ROOT / "lab/data/feed/papers.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        ix = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp), multilingual=False))
        ix.ingest(
            (
                (
                    i,
                    Paper(
                        id=r["id"],
                        title=r["title"],
                        abstract=r["abstract"],
                        topics=("MICCAI",),
                        published=START + timedelta(days=i % 7),
                    ),
                )
                for i, r in enumerate(rows, 1)
            ),
            "example",
        )
        feed = Feed(ix)
        member = "discord:1001"
        endo = [r["id"] for r in rows if SUBJECT in r["subjects"]]
        for pid in endo[:4]:  # the member 👍 four endoscopy papers on the channel's digest
            feed.vote(member, pid, +1, channel="lab", topic="MICCAI")
        feed.vote(
            member,
            next(r["id"] for r in rows if "Modalities -> MRI" in r["subjects"]),
            -1,
            channel="lab",
            topic="MICCAI",
        )
        feed.store.mute(member, "brain")
        feed.store.set_digest(member, True)
        for i, r in enumerate(rows[:40]):  # other members' 👍 in the channel, for the recap's most-liked
            if i % 3 == 0:
                feed.vote(f"discord:{2000 + i}", r["id"], +1, channel="lab", topic="MICCAI")
        for pid in (endo[5], rows[7]["id"]):
            feed.add_reading("channel", "lab", pid, added_by=member)
        day = START + timedelta(days=6)
        items = feed.member_feed(member, [TOPIC], k=5, since=day - timedelta(days=6), until=day)
        digest = {TOPIC.name: [it for _, it in items]}
        text = embed_text([personal_digest_embed(day, digest, dm_marker(member, day))])
        (OUT / "personal-digest.txt").write_text(
            "# The personal DM digest of a simulated member (👍 4 endoscopy papers, 👎 1 MRI paper, muted "
            "'brain'),\n# as the Discord embed reads, over real MICCAI 2025 abstracts with the packaged model.\n\n"
            + text,
            encoding="utf-8",
        )
        r = recap(feed, TOPIC, day, channel="lab")
        ids = list(r.citations.values()) + r.reading + [p for g in r.groups for p, _ in g.top_liked]
        papers = {pid: got[1] for pid in ids if (got := ix.store.get(pid)) is not None}
        (OUT / "weekly-recap-discord.txt").write_text(
            "# /recap MICCAI in the channel 'lab', as the Discord embeds read.\n\n"
            + embed_text(recap_embeds(r, papers)),
            encoding="utf-8",
        )
        (OUT / "weekly-recap-cli.txt").write_text(
            "# paperlens recap MICCAI --end 2025-09-28 --channel lab\n\n"
            + recap_text(r, {p: x.title for p, x in papers.items()})
            + "\n",
            encoding="utf-8",
        )
        ix.close()


if __name__ == "__main__":
    main()
