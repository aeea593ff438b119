"""Errors whose messages are safe to show a user (terminal, Discord, HTTP)."""

from __future__ import annotations


class PaperLensError(Exception):
    """Base class: the message says what went wrong and what to do."""


class InvalidQueryError(PaperLensError, ValueError):
    """A query or question that cannot be searched (empty, wrong type)."""


class PaperNotFoundError(PaperLensError, LookupError):
    """No paper matches an id, URL or title."""


class ModelMismatchError(PaperLensError):
    """The configured embedding model is not the one the index was built with."""


class ImportFormatError(PaperLensError):
    """An import file cannot be read at all (unknown format, missing file)."""


class SourceError(PaperLensError):
    """A paper source (arXiv) failed after retries."""


class ConfigError(PaperLensError):
    """A setting or the topics file is invalid."""
