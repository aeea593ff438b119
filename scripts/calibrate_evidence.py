"""Calibrate the weak-evidence thresholds (PAPERLENS_LLM_MIN_EVIDENCE, ..._MIN_EVIDENCE_MULTILINGUAL).

    .venv/bin/python scripts/calibrate_evidence.py

Prints, for the labelled questions over the sample corpus (answerable) and for questions about
topics the corpus does not cover (unanswerable), the best cosine in the English and multilingual
spaces, and how many of each the configured thresholds would call weak.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.retrieval.e5 import evidence_floor
from lab.evaluate import corpus_records

ROOT = Path(__file__).resolve().parent.parent
OFF_TOPIC = [
    "chocolate cake recipe with butter",
    "stock market prediction with LSTM",
    "how to train a puppy to sit",
    "speech recognition for low-resource languages",
    "protein folding with transformers",
    "reinforcement learning for robot locomotion",
    "large language model alignment with human feedback",
    "graph neural networks for molecules",
    "who won the world cup in 2018",
    "quantum error correction codes",
    "巧克力蛋糕的做法",
    "股票价格预测",
    "如何训练小狗",
    "低资源语言的语音识别",
    "蛋白质结构预测",
    "机器人运动的强化学习",
    "大语言模型的人类反馈对齐",
    "分子图神经网络",
    "2018年世界杯冠军",
    "量子纠错码",
]


def main() -> None:
    llm = LLMSettings(_env_file=None)
    on = [
        json.loads(x)["text"]
        for n in ("sample-en", "sample-zh")
        for x in (ROOT / "eval" / n / "queries.jsonl").read_text().splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        ix = PaperIndex(IndexSettings(_env_file=None, data_dir=Path(tmp), multilingual=True))
        ix.ingest(corpus_records(ROOT / "eval" / "sample-en" / "corpus.jsonl"), "sample")
        for name, qs in (("answerable", on), ("off-topic", OFF_TOPIC)):
            ev = np.array([ix.best_evidence(q) for q in qs])
            floor = llm.min_evidence_multilingual
            floor = floor if floor is not None else evidence_floor(ix.multilingual_model_name)
            weak = sum(1 for d, m in ev if d < llm.min_evidence and m < floor)
            print(
                f"{name:<11} n={len(qs):>3}  english cos min/median/max {ev[:, 0].min():.3f}/"
                f"{np.median(ev[:, 0]):.3f}/{ev[:, 0].max():.3f}  multilingual {ev[:, 1].min():.3f}/"
                f"{np.median(ev[:, 1]):.3f}/{ev[:, 1].max():.3f}  called weak: {weak}"
            )
        ix.close()


if __name__ == "__main__":
    main()
