"""The bundled sample corpus: 40 real papers the research groups follow (arXiv NeRF / 3D-reconstruction
digests and a CVPR 2020 medical-imaging list), for demos and the terminal session."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from index.models import IngestReport
from index.paperindex import PaperIndex
from index.sources.importers import records_for

SAMPLE_SIZE = 40


def sample_corpus() -> Path:
    """Where the bundled sample corpus (JSONL) is installed."""
    return Path(str(resources.files("index").joinpath("data/sample_papers.jsonl")))


def import_sample(index: PaperIndex, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Import the sample corpus (papers already held are left unchanged)."""
    return index.ingest(records_for(sample_corpus(), "jsonl"), "sample", progress)
