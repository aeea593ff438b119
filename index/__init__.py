"""PaperLens's paper index: framework-free, synchronous, never imports discord."""

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

__all__ = [
    "ConfigError",
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
]
