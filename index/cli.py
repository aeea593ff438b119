"""The `paperlens` command line for operators: run, shell, ingest, import, search, similar, show, stats,
rebuild, topics, ask, summarize, eval, bench.

Exit codes: 0 success, 2 a problem with the input or settings (message on stderr), 1 an unexpected
failure (logged with its traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from index.config import IndexSettings, LLMSettings
from index.errors import InvalidQueryError, PaperLensError
from index.models import Filters
from index.paperindex import PaperIndex
from index.progress import progress
from index.text import hits_text, paper_text

log = logging.getLogger("paperlens")


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


def _filters(a: argparse.Namespace) -> Filters:
    return Filters(
        since=getattr(a, "since", None),
        until=getattr(a, "until", None),
        category=getattr(a, "category", None),
        topic=getattr(a, "topic", None),
        author=getattr(a, "author", None),
    )


def _emit(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


def sample_corpus() -> Path:
    """The bundled sample corpus (a copy of the research groups' 40 papers)."""
    return Path(str(resources.files("index").joinpath("data/sample_papers.jsonl")))


def ensure_sample(index: PaperIndex) -> None:
    """Fill an empty store from the bundled sample corpus."""
    if index.store.count() == 0:
        from index.sources.importers import records_for

        print("Empty index: importing the bundled sample corpus (40 papers)...", file=sys.stderr)
        with progress("import sample", 40) as advance:
            report = index.ingest(records_for(sample_corpus(), "jsonl"), "sample", advance)
        print(report.summary(), file=sys.stderr)


# ----- commands -----
def cmd_search(ix: PaperIndex, a: argparse.Namespace) -> int:
    f = _filters(a)
    if a.stdin:
        for line in sys.stdin:
            try:
                hits = ix.search(line, k=a.k, mode=a.mode, filters=f)
                _emit([h.brief() for h in hits])
            except InvalidQueryError as e:
                _emit({"error": str(e)})
            sys.stdout.flush()
        return 0
    hits = ix.search(" ".join(a.query), k=a.k, mode=a.mode, filters=f)
    if a.json:
        _emit([h.brief() for h in hits])
    else:
        print(hits_text(hits))
    return 0


def cmd_similar(ix: PaperIndex, a: argparse.Namespace) -> int:
    hits = ix.similar(" ".join(a.paper), k=a.k, filters=_filters(a))
    _emit([h.brief() for h in hits]) if a.json else print(hits_text(hits))
    return 0


def cmd_show(ix: PaperIndex, a: argparse.Namespace) -> int:
    p = ix.resolve(" ".join(a.paper))
    _emit(p.model_dump(mode="json")) if a.json else print(paper_text(p))
    return 0


def cmd_stats(ix: PaperIndex, a: argparse.Namespace) -> int:
    st = ix.stats()
    if a.json:
        _emit(st)
    else:
        for k, v in st.items():
            print(f"{k:>22}: {v}")
    return 0


def cmd_import(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.sources.importers import records_for

    records = records_for(Path(a.path), a.format, a.id_prefix)
    with progress(f"import {Path(a.path).name}") as advance:
        report = ix.ingest(records, str(a.path), advance)
    _emit(report.model_dump()) if a.json else print(report.summary())
    return 0


def cmd_ingest(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.ingest import ingest_topic
    from index.topics import find_topic, load_topics

    topics = load_topics(ix.settings.topics_file)
    for t in [find_topic(topics, a.topic)] if a.topic else topics:
        with progress(f"ingest {t.name}") as advance:
            report = ingest_topic(ix, t, a.since, advance)
        _emit(report.model_dump()) if a.json else print(report.summary())
    return 0


def cmd_ask(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.answer import Answerer
    from index.text import answer_text

    ans = Answerer(ix, LLMSettings()).ask(" ".join(a.question), paper=a.paper, lang=a.lang)
    _emit(ans.to_json()) if a.json else print(answer_text(ans))
    return 0


def cmd_summarize(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.summarize import Summarizer
    from index.text import summary_text

    s = Summarizer(ix, LLMSettings()).summarize(" ".join(a.paper), lang=a.lang)
    _emit(s.model_dump(mode="json")) if a.json else print(summary_text(s))
    return 0


def cmd_digest(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.digest import topic_digest
    from index.export import to_markdown, to_table
    from index.summarize import Summarizer
    from index.topics import load_topics

    summarizer = Summarizer(ix, LLMSettings())
    topics = load_topics(ix.settings.topics_file)
    d = topic_digest(ix, summarizer, topics, a.topic, a.date, days=a.days, lang=a.lang)
    if a.format == "markdown":
        print(to_markdown(d), end="")
    elif a.format == "table":
        print(to_table(d, {e.paper.id: summarizer.chinese_abstract(e.paper) for e in d.entries}), end="")
    else:
        print(d.model_dump_json(indent=2))
    return 0


def cmd_serve(ix: PaperIndex, a: argparse.Namespace) -> int:
    # The HTTP framework lives in api/, outside index/; loaded only for this command.
    import importlib

    ensure_sample(ix)
    return int(importlib.import_module("api.server").serve(ix, a.host, a.port))


def cmd_rebuild(ix: PaperIndex, a: argparse.Namespace) -> int:
    n = ix.rebuild()
    print(f"rebuilt the index: {n} papers embedded with {ix.model_name}")
    return 0


def cmd_topics(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.topics import load_topics

    counts = ix.store.topic_counts()
    for t in load_topics(ix.settings.topics_file):
        print(f"{t.name} ({counts.get(t.name, 0)} papers)\n    query: {t.arxiv_query()}")
    return 0


def cmd_shell(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.shell import Shell

    ensure_sample(ix)
    return Shell(ix, LLMSettings()).loop(sys.stdin, sys.stdout)


def cmd_run(ix: PaperIndex, a: argparse.Namespace) -> int:
    """The terminal session, after filling an empty index from the sample corpus (the bot is `python -m bot`)."""
    ensure_sample(ix)
    if os.environ.get("DISCORD_TOKEN"):
        print(
            "DISCORD_TOKEN is set: the Discord bot is started by `python -m bot` (what `make run` runs); "
            "this is the terminal session.",
            file=sys.stderr,
        )
    return cmd_shell(ix, a)


# ----- parser -----
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
    p.add_argument("--json", action="store_true", help="print a JSON array of hits")
    p.add_argument("--stdin", action="store_true", help="one query per input line, one JSON array per line")
    _add_filters(p)

    p = sub.add_parser("similar", help="papers similar to one paper")
    p.add_argument("paper", nargs="+", help="arXiv id, URL or title")
    p.add_argument("-k", type=_positive, default=5)
    p.add_argument("--json", action="store_true")
    _add_filters(p)

    p = sub.add_parser("show", help="one paper's metadata and abstract")
    p.add_argument("paper", nargs="+", help="arXiv id (with or without version), URL or title")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("stats", help="counts, model, index type, sizes")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("import", help="import papers from a file")
    p.add_argument("path")
    p.add_argument("--format", choices=["jsonl", "table", "arxiv-snapshot"], required=True)
    p.add_argument(
        "--id-prefix", help="id prefix for papers without an id (tables): default from the file name"
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
    p.add_argument("--dtype", choices=["auto", "float32", "bfloat16"], help="embedding dtype for this run")
    p.add_argument("--no-multilingual", action="store_true", help="skip the multilingual encoder (faster)")
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
        "bench", help="performance benchmark on synthetic data (medians, ratios to raw encode)"
    )
    p.add_argument("--sizes", default="10000,100000", help="index sizes, comma-separated (1000000 is opt-in)")
    p.add_argument("--ingest-papers", type=_positive, default=384, help="papers in the ingest benchmark")
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
    p.add_argument("--format", choices=["markdown", "table", "json"], default="markdown")

    p = sub.add_parser("serve", help="the HTTP API (OpenAPI at /docs)")
    p.add_argument("--host", help="default 127.0.0.1 (PAPERLENS_API_HOST)")
    p.add_argument("--port", type=int, help="default 8000 (PAPERLENS_API_PORT)")

    sub.add_parser("rebuild", help="re-embed every paper with the configured model; rebuild the indexes")
    sub.add_parser("topics", help="the configured topics and their arXiv queries")
    return ap


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
    "serve": cmd_serve,
    "digest": cmd_digest,
    "ask": cmd_ask,
    "summarize": cmd_summarize,
}


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in (
        "faiss.loader",
        "sentence_transformers",
        "httpx",
        "bm25s",
        "urllib3",
        "arxiv",
        "transformers",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("index.progress").setLevel(logging.INFO)
        logging.getLogger("index.progress").addHandler(logging.NullHandler())


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
    try:
        if args.command == "eval":
            from index.cli_reports import cmd_eval

            return cmd_eval(args)
        if args.command == "bench":
            from index.cli_reports import cmd_bench

            return cmd_bench(args)
        settings = IndexSettings()
        ix = PaperIndex(settings, check_model=args.command != "rebuild")
        try:
            return COMMANDS[args.command](ix, args)
        finally:
            ix.close()
    except PaperLensError as e:
        print(f"paperlens: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
