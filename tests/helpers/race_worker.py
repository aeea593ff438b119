"""A separate process for the race tests: ingest papers, or tick a digest runner, when the barrier drops.

    python -m tests.helpers.race_worker ingest BARRIER CORPUS
    python -m tests.helpers.race_worker digest BARRIER CHANNEL_FILE
Settings come from the environment (PAPERLENS_BACKEND, PAPERLENS_DATABASE_URL, PAPERLENS_DATA_DIR).
"""

from __future__ import annotations

import fcntl
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from index.answers.summarize import Summarizer
from index.config import IndexSettings, LLMSettings
from index.digests.runner import DigestRunner, Outgoing
from index.digests.schedule import ArxivCalendar
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from index.storage.digests import DigestStore
from index.topics import Topic
from tests.helpers.fakes import FakeEmbedder


class FilePoster:
    """A channel shared by processes: an append-only JSONL file, written under an exclusive lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, channel_id: int, message: Outgoing) -> int:
        with self.path.open("a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            n = sum(1 for _ in fh)
            fh.write(json.dumps({"id": n + 1, "channel": channel_id, "marker": message.marker}) + "\n")
        return n + 1

    def sent_markers(self, channel_id: int, thread_of: int | None = None) -> dict[str, int]:
        if not self.path.exists():
            return {}
        rows = [json.loads(x) for x in self.path.read_text().splitlines()]
        return {r["marker"]: r["id"] for r in rows if r["channel"] == channel_id}

    def notify(self, user_id: int | None, text: str) -> None:
        pass


def main() -> None:
    mode, barrier, arg = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    ix = PaperIndex(IndexSettings(), embedder=FakeEmbedder())
    if mode == "digest":
        runner = DigestRunner(
            ix,
            Summarizer(ix, LLMSettings(_env_file=None)),
            DigestStore(ix.store),
            [Topic(name="NeRF", keywords=("nerf",))],
            FilePoster(arg),
            calendar=ArxivCalendar([]),
            lookback_days=30,
        )
    while not barrier.exists():
        time.sleep(0.005)
    if mode == "ingest":
        ix.ingest(records_for(arg, "jsonl"), "race")
    else:
        runner.tick(datetime(2024, 4, 1, 9, 0, tzinfo=UTC))
    ix.close()


if __name__ == "__main__":
    main()
