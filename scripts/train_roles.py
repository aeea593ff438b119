"""Train the sentence-role classifier on CSAbstruct and print its test figures.

    .venv/bin/python scripts/train_roles.py            # train on train + dev, measure on test, write the weights
    .venv/bin/python scripts/train_roles.py --check    # measure the shipped weights on test, write nothing

Multinomial logistic regression (NumPy, full-batch Adam, L2) over ``index.answers.roles.features``; the L2
strength, class balancing and the weight of the role transitions are chosen by 5-fold cross-validation over
the training abstracts (seed 0), never by the test split. Reproducible: fixed seed, deterministic fitting.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.answers.roles import LABELS, RoleModel, features, packaged_encoder, weights_path  # noqa: E402

DATA = ROOT / "lab" / "data" / "csabstruct"
SEED = 0
SLICE = 30  # test abstracts the unit test re-measures from the shipped weights
Abstract = tuple[list[str], list[int]]


def load(split: str) -> list[Abstract]:
    out = []
    for line in (DATA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out.append((d["sentences"], [LABELS.index(x) for x in d["labels"]]))
    return out


def featurize(abstracts: list[Abstract], encode) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    flat = [s for sents, _ in abstracts for s in sents]
    vecs = np.asarray(encode(flat), dtype=np.float32)
    out, at = [], 0
    for sents, _ in abstracts:
        out.append(features(sents, vecs[at : at + len(sents)]))
        at += len(sents)
    return out


def transitions(abstracts: list[Abstract]) -> tuple[np.ndarray, np.ndarray]:
    k = len(LABELS)
    start, trans = np.ones(k), np.ones((k, k))
    for _, ys in abstracts:
        start[ys[0]] += 1
        for a, b in itertools.pairwise(ys):
            trans[a, b] += 1
    return np.log(start / start.sum()), np.log(trans / trans.sum(axis=1, keepdims=True))


def fit(
    xs: list[np.ndarray], abstracts: list[Abstract], l2: float, balanced: bool, steps: int = 400
) -> RoleModel:
    x = np.vstack(xs).astype(np.float64)
    y = np.concatenate([ys for _, ys in abstracts])
    k = len(LABELS)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    onehot = np.eye(k)[y]
    counts = np.bincount(y, minlength=k).astype(np.float64)
    cw = (len(y) / (k * np.maximum(counts, 1))) if balanced else np.ones(k)
    sw = cw[y] / cw[y].sum()
    w, b = np.zeros((z.shape[1], k)), np.zeros(k)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    lr, b1, b2 = 0.01, 0.9, 0.999
    for t in range(1, steps + 1):
        logits = z @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sw[:, None]
        gw, gb = z.T @ g + 2 * l2 * w, g.sum(axis=0)
        mw, vw = b1 * mw + (1 - b1) * gw, b2 * vw + (1 - b2) * gw * gw
        mb, vb = b1 * mb + (1 - b1) * gb, b2 * vb + (1 - b2) * gb * gb
        w -= lr * (mw / (1 - b1**t)) / (np.sqrt(vw / (1 - b2**t)) + 1e-8)
        b -= lr * (mb / (1 - b1**t)) / (np.sqrt(vb / (1 - b2**t)) + 1e-8)
    start, trans = transitions(abstracts)
    return RoleModel(mean, scale, w, b, start, trans, 0.0)


def with_weight(m: RoleModel, weight: float) -> RoleModel:
    return RoleModel(m.mean, m.scale, m.weights, m.bias, m.start, m.trans, weight)


def scores(model: RoleModel, xs: list[np.ndarray], abstracts: list[Abstract]) -> dict[str, float]:
    pred = np.concatenate([model.decode(x) for x in xs])
    gold = np.concatenate([ys for _, ys in abstracts])
    f1s = {}
    for i, name in enumerate(LABELS):
        tp = float(((pred == i) & (gold == i)).sum())
        prec = tp / max((pred == i).sum(), 1)
        rec = tp / max((gold == i).sum(), 1)
        f1s[name] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"macro_f1": float(np.mean(list(f1s.values()))), "accuracy": float((pred == gold).mean()), **f1s}


def cross_validate(xs: list[np.ndarray], abstracts: list[Abstract]) -> tuple[float, bool, float]:
    order = np.random.default_rng(SEED).permutation(len(abstracts))
    folds = np.array_split(order, 5)
    best: tuple[float, tuple[float, bool, float]] = (-1.0, (0.0, False, 0.0))
    for l2 in (1e-3, 1e-2, 3e-2, 0.1, 0.3):
        for balanced in (False, True):
            per_weight: dict[float, list[float]] = {0.0: [], 0.5: [], 1.0: []}
            for held in folds:
                keep = np.setdiff1d(order, held)
                m = fit([xs[i] for i in keep], [abstracts[i] for i in keep], l2, balanced)
                for wt in per_weight:
                    s = scores(with_weight(m, wt), [xs[i] for i in held], [abstracts[i] for i in held])
                    per_weight[wt].append(s["macro_f1"])
            for wt, f1 in per_weight.items():
                mean_f1 = float(np.mean(f1))
                print(f"  cv l2={l2:g} balanced={balanced} transitions={wt:g}: macro-F1 {mean_f1:.3f}")
                if mean_f1 > best[0]:
                    best = (mean_f1, (l2, balanced, wt))
    return best[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="measure the shipped weights; write nothing")
    args = ap.parse_args()
    t0 = time.monotonic()
    train, dev, test = load("train"), load("dev"), load("test")
    encode = packaged_encoder()
    x_test = featurize(test, encode)
    if args.check:
        model = RoleModel.load(weights_path())
    else:
        pool = train + dev
        x_pool = featurize(pool, encode)
        print(f"training abstracts: {len(train)} train + {len(dev)} dev = {len(pool)}")
        l2, balanced, weight = cross_validate(x_pool, pool)
        print(f"chosen: l2={l2:g} balanced={balanced} transitions={weight:g}")
        model = with_weight(fit(x_pool, pool, l2, balanced), weight)
    s = scores(model, x_test, test)
    part = scores(model, x_test[:SLICE], test[:SLICE])
    print(
        f"CSAbstruct test ({len(test)} abstracts, {sum(len(a[0]) for a in test)} sentences): "
        f"macro-F1 {100 * s['macro_f1']:.1f}, accuracy {100 * s['accuracy']:.1f}"
    )
    print("  per role F1: " + ", ".join(f"{k} {100 * s[k]:.1f}" for k in LABELS))
    print(f"  first {SLICE} test abstracts: accuracy {100 * part['accuracy']:.2f}")
    if not args.check:
        model.save(
            weights_path(),
            test_macro_f1=s["macro_f1"],
            test_accuracy=s["accuracy"],
            slice_accuracy=part["accuracy"],
            slice_abstracts=SLICE,
            train_abstracts=len(train),
            dev_abstracts=len(dev),
        )
        print(f"wrote {weights_path()} ({weights_path().stat().st_size // 1024} KiB)")
    print(f"done in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
