"""Answer evaluation: does an answer state the fact asked for, and cite the paper that states it?

A question set is JSONL, one object per line::

    {"id": "en-01", "lang": "en", "kind": "number", "question": "...", "paper": "<paper id>",
     "must_contain": [["45 times"], ["ScanNet", "ScanNet dataset"]]}

``must_contain`` is a list of groups: every group must be matched by one of its strings (case and spacing
ignored). An answer counts as correct when its text matches every group and its citations include ``paper``.
The sample corpus (or a BEIR-format ``corpus.jsonl`` given as ``corpus``) is imported into a temporary data
directory, so the figures measure what users get.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from index.answers.answer import Answerer
from index.config import IndexSettings, LLMSettings
from index.cpu import cpu_info
from index.errors import ImportFormatError
from index.models import Answer
from index.paperindex import PaperIndex
from index.sample import SAMPLE_SIZE, import_sample
from lab.evaluate import ProgressFactory, corpus_records, no_progress


class Question(BaseModel):
    """One labelled question."""

    id: str
    lang: str = Field(pattern="^(en|zh)$")
    kind: str = "other"
    question: str = Field(min_length=1)
    paper: str
    must_contain: list[list[str]] = Field(min_length=1)


def load_questions(path: Path) -> list[Question]:
    """The question set at ``path``; a malformed line is an error that names it."""
    out: list[Question] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                out.append(Question.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as e:
                reason = str(e).splitlines()[0]
                raise ImportFormatError(f"{path}, line {n}: not a labelled question ({reason})") from e
    if not out:
        raise ImportFormatError(f"{path}: no questions")
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def grade(answer: Answer, q: Question) -> dict[str, Any]:
    """Whether the answer states every required fact, and whether it cites the question's paper."""
    text = _norm(answer.text)
    missing = [g for g in q.must_contain if not any(_norm(s) in text for s in g)]
    cited = q.paper in [c.id for c in answer.citations]
    return {
        "id": q.id,
        "lang": q.lang,
        "kind": q.kind,
        "question": q.question,
        "correct": not missing and cited,
        "states_fact": not missing,
        "cites_paper": cited,
        "missing": [g[0] for g in missing],
        "answer": answer.text,
        "cited": [c.id for c in answer.citations],
        "fallback": answer.fallback,
    }


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares per language and overall."""
    out: dict[str, Any] = {}
    for lang in [*sorted({r["lang"] for r in rows}), "all"]:
        mine = [r for r in rows if lang in ("all", r["lang"])]
        out[lang] = {
            "questions": len(mine),
            "correct": sum(r["correct"] for r in mine),
            "share": round(sum(r["correct"] for r in mine) / len(mine), 4),
            "states_fact": round(sum(r["states_fact"] for r in mine) / len(mine), 4),
            "cites_paper": round(sum(r["cites_paper"] for r in mine) / len(mine), 4),
        }
    return out


def evaluate_answers(answerer: Answerer, questions: list[Question]) -> dict[str, Any]:
    """Ask every question; the graded rows and the shares."""
    rows = []
    started = time.perf_counter()
    for q in questions:
        rows.append(grade(answerer.ask(q.question, lang=q.lang), q))
    return {
        "provider": answerer.provider,
        "questions": len(questions),
        "seconds": round(time.perf_counter() - started, 1),
        "scores": score(rows),
        "rows": rows,
    }


def run_answer_eval(
    questions_path: Path,
    llm: LLMSettings,
    progress: ProgressFactory = no_progress,
    corpus: Path | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """The question set against the bundled sample corpus (or ``corpus``, a BEIR corpus.jsonl) in a
    temporary index: the extractive default, and the configured provider too when one is set."""
    questions = load_questions(questions_path)
    with tempfile.TemporaryDirectory(prefix="paperlens-answer-eval-") as tmp:
        settings = IndexSettings(data_dir=Path(tmp), **overrides)
        index = PaperIndex(settings)
        try:
            if corpus is None:
                with progress("import sample", SAMPLE_SIZE) as advance:
                    import_sample(index, advance)
            else:
                with progress(f"import {corpus.parent.name}", None) as advance:
                    index.ingest(corpus_records(corpus), corpus.parent.name, advance)
            known = {pid for _, pid, _ in index.titles()}
            unknown = sorted({q.paper for q in questions} - known)
            if unknown:
                where = corpus or "the sample corpus"
                raise ImportFormatError(f"{questions_path}: papers not in {where}: {unknown[:3]}")
            runs = [evaluate_answers(Answerer(index, LLMSettings(provider="extractive")), questions)]
            if llm.provider != "extractive":
                runs.append(evaluate_answers(Answerer(index, llm), questions))
        finally:
            index.close()
    return {"questions_file": str(questions_path), "cpu": cpu_info().as_dict(), "runs": runs}
