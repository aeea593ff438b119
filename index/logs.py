"""Logging set-up for the entry points (each front end calls it once; library modules only log)."""

from __future__ import annotations

import logging
import sys

QUIET = ("faiss.loader", "sentence_transformers", "httpx", "bm25s", "urllib3", "arxiv", "transformers")


def configure_logging(verbose: bool) -> None:
    """INFO with ``verbose`` (a service), else WARNING; progress lines of long commands stay visible."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("index.progress").setLevel(logging.INFO)
        logging.getLogger("index.progress").addHandler(logging.NullHandler())
