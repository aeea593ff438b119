"""Monotonic alignment of an English abstract with its Chinese version: the CVPR 2020 table's bilingual
rows (one-sentence Chinese summaries), a full translation, and English sentences one Chinese sentence folds."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np

from index.answers.align import align, anchors
from index.answers.sentences import split_sentences
from tests.index.answers.zh_abstracts import C2FNAS_ZH

TABLE = Path(__file__).resolve().parents[2] / "data" / "cvpr2020_medical_zh.md"
SAMPLE = Path(__file__).resolve().parents[3] / "index" / "data" / "sample_papers.jsonl"


def bilingual_rows() -> dict[str, tuple[list[str], list[str]]]:
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| 2020") and cells[4]:
            rows[cells[1].split(":")[0]] = (split_sentences(cells[3]), split_sentences(cells[4]))
    return rows


def english(prefix: str) -> list[str]:
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        if obj["id"].startswith(prefix):
            return split_sentences(obj["abstract"])
    raise AssertionError(prefix)


def monotonic(links: list[tuple[int, int]]) -> bool:
    return all(a <= c and b <= d for (a, b), (c, d) in itertools.pairwise(links))


def test_one_sentence_summaries_align_to_the_sentences_they_say() -> None:
    rows = bilingual_rows()
    assert set(rows) == {"DeepFLASH", "FocalMix", "SAINT"}
    en, zh = rows["FocalMix"]  # FocalMix; LUNA16 and NLST; 400 CT scans, 17.3%
    assert len(zh) == 1
    assert {i for i, _ in align(en, zh)} == {2, 3, 4}
    en, zh = rows["SAINT"]  # SAINT, voxel spacing, 853 CT scans: not the background on SISR's memory cost
    linked = {i for i, _ in align(en, zh)}
    assert 4 in linked and 2 in linked and 0 not in linked
    en, zh = rows["DeepFLASH"]
    assert (0, 0) in align(en, zh)
    for en, zh in rows.values():
        assert monotonic(align(en, zh))


def test_a_translation_aligns_sentence_by_sentence() -> None:
    en, zh = english("cvpr2020:c2fnas"), split_sentences(C2FNAS_ZH)
    assert (len(en), len(zh)) == (7, 7)  # "two stages: 1) ...; 2) ..." stays one sentence in both languages
    assert align(en, zh) == [(i, i) for i in range(7)]


def test_english_sentences_one_chinese_sentence_says_are_folded_onto_it() -> None:
    en = english("cvpr2020:c2fnas")
    # The enumeration as three English sentences (as a splitter that ends one before "1)" gives them):
    en = [*en[:4], *(p.strip() for p in re.split(r"(?= [12]\) )", en[4])), *en[5:]]
    zh = split_sentences(C2FNAS_ZH)
    assert (len(en), len(zh)) == (9, 7)
    links = align(en, zh)
    assert monotonic(links)
    for i in (0, 1, 2, 3):
        assert (i, i) in links
    assert (8, 6) in links and "10" in en[8] and "10个公开数据集" in zh[6]
    assert {i for i, j in links if j == 4} >= {5, 6}  # both stages are said by the one Chinese sentence
    assert {j for _, j in links} == set(range(len(zh)))


def test_similarity_decides_when_anchors_and_lengths_cannot() -> None:
    en = ["The cat sat quietly on the mat.", "The dog ran quickly in the park."]
    zh = ["狗在公园里跑得很快。"]

    def embedder(zh_like: list[float]):  # type: ignore[no-untyped-def]
        vec = {"cat": [1.0, 0.0], "dog": [0.0, 1.0], "狗": zh_like}
        return lambda texts: np.array(
            [next(v for k, v in vec.items() if k in t) for t in texts], dtype=np.float32
        )

    assert align(en, zh, embed=embedder([0.0, 1.0])) == [(1, 0)]
    assert align(en, zh, embed=embedder([1.0, 0.0])) == [(0, 0)]


def test_anchors_are_figures_and_names_not_ordinary_words() -> None:
    got = anchors("Results show up to 17.3% on LUNA16 and NLST with 400 unlabeled CT scans in 3D.")
    assert got == {"17.3", "luna16", "nlst", "400", "ct", "3d"}
    assert align([], ["一句。"]) == [] and align(["One."], []) == []
