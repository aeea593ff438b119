"""The `paperlens` argument parser."""

from __future__ import annotations

import argparse
from datetime import date

from cli import feed as feed_commands
from cli.helptext import decorate
from cli.venues import register as register_venues


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from e


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from e
    if not 1 <= n <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return n


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paperlens")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON (the same as --format json)")
    p.add_argument(
        "--format",
        choices=["text", "json", "bibtex", "ris"],
        default="text",
        help="bibtex (LaTeX, with arXiv eprint fields) or ris (Zotero, EndNote, Mendeley)",
    )


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=_date_arg, help="published on or after (YYYY-MM-DD)")
    p.add_argument("--until", type=_date_arg, help="published on or before (YYYY-MM-DD)")
    p.add_argument("--category", help="arXiv category, e.g. cs.CV")
    p.add_argument("--topic", help="a configured topic name")
    p.add_argument("--author", help="part of an author's name")
    p.add_argument("--venue", help="part of the venue's name, any case (cvpr, 'MICCAI 2023')")
    p.add_argument("--has-code", action="store_true", help="only papers that link their code or project page")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="paperlens", description="Semantic search over research-paper abstracts."
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    ap.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="the main job: bot with DISCORD_TOKEN, else the terminal session")
    sub.add_parser("shell", help="interactive session: search, similar, show, ask, summarize")

    p = sub.add_parser("search", help="search the index")
    p.add_argument("query", nargs="*", help="what the papers are about")
    p.add_argument("-k", type=_positive, default=10, help="number of hits (default 10)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default=None)
    _add_format(p)
    p.add_argument("--stdin", action="store_true", help="one query per input line, one JSON array per line")
    _add_filters(p)

    p = sub.add_parser("similar", help="papers similar to one paper")
    p.add_argument("paper", nargs="+", help="arXiv id, URL or title")
    p.add_argument("-k", type=_positive, default=5)
    _add_format(p)
    _add_filters(p)

    p = sub.add_parser("show", help="one paper's metadata and abstract")
    p.add_argument("paper", nargs="+", help="arXiv id (with or without version), URL or title")
    _add_format(p)

    p = sub.add_parser("stats", help="counts, model, index type, sizes")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("import", help="import papers from a file")
    p.add_argument("path")
    p.add_argument("--format", choices=["jsonl", "table", "arxiv-snapshot"], required=True)
    p.add_argument(
        "--id-prefix", help="id prefix for papers without an id (tables): default from the file name"
    )
    p.add_argument(
        "--topic",
        action="append",
        help="file every imported paper under this topic too (repeatable), so the list reaches its digest",
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ingest", help="fetch new papers from arXiv for the configured topics")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--since", type=_date_arg, help="only papers published on or after this date")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", help="a cited answer from the indexed papers (English or Chinese)")
    p.add_argument("question", nargs="*")
    p.add_argument("--paper", help="answer from this paper (id, URL or title)")
    p.add_argument("--lang", choices=["en", "zh"], help="answer language (default: the question's)")
    p.add_argument("--json", action="store_true", help="answer, citations (id/title/url), provider, fallback")

    p = sub.add_parser("summarize", help="TL;DR, key takeaways and structured analysis of one paper")
    p.add_argument("paper", nargs="+", help="arXiv id, URL or title")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("digest", help="export a topic's digest: markdown (blog post), table or json")
    p.add_argument("--topic", required=True)
    p.add_argument(
        "--date", type=_date_arg, help="digest date (default: the topic's latest publication date)"
    )
    p.add_argument(
        "--days", type=_positive, default=1, help="days of publications ending on --date (default 1)"
    )
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="summary language")
    p.add_argument("--format", choices=["markdown", "table", "json", "bibtex", "ris"], default="markdown")

    p = sub.add_parser("serve", help="the HTTP API (OpenAPI at /docs)")
    p.add_argument("--host", help="default 127.0.0.1 (PAPERLENS_API_HOST)")
    p.add_argument("--port", type=int, help="default 8000 (PAPERLENS_API_PORT)")

    p = sub.add_parser(
        "check", help="the database's integrity check, and whether the indexes agree with the store"
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("backup", help="copy the index to a new directory (safe while the bot runs)")
    p.add_argument("path", help="a new or empty directory")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("restore", help="replace the index with a backup (stop the bot and API first)")
    p.add_argument("path", help="a directory written by `paperlens backup`")
    p.add_argument("--force", action="store_true", help="replace an index that holds papers (kept aside)")
    p.add_argument("--json", action="store_true")

    register_venues(sub)
    sub.add_parser("rebuild", help="re-embed every paper with the configured model; rebuild the indexes")
    sub.add_parser("topics", help="the configured topics and their arXiv queries")
    feed_commands.register(sub)
    p = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)")
    p.add_argument("shell", choices=["bash", "zsh", "fish"])
    decorate(ap, sub)
    return ap
