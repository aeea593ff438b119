"""A batch's two spaces are embedded side by side when their encoders run on different engines, one after
the other otherwise; either way every paper lands with the vectors its own encoder gave it."""

from __future__ import annotations

import threading
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

from index.config import IndexSettings
from index.models import Paper
from index.paperindex import PaperIndex
from index.spaces import space_vectors
from index.writer import overlaps
from tests.helpers.fakes import FakeEmbedder, HashEmbedder


class Timed(HashEmbedder):
    """Records when and on which thread each call ran; each call takes a little while, as a model does."""

    def __init__(self, dim: int, engine: str) -> None:
        super().__init__(dim)
        self.engine = engine
        self.name = f"fake-{engine}"
        self.spans: list[tuple[float, float, str]] = []

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        t0 = time.perf_counter()
        time.sleep(0.05)  # released the GIL, as torch and ONNX Runtime do while they compute
        out = super().encode(texts)
        self.spans.append((t0, time.perf_counter(), threading.current_thread().name))
        return out


def papers(n: int) -> list[tuple[int, Paper]]:
    return [(i, Paper(id=f"t:{i}", title=f"Paper {i}", abstract=f"about topic {i}")) for i in range(n)]


def index_with(tmp_path: Path, english: Timed, multi: Timed) -> PaperIndex:
    s = IndexSettings(_env_file=None, data_dir=tmp_path / "data", multilingual=True)
    return PaperIndex(s, embedder=english, multilingual_embedder=multi)


def test_encoders_on_different_engines_run_side_by_side(tmp_path: Path) -> None:
    english, multi = Timed(384, "onnxruntime"), Timed(512, "torch")
    ix = index_with(tmp_path, english, multi)
    try:
        assert ix.ingest(papers(600), "t").added == 600  # three batches
        assert len(english.spans) == len(multi.spans) == 3
        for (a0, a1, a_thread), (b0, b1, b_thread) in zip(english.spans, multi.spans, strict=True):
            assert a0 < b1 and b0 < a1  # each batch's two encodings overlapped in time
            assert a_thread != b_thread and b_thread.startswith("paperlens-embed")
        state = ix.check()
        assert state["dense"] == {"vectors": 600, "agree": True} and state["multi"]["agree"]
        row = ix.store.existing(["t:7"])["t:7"]
        want = space_vectors(
            HashEmbedder(512), [Paper(id="t:7", title="Paper 7", abstract="about topic 7")], multilingual=True
        )
        got = ix.store.vectors("mvector", [row.rowid], 512)[row.rowid]
        assert np.allclose(got, want[0])  # the multilingual vector is its own encoder's, in its own column
    finally:
        ix.close()


def test_encoders_on_one_engine_or_beside_numpy_take_turns(tmp_path: Path) -> None:
    english, multi = Timed(384, "onnxruntime"), Timed(512, "numpy")
    ix = index_with(tmp_path, english, multi)
    try:
        ix.ingest(papers(300), "t")
        spans = sorted(english.spans + multi.spans)
        assert all(a[1] <= b[0] for a, b in pairwise(spans))  # never at once
        assert {s[2] for s in spans} == {threading.current_thread().name}
    finally:
        ix.close()


def test_which_encoders_overlap() -> None:
    def e(engine: str) -> Timed:
        return Timed(8, engine)

    assert overlaps([e("onnxruntime"), e("torch")])
    assert not overlaps([e("torch"), e("torch")])  # one thread pool: nothing to gain
    assert not overlaps([e("onnxruntime"), e("numpy")])  # OpenBLAS spins beside another engine
    assert not overlaps([e("torch"), FakeEmbedder()])  # an encoder that does not say: in turn
