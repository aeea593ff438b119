"""A Chinese question about a paper imported with a Chinese abstract is answered with the Chinese sentence
that states the fact: sentences are chosen in English and quoted through their aligned Chinese ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.answers.answer import Answerer
from index.config import IndexSettings, LLMSettings
from index.models import Paper
from index.paperindex import PaperIndex

pytestmark = pytest.mark.slow

EN = (
    "3D convolution neural networks (CNN) have been proved very successful in parsing organs or tumours in 3D "
    "medical images, but it remains sophisticated and time-consuming to choose or design proper 3D networks "
    "given different task contexts. Recently, Neural Architecture Search (NAS) is proposed to solve this problem "
    "by searching for the best network architecture automatically. However, the inconsistency between search "
    "stage and deployment stage often exists in NAS algorithms due to memory constraints and large search space. "
    "In this paper, we propose a novel coarse-to-fine neural architecture search (C2FNAS) to automatically "
    "search a 3D segmentation network from scratch without inconsistency on network size or input size. "
    "Specifically, we divide the search procedure into two stages: 1) the coarse stage, where we search the "
    "macro-level topology of the network; 2) the fine stage, where we search at micro-level for operations. "
    "We evaluate our method on 10 public datasets from Medical Segmentation Decalthon (MSD) challenge, and "
    "achieve state-of-the-art performance with the network searched using one dataset."
)
ZH = (
    "三维卷积神经网络在三维医学图像的器官和肿瘤解析中非常成功，但针对不同任务选择或设计合适的三维网络既复杂又耗时。"
    "最近，神经架构搜索（NAS）被提出用于自动搜索最佳网络架构来解决这一问题。"
    "然而，由于内存限制和巨大的搜索空间，NAS算法中搜索阶段与部署阶段之间常常存在不一致。"
    "本文提出一种新的由粗到细的神经架构搜索方法（C2FNAS），从零开始自动搜索三维分割网络，网络大小和输入大小均无不一致。"
    "具体而言，我们将搜索过程分为两个阶段：粗阶段搜索网络的宏观拓扑，细阶段在微观层面搜索操作。"
    "我们在医学分割十项全能（MSD）挑战赛的10个公开数据集上评估了该方法，仅用一个数据集搜索得到的网络即取得了最先进的性能。"
)


def test_a_chinese_question_is_answered_by_the_chinese_sentence_that_states_the_fact(
    sample_copy: Path, real_embedders: tuple[object, object]
) -> None:
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=sample_copy, multilingual=True),
        embedder=real_embedders[0],  # type: ignore[arg-type]
        multilingual_embedder=real_embedders[1],  # type: ignore[arg-type]
    )
    try:
        paper = Paper(
            id="cvpr2020:c2fnas",
            title="C2FNAS: Coarse-to-Fine Neural Architecture Search for 3D Medical Image Segmentation",
            authors=("Qihang Yu",),
            abstract=EN,
            abstract_zh=ZH,
        )
        report = ix.ingest(enumerate([paper], 1), "table")
        assert report.matched == 1  # the sample's C2FNAS, now with its Chinese abstract
        held = ix.resolve("C2FNAS")
        assert held.abstract_zh == ZH
        answerer = Answerer(ix, LLMSettings(_env_file=None, provider="extractive"))
        zh = answerer.ask("C2FNAS 在多少个公开数据集上评估？")
        assert zh.citations[0].id == held.id
        assert "10个公开数据集" in zh.text, zh.text
        assert zh.text.startswith("根据检索到的论文：")  # quoted in Chinese, not English excerpts
        stages = answerer.ask("C2FNAS 的搜索过程分为几个阶段？")
        assert "两个阶段" in stages.text, stages.text
        en = answerer.ask("On how many public datasets is C2FNAS evaluated?")
        assert "10 public datasets" in en.text
    finally:
        ix.close()
