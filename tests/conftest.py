from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "index" / "data" / "sample_papers.jsonl"


def make_settings(tmp_path: Path, **kw: object) -> IndexSettings:
    return IndexSettings(_env_file=None, data_dir=tmp_path, multilingual=False, **kw)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> IndexSettings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def fake_index(settings: IndexSettings) -> Iterator[PaperIndex]:
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    yield ix
    ix.close()


def paper(pid: str, title: str, abstract: str = "", **kw: object) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract or title, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the real sample corpus embedded by the real packaged models."""
    d = tmp_path_factory.mktemp("sample") / "data"
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=d, multilingual=True))
    ix.ingest(records_for(SAMPLE, "jsonl"), "sample")
    ix.close()
    return d


@pytest.fixture(scope="session")
def sample_index(sample_dir: Path) -> Iterator[PaperIndex]:
    """The real sample index, opened once for read-only tests."""
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=sample_dir, multilingual=True))
    yield ix
    ix.close()


@pytest.fixture
def sample_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the real sample data directory, for tests that change it."""
    dst = tmp_path / "data"
    shutil.copytree(sample_dir, dst)
    return dst
