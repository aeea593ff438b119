from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

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
def real_embedders() -> tuple[Any, Any]:
    """The packaged English model and the multilingual encoder, loaded once for the whole run."""
    from index.embed import MultilingualEmbedder, SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(), MultilingualEmbedder()


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
_dbs = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    pgserver = pytest.importorskip("pgserver", reason="pgserver (PostgreSQL + pgvector) is not installed")
    d = tempfile.mkdtemp(prefix="paperlens-pg-")
    srv = pgserver.get_server(d, cleanup_mode="stop")
    yield srv
    srv.cleanup()


def fresh_database(srv: Any) -> str:
    import psycopg

    name = f"t{next(_dbs)}"
    with psycopg.connect(srv.get_uri(), autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return srv.get_uri().replace("/postgres?", f"/{name}?")


@pytest.fixture(params=["embedded", "postgres"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> IndexSettings:
    """IndexSettings for each backend, over an empty store."""
    extra: dict[str, Any] = {}
    if request.param == "postgres":
        srv = request.getfixturevalue("pg_server")
        extra = {"backend": "postgres", "database_url": SecretStr(fresh_database(srv))}
    return IndexSettings(_env_file=None, data_dir=tmp_path / "data", multilingual=False, **extra)
