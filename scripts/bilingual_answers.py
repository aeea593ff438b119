"""Chinese answers about the CVPR 2020 table's papers, before and after importing the table with its
中文摘要 column (the sample corpus is the base): `.venv/bin/python scripts/bilingual_answers.py`."""

import tempfile
from pathlib import Path

from index.answers.answer import Answerer
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.sample import import_sample
from index.sources.importers import records_for
from lab.answer_eval import evaluate_answers, load_questions

qs = [
    q
    for f in ("eval/answers/questions.jsonl", "eval/answers/unseen.jsonl")
    for q in load_questions(Path(f))
    if q.lang == "zh" and q.paper.startswith("cvpr2020:")
]
print(len(qs), "questions")
with tempfile.TemporaryDirectory() as tmp:
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp)))
    import_sample(ix, lambda n: None)
    a = Answerer(ix, LLMSettings(_env_file=None, provider="extractive"))
    before = evaluate_answers(a, qs)["scores"]["zh"]
    rep = ix.ingest(records_for(Path("tests/data/cvpr2020_medical_zh.md"), "table"), "table")
    after = evaluate_answers(a, qs)
    print("before", before, "\nafter", after["scores"]["zh"], "\nimport", rep.added, rep.updated, rep.matched)
    for r in after["rows"]:
        print("ok " if r["correct"] else "MISS", r["question"], "->", r["answer"][:160])
    ix.close()
