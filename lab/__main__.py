"""`paperlens-lab` (or `python -m lab`): the measuring commands, apart from the `paperlens` a group uses.

    paperlens-lab eval eval/med-zh --split test          retrieval quality on a BEIR-format set
    paperlens-lab eval-answers --questions Q --corpus C   cited-answer quality on a labelled question set
    paperlens-lab bench --sizes 10000,100000              ingest, search at scale, the API under load
    paperlens-lab encoders --corpus eval/med-en/corpus.jsonl   each space's papers/s on real abstracts

Exit codes: 0 success, 2 a problem with the input (message on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from index.errors import PaperLensError
from index.logs import configure_logging


def whole(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [minimum, maximum] (no upper bound without ``maximum``)."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from e
        if n < minimum or (maximum is not None and n > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise argparse.ArgumentTypeError(f"must be {bound}")
        return n

    return parse


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="paperlens-lab",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("eval", help="score retrieval on a BEIR-format dataset (temporary index)")
    p.add_argument("dir", help="directory with corpus.jsonl, queries.jsonl, qrels/test.tsv")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25", "all"], default="all")
    p.add_argument("--split", default="test", help="qrels file to score (default test)")
    p.add_argument(
        "--dtype",
        choices=["auto", "float32", "bfloat16", "int8", "onnx-float32"],
        help="document embedding path for this run",
    )
    p.add_argument(
        "--query-dtype", choices=["auto", "float32", "int8"], help="query embedding path for this run"
    )
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

    p = sub.add_parser(
        "bench", help="performance benchmark: ingest, and search at scale on sets built from real sentences"
    )
    p.add_argument("--sizes", default="10000,100000", help="index sizes, comma-separated (1000000 is opt-in)")
    p.add_argument("--ingest-papers", type=whole(1, 1000), default=384, help="papers in the ingest benchmark")
    p.add_argument(
        "--corpus",
        type=Path,
        help="JSONL of real abstracts to build the vector sets from (e.g. a BEIR corpus.jsonl)",
    )
    p.add_argument("--queries", type=Path, help="JSONL of real queries ('text'), e.g. a BEIR queries.jsonl")
    p.add_argument(
        "--abstracts", type=whole(1), default=6000, help="most abstracts of --corpus to take sentences from"
    )
    p.add_argument("--kinds", default="flat,hnsw,ivf", help="index kinds to measure, comma-separated")
    p.add_argument("--sets", default="realistic,stress", help="vector sets to measure, comma-separated")
    p.add_argument("--no-bm25", action="store_true", help="skip the BM25 memory and latency measurement")
    p.add_argument(
        "--service-size",
        type=whole(0),
        help="papers in the data directory the API load and one-shot commands are timed on "
        "(default 100000 when --sizes has it, else the smallest size; 0 skips them)",
    )
    p.add_argument(
        "--requests", type=whole(1, 1000), default=2000, help="/search requests per API load run (3 runs)"
    )
    p.add_argument("--plot", type=Path, default=Path("paperlens-bench.png"), help="where to draw the figures")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "encoders", help="papers/s of each embedding space on real abstracts, and one import with both"
    )
    p.add_argument(
        "--corpus", type=Path, default=Path("eval/med-en/corpus.jsonl"), help="a BEIR corpus.jsonl"
    )
    p.add_argument("-n", type=whole(1, 1000), default=128, help="abstracts to embed (default 128)")
    p.add_argument(
        "--rounds", type=whole(1, 1000), default=3, help="rounds; each figure is the median (default 3)"
    )
    p.add_argument("--json", action="store_true")
    return ap


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    from lab import commands

    run = {
        "eval": commands.cmd_eval,
        "eval-answers": commands.cmd_eval_answers,
        "bench": commands.cmd_bench,
        "encoders": commands.cmd_encoders,
    }
    try:
        return run[args.command](args)
    except PaperLensError as e:
        print(f"paperlens-lab: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
