"""`python -m api` (what `paperlens serve` runs): the HTTP API over the configured data directory."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from pydantic import ValidationError

from api.server import serve
from index.config import IndexSettings
from index.errors import PaperLensError, explain
from index.logs import configure_logging
from index.paperindex import PaperIndex
from index.sample import ensure_sample


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m api", description="The PaperLens HTTP API (OpenAPI at /docs)."
    )
    ap.add_argument("--host", help="default 127.0.0.1 (PAPERLENS_API_HOST)")
    ap.add_argument("--port", type=int, help="default 8000 (PAPERLENS_API_PORT)")
    args = ap.parse_args(argv)
    configure_logging(verbose=True)
    settings: IndexSettings | None = None
    try:
        settings = IndexSettings()
        index = PaperIndex(settings)
    except PaperLensError as e:
        print(f"paperlens: error: {e}", file=sys.stderr)
        return 2
    except (ValidationError, OSError, sqlite3.DatabaseError) as e:  # settings, disk, database: one clear line
        known = explain(e, settings.data_dir if settings else "the data directory")
        if known is None:
            raise
        print(f"paperlens: error: {known}", file=sys.stderr)
        return 2
    try:
        ensure_sample(index)
        return serve(index, args.host, args.port)
    finally:
        index.close()


if __name__ == "__main__":
    sys.exit(main())
