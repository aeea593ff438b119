"""Write the labelled query sets over the bundled sample corpus in BEIR format.

    python scripts/make_sample_eval.py        # writes eval/sample-en and eval/sample-zh

The questions were written by hand as a research group would ask them (paraphrases, not titles);
each lists the sample papers that answer it, by their position in index/data/sample_papers.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "index" / "data" / "sample_papers.jsonl"

EN: list[tuple[str, list[int]]] = [
    ("self-supervised segmentation of objects in video with a lightweight model", [0]),
    ("deformable registration between MR and CT scans", [1, 18, 23]),
    ("state space model backbone for multi-modal medical image alignment", [1]),
    ("reconstructing soft tissue from endoscopy videos with Gaussian splatting", [2]),
    ("audio-driven talking head generation with 3D priors", [3]),
    ("novel view synthesis of street scenes for autonomous driving simulation", [4]),
    ("removing water drops on the lens from NeRF scenes captured in rain", [5]),
    ("few-shot NeRF with a signed distance function regularizer", [6]),
    ("sharp radiance fields from blurry frames using an event camera", [7]),
    ("generative modeling of 3D Gaussians with optimal transport", [8]),
    ("Gaussian splatting from only a few input views", [9, 6]),
    ("lifting 2D foundation model features to 3D consistent predictions zero-shot", [10]),
    ("single image scene completion including occluded regions via distillation", [11]),
    ("pose-agnostic anomaly detection for 3D objects", [12]),
    ("self-supervised monocular 3D reconstruction of indoor scenes", [13]),
    ("dynamic scene view synthesis with deformable Gaussians", [14]),
    ("neural radiance fields for human bodies that generalize across subjects", [15, 16]),
    ("human biomechanics and skeleton features in NeRF", [16]),
    ("dataset of intracranial aneurysms as 3D point clouds", [17]),
    ("fast diffeomorphic registration with convolutional networks", [18, 23]),
    ("super resolution that lets the user explore many plausible outputs", [19]),
    ("transferable adversarial examples using attention", [20]),
    ("cheap adversarial training with a single step", [21]),
    ("segmenting medical images whose boundaries are ambiguous", [22]),
    ("efficient learning-based registration in a low-dimensional band-limited space", [23]),
    ("semi-supervised detection in 3D medical images with few annotations", [24]),
    ("segmenting vessels and other tubular structures in CT", [25]),
    ("domain adaptation for lesion segmentation in endoscopy images", [26]),
    ("interpolating frames of 4D dynamic medical image sequences", [27]),
    ("neural architecture search for 3D medical segmentation networks", [28]),
    ("variational autoencoders on Riemannian manifolds for brain connectomes", [29]),
    ("lossless compression of multi-dimensional images by recursive partitioning", [30]),
    ("interactive segmentation from clicks inside and outside the object", [31, 34]),
    ("retinal lesion segmentation in OCT with data augmentation", [32]),
    ("learned regularizer for linear inverse problems like CT reconstruction", [33]),
    ("interactive 3D medical segmentation with reinforcement learning agents", [34]),
    ("compressing a network without access to the training data", [35]),
    ("statistical significance of segmentation results with p-values", [36]),
    ("magnifying differences in human posture between people", [37]),
    ("synthesizing missing slices of CT and MR volumes", [38, 27]),
    ("one-shot atlas-based segmentation by learning correspondences", [39]),
    ("which recent papers remove rain from NeRF scenes?", [5]),
    ("what does MambaMorph propose?", [1]),
]

ZH: list[tuple[str, list[int]]] = [
    ("视频目标分割的自监督方法", [0]),
    ("MambaMorph用了什么方法?", [1]),
    ("磁共振和CT图像之间的可变形配准", [1, 18, 23]),
    ("用高斯溅射从内窥镜视频重建软组织", [2]),
    ("语音驱动的说话人头像合成", [3]),
    ("自动驾驶仿真中的街景新视角合成", [4]),
    ("哪些论文用神经辐射场去除雨滴?", [5]),
    ("少样本神经辐射场的表面正则化", [6]),
    ("用事件相机解决神经辐射场的运动模糊", [7]),
    ("用最优传输组织三维高斯做生成模型", [8]),
    ("稀疏视角下的高斯溅射新视角合成", [9, 6]),
    ("把二维视觉模型零样本提升到三维", [10]),
    ("单视角场景补全与知识蒸馏", [11]),
    ("姿态无关的三维异常检测", [12]),
    ("室内场景的单目自监督三维重建", [13]),
    ("动态场景的可变形高斯溅射", [14]),
    ("可泛化的人体神经辐射场", [15, 16]),
    ("人体生物力学特征与神经辐射场", [16]),
    ("颅内动脉瘤三维数据集", [17]),
    ("基于卷积神经网络的快速微分同胚图像配准", [18, 23]),
    ("可探索的超分辨率", [19]),
    ("利用注意力提升对抗样本的迁移性", [20]),
    ("单步对抗训练", [21]),
    ("边界模糊的医学图像分割", [22]),
    ("高效的基于学习的医学图像配准网络", [23, 18]),
    ("三维医学图像检测的半监督学习", [24]),
    ("CT中血管等管状结构的分割", [25]),
    ("内镜病灶分割的无监督域适应", [26]),
    ("四维动态医学图像的时空插值", [27]),
    ("三维医学图像分割的神经架构搜索", [28]),
    ("黎曼流形上的变分自编码器", [29]),
    ("多维图像的压缩方法", [30]),
    ("交互式目标分割", [31, 34]),
    ("OCT视网膜病变区域分割", [32]),
    ("线性逆问题的深度正则化", [33]),
    ("用多智能体强化学习做交互式三维医学图像分割", [34]),
    ("无数据的模型压缩方法", [35]),
    ("图像分割结果的统计显著性检验", [36]),
    ("人体姿势偏差的无监督放大", [37]),
    ("医学切片合成与插值", [38, 27]),
    ("单样本医学图像分割的标签迁移", [39]),
]


def write(name: str, queries: list[tuple[str, list[int]]], ids: list[str], corpus: list[dict]) -> None:
    out = ROOT / "eval" / name
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for row in corpus:
            fh.write(
                json.dumps(
                    {"_id": row["id"], "title": row["title"], "text": row["abstract"]}, ensure_ascii=False
                )
                + "\n"
            )
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for i, (q, _) in enumerate(queries):
            fh.write(json.dumps({"_id": f"{name}-{i}", "text": q}, ensure_ascii=False) + "\n")
    with (out / "qrels" / "test.tsv").open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for i, (_, rel) in enumerate(queries):
            for r in rel:
                fh.write(f"{name}-{i}\t{ids[r]}\t1\n")


def main() -> None:
    corpus = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    ids = [row["id"] for row in corpus]
    write("sample-en", EN, ids, corpus)
    write("sample-zh", ZH, ids, corpus)


if __name__ == "__main__":
    main()
