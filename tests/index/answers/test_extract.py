"""Question-focused extraction: question types, sentence choice, paper names, and the labelled set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.answers.answer import Answerer
from index.answers.extract import content_terms, intents, score_sentences, select
from index.answers.names import PaperNames, title_names
from index.config import LLMSettings
from index.errors import ImportFormatError
from index.paperindex import PaperIndex
from lab.answer_eval import evaluate_answers, load_questions

ROOT = Path(__file__).resolve().parents[3]
LLM = LLMSettings(_env_file=None)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much faster is ASDF?", {"number"}),
        ("Is MambaMorph's code available?", {"code"}),
        ("Which datasets was GaussianCube evaluated on?", {"dataset"}),
        ("Why are single-step models pseudo robust?", {"reason"}),
        ("MambaMorph 的代码在哪里可以获取？", {"code"}),
        ("FocalMix 使用了多少张CT扫描？", {"number"}),
        ("视网膜OCT分割在哪个数据集上评估？", {"dataset"}),
        ("为什么是伪鲁棒的？", {"reason"}),
        ("What method does MambaMorph use?", {"method"}),
        ("MambaMorph用了什么方法?", {"method"}),
        ("What is Gaussian splatting?", set()),
        ("At what frame rate can Street Gaussians render?", {"number"}),
        ("How long does training take?", {"number"}),
        ("What Dice score does the model reach?", {"number"}),
        ("该方法的渲染速度多快？", {"number"}),
        ("训练需要多久？", {"number"}),
    ],
)
def test_question_types(question: str, expected: set[str]) -> None:
    assert intents(question) == expected


def _flat(texts: list[str]) -> np.ndarray:
    """Every text the same vector: only the lexical and question-type signals differ."""
    return np.ones((len(texts), 4), dtype=np.float32) / 2.0


def test_the_sentence_with_the_asked_for_number_wins_over_the_topic_sentence() -> None:
    sentences = [
        "We propose FocalMix, semi-supervised learning for 3D medical image detection.",
        "FocalMix improves detection by up to 17.3% with 400 unlabeled CT scans.",
    ]
    titles = [set(content_terms("FocalMix: Semi-Supervised Learning for 3D Medical Image Detection"))] * 2
    q = "How much does FocalMix improve detection?"
    scores = score_sentences(q, q, sentences, _flat, titles)
    assert scores[1] > scores[0]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("At what frame rate can it render?", "It renders high-resolution views at 133 FPS on one GPU."),
        (
            "How many public datasets was it evaluated on?",
            "We evaluate the searched network on 10 public datasets.",
        ),
        ("How long does it take to train?", "Training takes 2 hours on a single RTX 3090."),
        (
            "What Dice score does it reach on the test set?",
            "It reaches a Dice score of 0.912 on the held-out test set.",
        ),
    ],
)
def test_a_quantity_question_is_answered_by_the_sentence_with_a_number_and_unit(
    question: str, answer: str
) -> None:
    # The distractors share the question's words and hold numbers too, but no quantity: dimensions (3D),
    # a year, a dataset name with digits.
    sentences = [
        "We model the dynamic 3D scene with 3D Gaussians that render, train and evaluate fast in 2024.",
        "The representation is trained and evaluated on LUNA16 and rendered per frame, for each test set.",
        answer,
    ]
    scores = score_sentences(question, question, sentences, _flat)
    assert int(np.argmax(scores)) == 2, scores


def test_a_dataset_question_is_answered_by_the_sentence_that_names_the_data_set() -> None:
    sentences = [  # a real abstract's (eval/med-en, miccai25-1980)
        "Multi-modality magnetic resonance imaging (MRI) is widely used in the clinical diagnosis of brain tumors.",
        "To address this challenge, we propose a unified model capable of synthesizing missing modalities through "
        "any subsets of the full-modality images.",
        "We evaluate our method on the BraTS 2023 dataset.",
    ]
    q = "Which dataset was the unified model for imputing missing brain tumour MRI modalities evaluated on?"
    scores = score_sentences(q, q, sentences, _flat)
    assert int(np.argmax(scores)) == 2, scores


def test_links_are_evidence_only_when_the_question_asks_for_code() -> None:
    sentences = ["Our method registers MR to CT.", "The code is available at https://github.com/x/y."]
    asked = score_sentences("Is the code available?", "Is the code available?", sentences, _flat)
    assert asked[1] > asked[0]
    unasked = score_sentences("What does it register?", "What does it register?", sentences, _flat)
    assert unasked[0] >= unasked[1] - 0.3  # no code bonus: only word overlap differs


def test_select_keeps_other_papers_only_above_the_bar_and_never_repeats() -> None:
    cands = [(0, 0, "a"), (0, 1, "b"), (1, 0, "c"), (2, 0, "d"), (0, 2, "a")]
    scores = np.array([1.0, 0.7, 0.9, 0.5, 0.99], dtype=np.float32)
    chosen = select(cands, scores)
    assert [c.text for c in chosen] == ["a", "b", "c"]  # paper 0 first (best), then paper 1 (0.9 >= 0.85)
    assert {c.source for c in chosen} == {0, 1}


def test_title_names() -> None:
    assert title_names("SplatPose & Detect: Pose-Agnostic 3D Anomaly Detection") == (
        "splatpose detect",
        ["splatpose"],
    )
    assert title_names("Explorable Super Resolution") == (None, [])


def test_names_from_titles_and_unique_coined_tokens(fake_index: PaperIndex) -> None:
    from tests.helpers.factories import paper

    fake_index.ingest(
        enumerate(
            [
                paper(
                    "2401.00001", title="SplatPose & Detect: Anomaly Detection", abstract="Gaussian splats."
                ),
                paper(
                    "2401.00002", title="Scene completion", abstract="We propose MVBTS for density fields."
                ),
                paper("2401.00003", title="Another NeRF", abstract="NeRF again."),
                paper("2401.00004", title="More NeRF", abstract="NeRF once more."),
            ],
            1,
        ),
        "test",
    )
    names = PaperNames(fake_index)
    assert names.find("Which dataset does SplatPose use?") == ["2401.00001"]
    assert names.find("Does MVBTS need labels?") == ["2401.00002"]
    assert names.find("What is NeRF?") == []  # in two papers: names neither


def test_answers_cite_consecutively_from_one(sample_index: PaperIndex) -> None:
    ans = Answerer(sample_index, LLM).ask("Which datasets did FocalMix use for lung nodule detection?")
    assert "LUNA16" in ans.text and ans.citations[0].n == 1
    numbers = [c.n for c in ans.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert ans.sources[0].id == ans.citations[0].id


def test_question_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "x", "lang": "fr", "question": "q", "paper": "p", "must_contain": [["a"]]}\n')
    with pytest.raises(ImportFormatError, match="line 1"):
        load_questions(bad)


def test_the_labelled_set_meets_the_bar_in_each_language(sample_index: PaperIndex) -> None:
    """The bundled set (eval/answers/questions.jsonl): at least 85% right in English and in Chinese."""
    questions = load_questions(ROOT / "eval" / "answers" / "questions.jsonl")
    assert len(questions) >= 40 and {q.lang for q in questions} == {"en", "zh"}
    result = evaluate_answers(Answerer(sample_index, LLM), questions)
    for lang in ("en", "zh"):
        assert result["scores"][lang]["questions"] >= 20
        assert result["scores"][lang]["share"] >= 0.85, [r for r in result["rows"] if not r["correct"]]
