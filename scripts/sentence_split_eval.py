"""Sentence splitting against gold sentences, and fragments left in real abstracts.

    .venv/bin/python scripts/sentence_split_eval.py

CSAbstruct (lab/data/csabstruct: computer-science abstracts split into sentences by hand) gives the gold
boundaries: each abstract's sentences are joined with spaces, split by index.answers.sentences, and the
boundaries (character offsets) compared: precision, recall and F1 over all abstracts. The real MICCAI 2025
abstracts of lab/data/feed have no gold split; for them the count is of "sentences" that end without a
sentence stop although another follows (a sentence cut in the middle, e.g. before "(ii)").
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.answers.sentences import split_sentences  # noqa: E402

ENDED = re.compile(r"[.!?。！？…:;][\"'”’)\]]*$")


def _boundaries(sentences: list[str]) -> set[int]:
    out, pos = set(), 0
    for s in sentences[:-1]:
        pos += len(s) + 1
        out.add(pos)
    return out


def gold(path: Path) -> str:
    hit = predicted = wanted = docs = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        sentences = [" ".join(s.split()) for s in json.loads(line)["sentences"]]
        g, p = _boundaries(sentences), _boundaries(split_sentences(" ".join(sentences)))
        hit, predicted, wanted, docs = hit + len(g & p), predicted + len(p), wanted + len(g), docs + 1
    precision, recall = hit / predicted, hit / wanted
    f1 = 2 * precision * recall / (precision + recall)
    return (
        f"{path.relative_to(ROOT)}: {docs} abstracts, boundary P {precision:.4f} R {recall:.4f} F1 {f1:.4f}"
    )


def fragments(path: Path) -> str:
    cut = total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        sentences = split_sentences(json.loads(line)["abstract"])
        total += len(sentences)
        cut += sum(1 for s in sentences[:-1] if not ENDED.search(s))
    return f"{path.relative_to(ROOT)}: {total} sentences, {cut} cut before their end"


if __name__ == "__main__":
    for split in ("test", "dev"):
        print(gold(ROOT / "lab" / "data" / "csabstruct" / f"{split}.jsonl"))
    print(fragments(ROOT / "lab" / "data" / "feed" / "papers.jsonl"))
