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


class StorageError(PaperLensError):
    """The data directory or the database cannot be used (damaged, full, unreadable)."""


def explain(exc: BaseException, where: object = "the data directory") -> PaperLensError | None:
    """A user-facing error for a low-level storage or settings failure, naming the next step; None when
    the exception is not one of those (a bug: let it surface with its traceback)."""
    import errno
    import sqlite3

    from pydantic import ValidationError

    if isinstance(exc, PaperLensError):
        return exc
    if isinstance(exc, ValidationError):
        e = exc.errors()[0]
        field = str(e["loc"][0]) if e.get("loc") else "a setting"
        model = getattr(exc, "title", "")
        prefix = {
            "IndexSettings": "PAPERLENS_",
            "LLMSettings": "PAPERLENS_LLM_",
            "BotSettings": "PAPERLENS_BOT_",
            "ApiSettings": "PAPERLENS_API_",
        }.get(model, "")
        return ConfigError(
            f"Setting {prefix}{field.upper()} is invalid: {e['msg']}. See .env.example for the allowed values."
        )
    full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
    if full or (isinstance(exc, sqlite3.OperationalError) and "full" in str(exc)):
        return StorageError(
            f"No space left on the disk holding {where}: free some space and run the command again."
        )
    if isinstance(exc, sqlite3.OperationalError):  # the file may be fine: never advise moving it aside
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StorageError(
                f"The store in {where} is busy: another PaperLens process is writing to it (an import, the "
                "bot's digest refresh). Try again when it has finished."
            )
        return StorageError(
            f"The store in {where} cannot be used ({text}): check that the directory exists and is readable, "
            "then run `paperlens check`."
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return StorageError(
            f"The store in {where} cannot be read ({exc}): it is damaged or not a PaperLens database. "
            "Restore a backup, or move papers.db aside and import your papers again."
        )
    if isinstance(exc, PermissionError):
        return StorageError(f"No permission to use {where} ({exc.strerror}): check its owner and mode.")
    return None
