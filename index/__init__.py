"""PaperLens's library: framework-free and synchronous; no front end (bot, api, cli) is imported here.

Subpackages: storage (the PaperStore protocol, SQLite and PostgreSQL), retrieval (embedders, FAISS and
pgvector, BM25, hybrid search, Chinese query handling), answers (LLM providers, cited answers, summaries),
digests (build, schedule, exactly-once runner, exports), sources (arXiv, importers). PaperIndex is the front
door; build_services wires it with the answerer and summarizer.
"""

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
from index.paperindex import PaperIndex
from index.services import Core, build_services

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
