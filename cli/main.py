"""The `paperlens` command line: run (the bot when a Discord token is configured, else the terminal
session), shell, ingest, import, search, similar, show, stats, rebuild, topics, ask, summarize, digest, serve
(the HTTP API), check, backup, restore, completion (a shell's completion script). The measuring commands
are `paperlens-lab` (lab/).

Exit codes: 0 success, 2 a problem with the input or settings (message on stderr), 1 an unexpected
failure (logged with its traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys

from pydantic import ValidationError

from cli.commands import (
    cmd_ask,
    cmd_check,
    cmd_digest,
    cmd_import,
    cmd_ingest,
    cmd_rebuild,
    cmd_run,
    cmd_search,
    cmd_shell,
    cmd_show,
    cmd_similar,
    cmd_stats,
    cmd_summarize,
    cmd_topics,
)
from cli.feed import COMMANDS as FEED_COMMANDS
from cli.launch import bot_configured, run_bot
from cli.parser import build_parser
from cli.venues import cmd_import_venue
from index.config import IndexSettings
from index.errors import PaperLensError, explain
from index.logs import configure_logging
from index.paperindex import PaperIndex

log = logging.getLogger("paperlens")


def cmd_serve(a: argparse.Namespace) -> int:
    """The HTTP API is its own program (`python -m api`); `paperlens serve` runs it in this process's place."""
    args = [sys.executable, "-m", "api"]
    if a.host:
        args += ["--host", a.host]
    if a.port:
        args += ["--port", str(a.port)]
    sys.stdout.flush()
    os.execv(sys.executable, args)
    return 0  # pragma: no cover - execv does not return


COMMANDS = {
    "run": cmd_run,
    "shell": cmd_shell,
    "search": cmd_search,
    "similar": cmd_similar,
    "show": cmd_show,
    "stats": cmd_stats,
    "import": cmd_import,
    "ingest": cmd_ingest,
    "rebuild": cmd_rebuild,
    "topics": cmd_topics,
    "digest": cmd_digest,
    "ask": cmd_ask,
    "check": cmd_check,
    "summarize": cmd_summarize,
    **FEED_COMMANDS,
    "import-venue": cmd_import_venue,
}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    if args.command == "search" and not args.stdin and not " ".join(args.query).strip():
        print("paperlens: error: the query is empty: type what the papers should be about.", file=sys.stderr)
        return 2
    if args.command == "ask" and not " ".join(args.question).strip():
        print("paperlens: error: the question is empty: ask something about the papers.", file=sys.stderr)
        return 2
    where: object = "the data directory"
    try:
        if args.command in ("backup", "restore"):
            from cli.backup import cmd_backup

            return cmd_backup(args)
        if args.command == "completion":
            from cli.completion import script

            print(script(build_parser(), args.shell), end="")
            return 0
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "run" and bot_configured():
            return run_bot()
        settings = IndexSettings()
        where = settings.data_dir
        ix = PaperIndex(settings, check_model=args.command != "rebuild")
        try:
            return COMMANDS[args.command](ix, args)
        finally:
            ix.close()
    except PaperLensError as e:
        print(f"paperlens: error: {e}", file=sys.stderr)
        return 2
    except (ValidationError, OSError, sqlite3.DatabaseError) as e:  # settings, disk, database: one clear line
        known = explain(e, where)
        if known is None:
            raise
        print(f"paperlens: error: {known}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
