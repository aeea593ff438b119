"""The learned sentence-role classifier: the shipped weights load, label an abstract sensibly, and give
again on a slice of CSAbstruct's test split the figure the training script recorded in them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.answers.roles import LABELS, RoleModel, RoleTagger, default_tagger, features, weights_path
from index.errors import ConfigError

pytestmark = pytest.mark.slow  # the role classifier embeds with the real English model

CSABSTRUCT = Path(__file__).resolve().parents[3] / "lab" / "data" / "csabstruct"


def test_the_shipped_weights_label_an_abstract_sensibly() -> None:
    sents = [
        "Image registration is an important step in many medical imaging pipelines.",
        "However, existing learning-based methods struggle with large deformations.",
        "In this paper, we propose FlowReg, a network that predicts diffeomorphic flows.",
        "It uses a multi-scale decoder and a cycle-consistency loss.",
        "Experiments on two brain MRI datasets show a 4.2% Dice improvement over the state of the art.",
    ]
    roles = default_tagger().roles(sents)
    assert roles[0] == "background" and roles[1] == "background"
    assert roles[2] in ("objective", "method") and roles[3] == "method"
    assert roles[4] == "result"
    assert default_tagger().roles([]) == []


def test_the_shipped_weights_reproduce_their_recorded_test_figure() -> None:
    with np.load(weights_path()) as z:
        recorded, n = float(z["slice_accuracy"]), int(z["slice_abstracts"])
        assert float(z["test_macro_f1"]) > 0.6 and int(z["train_abstracts"]) + int(z["dev_abstracts"]) > 300
    lines = (CSABSTRUCT / "test.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    tagger = RoleTagger()
    right = total = 0
    for line in lines:
        d = json.loads(line)
        got = tagger.roles(d["sentences"])
        right += sum(a == b for a, b in zip(got, d["labels"], strict=True))
        total += len(got)
    # the encoder's float arithmetic may differ by machine: at most one sentence's label may flip
    assert abs(right / total - recorded) <= 1 / total + 1e-9, (right / total, recorded)


def test_transitions_decide_between_near_ties() -> None:
    k = len(LABELS)
    dim = features(["a", "b"], np.zeros((2, 1), dtype=np.float32)).shape[1]
    trans = np.full((k, k), np.log(0.01))
    trans[0, 2] = np.log(0.96)  # background -> method
    flat = RoleModel(
        mean=np.zeros(dim),
        scale=np.ones(dim),
        weights=np.zeros((dim, k)),
        bias=np.array([1.0, 0.0, 0.0, 0.0, 0.0]),  # every sentence alone: background
        start=np.log(np.full(k, 1 / k)),
        trans=trans,
        trans_weight=0.0,
    )
    x = features(["one", "two"], np.zeros((2, 1), dtype=np.float32))
    assert flat.decode(x) == [0, 0]
    linked = RoleModel(flat.mean, flat.scale, flat.weights, flat.bias, flat.start, trans, 1.0)
    assert linked.decode(x) == [0, 2]
    assert linked.decode(x[:0]) == []


def test_unreadable_weights_say_how_to_fix_it(tmp_path: Path) -> None:
    bad = tmp_path / "roles.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="reinstall"):
        RoleModel.load(bad)
