"""The bundled sample corpus: 40 real papers the research groups follow (arXiv NeRF / 3D-reconstruction
digests and a CVPR 2020 medical-imaging list), for demos and the terminal session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from index.models import IngestReport
from index.paperindex import PaperIndex
from index.sources.importers import records_for

log = logging.getLogger(__name__)

SAMPLE_SIZE = 40
# Measured: a fresh data directory and cache, `paperlens run` to its prompt (README, "First run").
FIRST_RUN = "one to two minutes on 2 CPU cores"


def sample_corpus() -> Path:
    """Where the bundled sample corpus (JSONL) is installed."""
    return Path(str(resources.files("index").joinpath("data/sample_papers.jsonl")))


def import_sample(index: PaperIndex, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Import the sample corpus (papers already held are left unchanged)."""
    return index.ingest(records_for(sample_corpus(), "jsonl"), "sample", progress)


def ensure_sample(
    index: PaperIndex,
    progress: Callable[[int], None] | None = None,
    say: Callable[[str], None] = log.warning,
) -> IngestReport | None:
    """Fill an empty store from the bundled sample corpus (what every front end's first run does), telling
    the user through ``say`` what is being prepared and why; a store that holds papers is left alone."""
    if index.count():
        return None
    say(
        f"First run: the index in {index.settings.data_dir} is empty, so PaperLens imports its bundled sample "
        f"corpus ({SAMPLE_SIZE} papers) and prepares fast embedding for this CPU, once (about {FIRST_RUN})."
    )
    report = import_sample(index, progress)
    say(report.summary())
    return report
