"""The bot tests' index: the 40 sample papers on the fake embedder, the NeRF topic on its NeRF papers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.helpers.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "index" / "data" / "sample_papers.jsonl"
NERF_WORDS = ("nerf", "radiance", "gaussian", "splatting")


def nerf_topics(rec: Any) -> Any:
    """The sample corpus with the NeRF topic on its NeRF / Gaussian-splatting papers (digests need topics)."""
    n, p = rec
    if isinstance(p, Paper) and any(w in p.title.lower() for w in NERF_WORDS):
        p = p.model_copy(update={"topics": ("NeRF",)})
    return n, p


@pytest.fixture
def fake_index(tmp_path: Path) -> Iterator[PaperIndex]:
    """The 40 sample papers on the concept-counting fake embedder: fast, and exact where ranking matters."""
    ix = PaperIndex(
        IndexSettings(
            _env_file=None,
            data_dir=tmp_path / "data",
            multilingual=False,
            arxiv_url="http://127.0.0.1:9/?{}",
            arxiv_retries=0,
            arxiv_delay_seconds=0,
        ),
        embedder=FakeEmbedder(),
    )
    ix.ingest(map(nerf_topics, records_for(SAMPLE, "jsonl")), "sample")
    yield ix
    ix.close()
