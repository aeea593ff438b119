"""The bundled sample corpus: 40 real papers the research groups follow (arXiv NeRF / 3D-reconstruction
digests and a CVPR 2020 medical-imaging list), for demos and the terminal session."""

from __future__ import annotations

from collections.abc import Callable

from index.models import IngestReport
from index.paperindex import PaperIndex
from index.sample_texts import sample_corpus
from index.sources.importers import records_for

SAMPLE_SIZE = 40


def import_sample(index: PaperIndex, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Import the sample corpus (papers already held are left unchanged)."""
    return index.ingest(records_for(sample_corpus(), "jsonl"), "sample", progress)
