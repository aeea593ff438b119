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


def cls_pooled_model(tmp_path: Path) -> Path:
    """A copy of the packaged model's pipeline description with CLS pooling instead of mean pooling: a model
    the ONNX export does not reproduce."""
    import json
    import shutil

    from index.retrieval.embed import resolve_model_path

    packaged = resolve_model_path("all-MiniLM-L6-v2")
    other = tmp_path / "cls-model"
    shutil.copytree(packaged / "1_Pooling", other / "1_Pooling")
    shutil.copy(packaged / "modules.json", other / "modules.json")
    cfg = json.loads((other / "1_Pooling" / "config.json").read_text())
    cfg.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    (other / "1_Pooling" / "config.json").write_text(json.dumps(cfg))
    return other
