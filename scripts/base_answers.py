"""The round's starting code (run with PYTHONPATH at its tree) answering a question set over a BEIR corpus:
its eval-answers had no --corpus option, so this does what that option does, with its own functions."""

import sys
import tempfile
from pathlib import Path

from index.answer_eval import evaluate_answers, load_questions
from index.evaluate import corpus_records

from index.answers.answer import Answerer
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex

qs = load_questions(Path(sys.argv[1]))
with tempfile.TemporaryDirectory() as tmp:
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp)))
    ix.ingest(corpus_records(Path(sys.argv[2])), "corpus")
    r = evaluate_answers(Answerer(ix, LLMSettings(_env_file=None, provider="extractive")), qs)
    for lang, s in r["scores"].items():
        print(
            f"  {lang:<4} {s['correct']:>3}/{s['questions']:<3} correct {s['share']:.0%}  (states the fact {s['states_fact']:.0%}, cites the paper {s['cites_paper']:.0%})"
        )
    for row in r["rows"]:
        if not row["correct"]:
            print("MISS", row["id"], row["question"])
    ix.close()
