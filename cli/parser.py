"""The `paperlens` argument parser."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from cli import feed as feed_commands


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


def _count(text: str, minimum: int = 1) -> int:
    """A whole number of at least ``minimum``, no upper bound (corpus sizes)."""
    try:
        n = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from e
    if n < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}")
    return n


def _count_or_zero(text: str) -> int:
    return _count(text, 0)


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


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="paperlens", description="Semantic search over research-paper abstracts."
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = ap.add_subparsers(dest="command", required=True)

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

    p = sub.add_parser("eval", help="score retrieval on a BEIR-format dataset (temporary index)")
    p.add_argument("dir", help="directory with corpus.jsonl, queries.jsonl, qrels/test.tsv")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25", "all"], default="all")
    p.add_argument("--split", default="test", help="qrels file to score (default test)")
    p.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "int8", "onnx-float32"], help="document embedding path for this run")
    p.add_argument("--query-dtype", choices=["auto", "float32", "int8"], help="query embedding path for this run")
    p.add_argument("--no-multilingual", action="store_true", help="skip the multilingual encoder (faster)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "eval-answers", help="score cited answers on a labelled question set (temporary sample index)"
    )
    p.add_argument(
        "--questions", default="eval/answers/questions.jsonl", help="labelled questions (JSONL; see README)"
    )
    p.add_argument("--corpus", help="a BEIR corpus.jsonl to answer from instead of the bundled sample")
    p.add_argument("--show", choices=["wrong", "all", "none"], default="wrong", help="answers to print")
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

    p = sub.add_parser(
        "bench", help="performance benchmark: ingest, and search at scale on sets built from real sentences"
    )
    p.add_argument("--sizes", default="10000,100000", help="index sizes, comma-separated (1000000 is opt-in)")
    p.add_argument("--ingest-papers", type=_positive, default=384, help="papers in the ingest benchmark")
    p.add_argument(
        "--corpus", type=Path, help="JSONL of real abstracts to build the vector sets from (e.g. a BEIR corpus.jsonl)"
    )
    p.add_argument("--queries", type=Path, help="JSONL of real queries ('text'), e.g. a BEIR queries.jsonl")
    p.add_argument("--abstracts", type=_count, default=6000, help="most abstracts of --corpus to take sentences from")
    p.add_argument("--kinds", default="flat,hnsw,ivf", help="index kinds to measure, comma-separated")
    p.add_argument("--sets", default="realistic,stress", help="vector sets to measure, comma-separated")
    p.add_argument("--no-bm25", action="store_true", help="skip the BM25 memory and latency measurement")
    p.add_argument(
        "--service-size",
        type=_count_or_zero,
        help="papers in the data directory the API load and one-shot commands are timed on "
        "(default 100000 when --sizes has it, else the smallest size; 0 skips them)",
    )
    p.add_argument("--requests", type=_positive, default=2000, help="/search requests per API load run (3 runs)")
    p.add_argument("--plot", type=Path, default=Path("paperlens-bench.png"), help="where to draw the figures")
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
    p.add_argument(
        "--format", choices=["markdown", "table", "json", "bibtex", "ris"], default="markdown"
    )

    p = sub.add_parser("serve", help="the HTTP API (OpenAPI at /docs)")
    p.add_argument("--host", help="default 127.0.0.1 (PAPERLENS_API_HOST)")
    p.add_argument("--port", type=int, help="default 8000 (PAPERLENS_API_PORT)")

    p = sub.add_parser("check", help="the database's integrity check, and whether the indexes agree with the store")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("backup", help="copy the index to a new directory (safe while the bot runs)")
    p.add_argument("path", help="a new or empty directory")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("restore", help="replace the index with a backup (stop the bot and API first)")
    p.add_argument("path", help="a directory written by `paperlens backup`")
    p.add_argument("--force", action="store_true", help="replace an index that holds papers (kept aside)")
    p.add_argument("--json", action="store_true")

    sub.add_parser("rebuild", help="re-embed every paper with the configured model; rebuild the indexes")
    sub.add_parser("topics", help="the configured topics and their arXiv queries")
    feed_commands.register(sub)
    return ap
