"""Extractive summaries from learned sentence roles, on every paper of the bundled sample corpus and on the
papers whose summaries a reader would not keep before: whole numbers and whole sentences only, no sentence
twice, a TL;DR that says what the paper does, takeaways that are contributions and results, numbered
continuously, no section filled with "not stated"; a Chinese abstract's sentences take the roles of the
English sentences they say; and Chinese asked for without a model is said so, once."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.render import cut
from index.answers.role_summary import clip, extractive_summary, trim_lead, units
from index.answers.sentences import split_sentences
from index.answers.summarize import Summarizer
from index.config import LLMSettings
from index.digests.build import build_digest
from index.digests.export import to_markdown
from index.models import Paper, SummaryContent
from index.paperindex import PaperIndex
from index.sample import sample_corpus
from index.sources.importers import records_for
from index.topics import Topic
from tests.index.answers.zh_abstracts import C2FNAS_ZH, FOCALMIX_ZH

pytestmark = pytest.mark.slow  # the role classifier embeds with the real English model

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ENUM = re.compile(r"(?:^|\s)\(?(\d)[)）]")
PREFIXES = ("Problem addressed: ", "针对的问题：", "Venue: ", "Authors: ")
NOT_STATED = ("Not stated", "not stated", "未说明")


def sample_papers() -> list[Paper]:
    return [p for _, p in records_for(sample_corpus(), "jsonl") if isinstance(p, Paper)]


def sample(prefix: str) -> Paper:
    return next(p for p in sample_papers() if p.id.startswith(prefix))


def whole_numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def broken_numbers(shown: str, p: Paper) -> set[str]:
    """Numbers in what is shown that are not whole numbers of the paper ("2." cut from "+2.48dB")."""
    source = " ".join([p.title, p.abstract, p.abstract_zh or "", p.comment or "", *p.authors])
    return whole_numbers(shown) - whole_numbers(source)


def sections(c: SummaryContent) -> dict[str, str]:
    return c.analysis.model_dump()


def check_shape(c: SummaryContent, p: Paper) -> None:
    """What every extractive summary must be: whole numbers and sentences, nothing said twice, nothing
    "not stated", the TL;DR nowhere else, takeaways numbered continuously."""
    texts = [c.tldr, *c.takeaways, *sections(c).values()]
    assert not broken_numbers(" ".join(texts), p), p.id
    assert not any(x in t for t in texts for x in NOT_STATED), p.id
    source = (
        p.abstract_zh if p.abstract_zh and any("\u4e00" <= ch <= "\u9fff" for ch in c.tldr) else p.abstract
    )
    sents = split_sentences(source)
    whole = set(units(sents))
    for t in c.takeaways:
        core = next((t[len(x) :] for x in PREFIXES if t.startswith(x)), t)
        assert core in whole or core == p.title or t.startswith(("Venue: ", "Authors: ")), (p.id, t)
        numbers = [int(n) for n in _ENUM.findall(core)]
        assert numbers == list(range(1, len(numbers) + 1)), (p.id, t)  # 1) 2) 3) 4), never 1) 2) 4)
    assert len(set(c.takeaways)) == len(c.takeaways)
    tldr_core = c.tldr.removesuffix("…")[1:]  # a trimmed connective may have capitalised the first letter
    assert not any(tldr_core in t for t in [*c.takeaways, *sections(c).values()]), (p.id, c.tldr)
    used = [s for v in sections(c).values() for s in split_sentences(v)]
    assert len(used) == len(set(used)), (p.id, "a sentence in two sections")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_sample_summary_is_whole_and_says_nothing_twice(lang: str) -> None:
    papers = sample_papers()
    assert len(papers) == 40
    for p in papers:
        c, _ = extractive_summary(p, lang)
        check_shape(c, p)
        assert 3 <= len(c.takeaways) <= 7


def test_gaussiancube_tldr_is_its_contribution_without_the_connective_and_no_empty_conclusion() -> None:
    p = sample("2403.19655")
    c, _ = extractive_summary(p, "en")
    assert c.tldr.startswith("We introduce GaussianCube, a structured GS representation")
    assert "We achieve this by first proposing" not in c.analysis.results  # a method, not a result
    assert "We achieve this by first proposing" in c.analysis.method
    assert c.analysis.results.startswith("Extensive experiments conducted on ShapeNet")
    assert c.analysis.conclusion == ""  # left out, not "Not stated in the abstract"
    assert c.analysis.prior_work.startswith("However, this unstructured representation")


def test_iog_takeaways_keep_its_enumeration_whole_and_in_order() -> None:
    c, _ = extractive_summary(sample("cvpr2020:interactive-object"), "en")
    assert c.tldr == "We propose an Inside-Outside Guidance (IOG) approach in this work."
    folded = [t for t in c.takeaways if "four-fold" in t]
    assert len(folded) == 1 and [int(n) for n in _ENUM.findall(folded[0])] == [1, 2, 3, 4]
    assert not any(re.match(r"\(?\d\)", t) for t in c.takeaways)
    assert any("achieves state-of-the-art performance" in t for t in c.takeaways)


def test_focalmix_chinese_tldr_is_what_it_proposes_not_its_problem() -> None:
    p = sample("cvpr2020:focalmix").model_copy(update={"abstract_zh": FOCALMIX_ZH})
    c, translated = extractive_summary(p, "zh")
    assert translated
    assert c.tldr.startswith("我们提出了一种名为FocalMix的新方法")  # "在本文中，" trimmed
    assert "然而" not in c.tldr and "依赖于大量精心标注的数据" in c.analysis.prior_work
    assert "17.3%" in c.analysis.results
    assert any("LUNA16" in t for t in c.takeaways) and any("17.3%" in t for t in c.takeaways)
    check_shape(c, p)


def test_c2fnas_chinese_results_hold_its_ten_dataset_finding() -> None:
    p = sample("cvpr2020:c2fnas").model_copy(update={"abstract_zh": C2FNAS_ZH})
    c, _ = extractive_summary(p, "zh")
    assert "C2FNAS" in c.tldr and not c.tldr.startswith("最近")  # not the background on NAS
    assert "10个公开数据集" in c.analysis.results
    assert "最近，神经架构搜索" in c.analysis.background
    check_shape(c, p)
    english, _ = extractive_summary(sample("cvpr2020:c2fnas"), "zh")  # no Chinese abstract: English excerpts
    assert "10 public datasets" in english.analysis.results


def test_takeaways_are_contributions_and_results_not_background() -> None:
    abstract = (
        "Image registration is important in medicine. However, existing methods struggle with large motion. "
        "We propose FlowReg, a network that predicts diffeomorphic flows. It uses a multi-scale decoder. "
        "Experiments on two brain datasets show a 4.2% Dice improvement. This work underscores the potential "
        "of learned flows."
    )
    c, _ = extractive_summary(Paper(id="x1", title="FlowReg", abstract=abstract), "en")
    assert c.tldr.startswith("We propose FlowReg")
    assert "It uses a multi-scale decoder." in c.takeaways
    assert any("4.2%" in t for t in c.takeaways)
    assert not any("important in medicine" in t for t in c.takeaways)
    assert c.analysis.prior_work.startswith("However, existing")
    assert "4.2%" in c.analysis.results and "4.2%" not in c.analysis.conclusion


def test_a_leading_connective_is_trimmed_only_when_a_sentence_is_left() -> None:
    assert trim_lead("To address the problem, we introduce X, a structured representation.") == (
        "We introduce X, a structured representation."
    )
    assert (
        trim_lead("为此，我们提出了一种新的搜索方法。") == "为此，我们提出了一种新的搜索方法。"
    )  # too short
    assert trim_lead("在本文中，我们提出了一种由粗到细的神经架构搜索方法，自动搜索三维分割网络。").startswith(
        "我们提出"
    )
    assert trim_lead("Thus ends it.") == "Thus ends it."


def test_cuts_never_split_a_number() -> None:
    text = "FocalMix improves detection by up to 17.3% over supervised learning on LUNA16 and NLST"
    for limit in range(20, len(text)):
        for shortened in (clip(text, limit), cut(text, limit)):
            assert len(shortened) <= limit
            assert whole_numbers(shortened) <= whole_numbers(text), shortened


def test_chinese_digest_without_a_model_says_so_once(sample_index: PaperIndex) -> None:
    nerf = Topic(name="NeRF", keywords=("NeRF",))
    summarizer = Summarizer(sample_index, LLMSettings(_env_file=None))
    d = build_digest(sample_index, summarizer, nerf, date(2024, 4, 1), lang="zh")
    md = to_markdown(d)
    assert d.lang == "zh" and d.entries and not any(e.translated for e in d.entries)
    assert md.count("没有配置语言模型") == 1 and "English excerpts" in md
    english = build_digest(sample_index, summarizer, nerf, date(2024, 4, 1))
    assert "没有配置语言模型" not in to_markdown(english)
    for e in d.entries:
        assert not broken_numbers(" ".join([e.tldr, *e.takeaways]), e.paper)
