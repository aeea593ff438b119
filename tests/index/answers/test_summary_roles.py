"""Extractive summaries by sentence role, on every paper of the bundled sample corpus: whole numbers only,
no sentence twice, takeaways that are contributions and results; and Chinese asked for without a model is
said so, once."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.render import cut
from index.answers.sentences import split_sentences
from index.answers.summarize import Summarizer, clip, extractive_summary, sentence_roles
from index.config import LLMSettings
from index.digests.build import build_digest
from index.digests.export import to_markdown
from index.models import Paper
from index.paperindex import PaperIndex
from index.sample import sample_corpus
from index.sources.importers import records_for
from index.topics import Topic

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
PREFIXES = ("Problem addressed: ", "针对的问题：", "Venue: ", "Authors: ")


def sample_papers() -> list[Paper]:
    return [p for _, p in records_for(sample_corpus(), "jsonl") if isinstance(p, Paper)]


def whole_numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def broken_numbers(shown: str, p: Paper) -> set[str]:
    """Numbers in what is shown that are not whole numbers of the paper ("2." cut from "+2.48dB")."""
    source = " ".join([p.title, p.abstract, p.comment or "", *p.authors])
    return whole_numbers(shown) - whole_numbers(source)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_sample_summary_uses_whole_sentences_once(lang: str) -> None:
    papers = sample_papers()
    assert len(papers) == 40
    for p in papers:
        c, _ = extractive_summary(p, lang)
        sents = set(split_sentences(p.abstract))
        texts = [c.tldr, *c.takeaways, *c.analysis.model_dump().values()]
        assert not broken_numbers(" ".join(texts), p), p.id
        for t in c.takeaways:
            core = next((t[len(x) :] for x in PREFIXES if t.startswith(x)), t)
            assert core in sents or core == p.title or t.startswith(("Venue: ", "Authors: ")), (p.id, t)
        assert c.tldr not in c.takeaways and len(set(c.takeaways)) == len(c.takeaways)
        sections = [v for v in c.analysis.model_dump().values() if "Not stated" not in v and "未说明" not in v]
        used = [s for v in sections for s in split_sentences(v)]
        assert len(used) == len(set(used)), (p.id, "a sentence in two sections")


def test_takeaways_are_contributions_and_results_not_background() -> None:
    abstract = (
        "Image registration is important in medicine. However, existing methods struggle with large motion. "
        "We propose FlowReg, a network that predicts diffeomorphic flows. It uses a multi-scale decoder. "
        "Experiments on two brain datasets show a 4.2% Dice improvement. This work underscores the potential "
        "of learned flows."
    )
    assert sentence_roles(split_sentences(abstract)) == [
        "background",
        "problem",
        "method",
        "method",
        "result",
        "conclusion",
    ]
    c, _ = extractive_summary(Paper(id="x1", title="FlowReg", abstract=abstract), "en")
    assert c.tldr.startswith("We propose FlowReg")
    assert c.takeaways[0] == "It uses a multi-scale decoder."
    assert not any("important in medicine" in t for t in c.takeaways)
    assert c.analysis.prior_work.startswith("However, existing")
    assert c.analysis.results != c.analysis.conclusion and "4.2%" in c.analysis.results


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
