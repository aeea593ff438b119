"""The `paperlens` commands: each parses nothing (cli/parser.py does), calls the library, prints.

Printing is this package's job; the library logs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.render import check_view, hits_table, sections_view, terminal_console
from cli.sections import check_sections, check_verdict, sections_text, stats_sections
from cli.text import emit, empty_text, hits_text, json_text, paper_text
from index import sample
from index.config import LLMSettings
from index.errors import InvalidQueryError
from index.models import Filters, Paper, SearchHit
from index.paperindex import PaperIndex
from index.progress import progress
from index.sample import SAMPLE_SIZE
from index.services import Core, build_services
from index.text import terminal_text


def _services(ix: PaperIndex) -> Core:
    """The answerer, summarizer and topics over this index, wired as every front end wires them."""
    return build_services(ix.settings, LLMSettings(), index=ix)


def _filters(a: argparse.Namespace) -> Filters:
    return Filters(
        since=getattr(a, "since", None),
        until=getattr(a, "until", None),
        category=getattr(a, "category", None),
        topic=getattr(a, "topic", None),
        author=getattr(a, "author", None),
        venue=getattr(a, "venue", None),
        has_code=bool(getattr(a, "has_code", False)),
    )


def ensure_sample(index: PaperIndex) -> None:
    """Fill an empty store from the bundled sample corpus, with a progress bar and what is happening."""
    if index.count():
        return
    with progress("import sample", SAMPLE_SIZE) as advance:
        sample.ensure_sample(index, advance, say=lambda line: print(line, file=sys.stderr))


# ----- commands -----
def cmd_search(ix: PaperIndex, a: argparse.Namespace) -> int:
    f = _filters(a)
    if a.stdin:
        for line in sys.stdin:
            try:
                hits = ix.search(line, k=a.k, mode=a.mode, filters=f)
                emit([h.brief() for h in hits])
            except InvalidQueryError as e:
                emit({"error": str(e)})
            sys.stdout.flush()
        return 0
    if ix.count() == 0:  # said before any model loads: a wrong data directory is obvious at once
        print(empty_text(ix))
        return 0
    hits = ix.search(" ".join(a.query), k=a.k, mode=a.mode, filters=f)
    _print_hits(ix, hits, a)
    return 0


def _citations(papers: list[Paper], fmt: str) -> bool:
    """Print BibTeX or RIS when that format was asked for; False otherwise."""
    if fmt not in ("bibtex", "ris"):
        return False
    from index.bibliography import to_bibtex, to_ris

    print(terminal_text((to_bibtex if fmt == "bibtex" else to_ris)(papers)), end="")
    return True


def _print_hits(ix: PaperIndex, hits: list[SearchHit], a: argparse.Namespace) -> None:
    if _citations([h.paper for h in hits], a.format):
        return
    if a.json or a.format == "json":
        emit([h.brief() for h in hits])
    elif hits and (console := terminal_console(sys.stdout)) is not None:
        console.print(hits_table(hits))
    elif hits:
        print(hits_text(hits))
    else:
        print(empty_text(ix))


def cmd_similar(ix: PaperIndex, a: argparse.Namespace) -> int:
    _print_hits(ix, ix.similar(" ".join(a.paper), k=a.k, filters=_filters(a)), a)
    return 0


def cmd_show(ix: PaperIndex, a: argparse.Namespace) -> int:
    p = ix.resolve(" ".join(a.paper))
    if not _citations([p], a.format):
        emit(p.model_dump(mode="json")) if a.json or a.format == "json" else print(paper_text(p))
    return 0


def cmd_stats(ix: PaperIndex, a: argparse.Namespace) -> int:
    st = ix.stats()
    if a.json:
        emit(st)
    elif (console := terminal_console(sys.stdout)) is not None:
        console.print(sections_view(stats_sections(st)))
    else:
        print(sections_text(stats_sections(st)))
    return 0


def cmd_import(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.sources.importers import records_for

    records = records_for(Path(a.path), a.format, a.id_prefix, tuple(a.topic or ()))
    with progress(f"import {Path(a.path).name}") as advance:
        report = ix.ingest(records, str(a.path), advance)
    emit(report.model_dump()) if a.json else print(report.summary())
    if report.seen == 0 and report.bad_count:
        print(
            f"paperlens: error: nothing could be imported from {a.path}: all {report.bad_count:,} of its "
            f"lines were bad (the first: line {report.bad[0].line}: {report.bad[0].reason}). "
            "Check the file and its --format.",
            file=sys.stderr,
        )
        return 2
    return 0


def cmd_ingest(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.ingest import ingest_topic
    from index.topics import find_topic, load_topics

    topics = load_topics(ix.settings.topics_file)
    for t in [find_topic(topics, a.topic)] if a.topic else topics:
        with progress(f"ingest {t.name}") as advance:
            report = ingest_topic(ix, t, a.since, advance)
        emit(report.model_dump()) if a.json else print(report.summary())
    return 0


def cmd_ask(ix: PaperIndex, a: argparse.Namespace) -> int:
    from cli.text import answer_text

    ans = _services(ix).answerer.ask(" ".join(a.question), paper=a.paper, lang=a.lang)
    emit(ans.to_json()) if a.json else print(answer_text(ans))
    return 0


def cmd_summarize(ix: PaperIndex, a: argparse.Namespace) -> int:
    from cli.text import summary_text

    s = _services(ix).summarizer.summarize(" ".join(a.paper), lang=a.lang)
    emit(s.model_dump(mode="json")) if a.json else print(summary_text(s))
    return 0


def cmd_digest(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.digests.build import topic_digest
    from index.digests.export import to_markdown, to_table

    core = _services(ix)
    d = topic_digest(ix, core.summarizer, core.topics, a.topic, a.date, days=a.days, lang=a.lang)
    if not d.entries and a.format in ("bibtex", "ris"):  # an empty file would look like a successful export
        print(
            f"paperlens: error: the {d.topic} digest for {d.date} lists no papers: {d.empty_reason or d.note}. "
            "Try another --date or more --days.",
            file=sys.stderr,
        )
        return 2
    if _citations([e.paper for e in d.entries], a.format):
        return 0
    if a.format == "markdown":
        print(terminal_text(to_markdown(d)), end="")
    elif a.format == "table":
        print(
            terminal_text(
                to_table(d, {e.paper.id: core.summarizer.chinese_abstract(e.paper) for e in d.entries})
            ),
            end="",
        )
    else:
        print(json_text(d.model_dump_json(indent=2)))
    return 0


def cmd_check(ix: PaperIndex, a: argparse.Namespace) -> int:
    """The database's integrity check and whether every index file agrees with the store."""
    problems = ix.integrity_problems()
    state = ix.check()
    for name in ("dense", "multi"):
        part = state.get(name)
        if part is not None and not part["agree"]:
            problems.append(
                f"the {name} index file does not match the store ({part.get('error') or 'stale'}); "
                "any search repairs it, or run `paperlens rebuild`"
            )
    if state["duplicate_ids"]:
        problems.append(f"{state['duplicate_ids']} duplicate paper rows")
    from index.dedupe import duplicate_groups

    groups = duplicate_groups(ix.store)
    if groups:
        extra = sum(len(g) - 1 for g in groups)
        shown = "; ".join(" = ".join(g) for g in groups[:5]) + (
            f"; and {len(groups) - 5} more" if len(groups) > 5 else ""
        )
        problems.append(
            f"{extra} papers are held more than once under different ids (same title and first "
            f"author): {shown}"
        )
    report = {"papers": state["papers"], "problems": problems, "ok": not problems}
    if a.json:
        emit(report)
    elif (console := terminal_console(sys.stdout)) is not None:
        console.print(check_view(state["papers"], problems, check_sections(state)))
    else:
        print(terminal_text(check_verdict(state["papers"], problems)))
        print("\n" + sections_text(check_sections(state)))
    return 0 if not problems else 2


def cmd_rebuild(ix: PaperIndex, a: argparse.Namespace) -> int:
    n = ix.rebuild()
    print(f"rebuilt the index: {n} papers embedded with {ix.model_name}")
    return 0


def cmd_topics(ix: PaperIndex, a: argparse.Namespace) -> int:
    from index.topics import load_topics

    counts = ix.topic_counts()
    for t in load_topics(ix.settings.topics_file):
        print(f"{t.name} ({counts.get(t.name, 0)} papers)\n    query: {t.arxiv_query()}")
    return 0


def cmd_shell(ix: PaperIndex, a: argparse.Namespace) -> int:
    from cli.shell import Shell

    ensure_sample(ix)
    return Shell(ix, LLMSettings(), console=terminal_console(sys.stdout)).loop(sys.stdin, sys.stdout)


def cmd_run(ix: PaperIndex, a: argparse.Namespace) -> int:
    """The terminal session, after filling an empty index from the sample corpus (with a Discord token
    configured, `paperlens run` starts the bot instead: cli/launch.py)."""
    return cmd_shell(ix, a)
