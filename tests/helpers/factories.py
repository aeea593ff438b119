"""Plain helpers the tests share: paths, settings, papers, a fresh PostgreSQL database."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from index.config import IndexSettings
from index.models import Paper

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "index" / "data" / "sample_papers.jsonl"


def make_settings(tmp_path: Path, **kw: object) -> IndexSettings:
    return IndexSettings(_env_file=None, data_dir=tmp_path, multilingual=False, **kw)  # type: ignore[arg-type]


def paper(pid: str, title: str, abstract: str = "", **kw: object) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract or title, **kw)  # type: ignore[arg-type]


_dbs = itertools.count()


def fresh_database(srv: Any) -> str:
    import psycopg

    name = f"t{next(_dbs)}"
    with psycopg.connect(srv.get_uri(), autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return srv.get_uri().replace("/postgres?", f"/{name}?")
