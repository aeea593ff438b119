"""Sentence splitting keeps what researchers ask for whole: numbers, abbreviations, Chinese sentences."""

from __future__ import annotations

import json
import re

import pytest

from index.answers.sentences import split_sentences
from index.answers.summarize import extractive_summary
from index.models import Paper
from tests.helpers.factories import SAMPLE

NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)+%?")


def test_numbers_abbreviations_and_urls() -> None:
    text = (
        "Our method improves PSNR by +6.13dB and +2.48dB, respectively. FocalMix achieves 17.3% improvement "
        "(e.g. on LUNA16) over Zhang et al. in 2019. Code is available at https://github.com/x/y.z. "
        "We propose ASDF, which is up to 45 times faster."
    )
    assert split_sentences(text) == [
        "Our method improves PSNR by +6.13dB and +2.48dB, respectively.",
        "FocalMix achieves 17.3% improvement (e.g. on LUNA16) over Zhang et al. in 2019.",
        "Code is available at https://github.com/x/y.z.",
        "We propose ASDF, which is up to 45 times faster.",
    ]
    assert split_sentences("我们提出了一种新方法。它提高了17.3%的精度！代码开源吗？") == [
        "我们提出了一种新方法。",
        "它提高了17.3%的精度！",
        "代码开源吗？",
    ]


ENUMERATIONS = [
    (  # a real abstract's first sentence (the sample's CVPR 2020 "Structure Boundary Preserving ...")
        "We tackle two problems of medical images, which are (i) ambiguity of structure boundary and "
        "(ii) uncertainty of the segmented region. To solve those two problems, we propose a framework.",
        [
            "We tackle two problems of medical images, which are (i) ambiguity of structure boundary and "
            "(ii) uncertainty of the segmented region.",
            "To solve those two problems, we propose a framework.",
        ],
    ),
    (
        "Specifically, ConStyX 1) augments the content and style and 2) leverages augmented features. "
        "It works.",
        [
            "Specifically, ConStyX 1) augments the content and style and 2) leverages augmented features.",
            "It works.",
        ],
    ),
    ("It has (a) a loss, and (b) a dataset.", ["It has (a) a loss, and (b) a dataset."]),
    # an item after a finished sentence starts a new one
    ("We test on a) CT. b) MRI is next.", ["We test on a) CT.", "b) MRI is next."]),
]


@pytest.mark.parametrize(("text", "sentences"), ENUMERATIONS)
def test_an_inline_enumeration_stays_in_its_sentence(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def sample_papers() -> list[Paper]:
    papers = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        papers.append(Paper(id=str(obj["id"]), title=obj["title"], abstract=obj["abstract"]))
    return papers


def test_no_number_of_the_sample_corpus_is_cut_in_half() -> None:
    for p in sample_papers():
        sentences = split_sentences(p.abstract)
        # Nothing lost or reordered (a space may be added where a sentence end had lost its own).
        assert "".join("".join(sentences).split()) == "".join(p.abstract.split()), p.id
        for number in NUMBER.findall(p.abstract):
            assert any(number in s for s in sentences), (p.id, number)


# The summaries' sentence roles come from the real packaged model (the role classifier's encoder): slow, as
# the marker defines.
@pytest.mark.slow
def test_no_summary_of_the_sample_corpus_cuts_a_number_in_half() -> None:
    for p in sample_papers():
        s = extractive_summary(p, "en")[0]
        numbers = NUMBER.findall(p.abstract)
        for part in [s.tldr, *s.takeaways, s.analysis.results, s.analysis.conclusion]:
            for number in numbers:  # "17.3%" must never show as "... 17." and "3% ..."
                head, _, tail = number.partition(".")
                assert not part.endswith(head + "."), (p.id, part)
                assert not part.startswith(tail), (p.id, part)
