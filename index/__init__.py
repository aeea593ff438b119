"""PaperLens's library: framework-free and synchronous; no front end (bot, api, cli) is imported here.

Subpackages: storage (the PaperStore protocol, SQLite and PostgreSQL), retrieval (embedders, FAISS and
pgvector, BM25, hybrid search, Chinese query handling), answers (LLM providers, cited answers, summaries),
digests (build, schedule, exactly-once runner, exports), sources (arXiv, importers). PaperIndex is the front
door; build_services wires it with the answerer and summarizer.
"""

import importlib
from typing import TYPE_CHECKING, Any

from index.config import IndexSettings, LLMSettings
from index.errors import (
    ConfigError,
    ImportFormatError,
    InvalidQueryError,
    ModelMismatchError,
    PaperLensError,
    PaperNotFoundError,
    SourceError,
)
from index.models import Filters, IngestReport, Links, Paper, SearchHit

if TYPE_CHECKING:
    from index.paperindex import PaperIndex
    from index.services import Core, build_services

# Imported on first use: a one-shot command that never searches or answers (show, stats) must not pay for
# FAISS, torch or langchain at start-up.
_LAZY = {"PaperIndex": "index.paperindex", "Core": "index.services", "build_services": "index.services"}


def __getattr__(name: str) -> Any:
    """PaperIndex, Core and build_services, imported when first asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'index' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "Core",
    "Filters",
    "ImportFormatError",
    "IndexSettings",
    "IngestReport",
    "InvalidQueryError",
    "LLMSettings",
    "Links",
    "ModelMismatchError",
    "Paper",
    "PaperIndex",
    "PaperLensError",
    "PaperNotFoundError",
    "SearchHit",
    "SourceError",
    "build_services",
]
