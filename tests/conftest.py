from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from index.config import IndexSettings
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.helpers.factories import SAMPLE, fresh_database, make_settings
from tests.helpers.fakes import FakeEmbedder


@pytest.fixture
def settings(tmp_path: Path) -> IndexSettings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def fake_index(settings: IndexSettings) -> Iterator[PaperIndex]:
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    yield ix
    ix.close()


@pytest.fixture(scope="session")
def real_embedders() -> tuple[Any, Any]:
    """The packaged English model and the default multilingual encoder, loaded once for the whole run."""
    from index.retrieval.e5 import load_multilingual
    from index.retrieval.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(), load_multilingual()


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, real_embedders: tuple[Any, Any]) -> Path:
    """A data directory holding the real sample corpus embedded by the real packaged models."""
    d = tmp_path_factory.mktemp("sample") / "data"
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=d, multilingual=True),
        embedder=real_embedders[0],
        multilingual_embedder=real_embedders[1],
    )
    ix.ingest(records_for(SAMPLE, "jsonl"), "sample")
    ix.close()
    return d


@pytest.fixture(scope="session")
def sample_index(sample_dir: Path, real_embedders: tuple[Any, Any]) -> Iterator[PaperIndex]:
    """The real sample index, opened once for read-only tests."""
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=sample_dir, multilingual=True),
        embedder=real_embedders[0],
        multilingual_embedder=real_embedders[1],
    )
    yield ix
    ix.close()


@pytest.fixture
def sample_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the real sample data directory, for tests that change it."""
    dst = tmp_path / "data"
    shutil.copytree(sample_dir, dst)
    return dst


# ----- both storage backends, for the contract tests (tests/test_backends.py) -----


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    pgserver = pytest.importorskip("pgserver", reason="pgserver (PostgreSQL + pgvector) is not installed")
    d = tempfile.mkdtemp(prefix="paperlens-pg-")
    srv = pgserver.get_server(d, cleanup_mode="stop")
    yield srv
    srv.cleanup()


@pytest.fixture(params=["embedded", "postgres"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> IndexSettings:
    """IndexSettings for each backend, over an empty store."""
    extra: dict[str, Any] = {}
    if request.param == "postgres":
        srv = request.getfixturevalue("pg_server")
        extra = {"backend": "postgres", "database_url": SecretStr(fresh_database(srv))}
    return IndexSettings(_env_file=None, data_dir=tmp_path / "data", multilingual=False, **extra)


# ----- fast and slow -----
# Tests that load the real packaged models, start PostgreSQL, or run the program in a subprocess are
# `slow`; `make test-fast` runs the rest (the edit loop), `make test` runs everything (what CI runs).
SLOW_FIXTURES = {
    "real_embedders",
    "sample_dir",
    "sample_index",
    "sample_copy",
    "pg_server",
    "backend_settings",
}
SLOW_MODULES = {"test_cli", "test_drills", "test_fuzz", "test_crash", "test_concurrency", "test_backends"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
