"""Micro-batched query embedding: right vector for every caller, fewer encoder calls under concurrency,
errors reach every waiter, and a lone caller is served at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.retrieval.batching import BatchingEncoder


class SlowEncoder:
    """Encodes text i as a one-hot-ish vector of its number; each call takes 30 ms (a model's overhead)."""

    name = "slow"
    dim = 64

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[int] = []
        self.fail = fail
        self.lock = threading.Lock()

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        with self.lock:
            self.calls.append(len(texts))
        time.sleep(0.03)
        if self.fail:
            raise RuntimeError("model crashed")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, int(t) % self.dim] = 1.0
        return out


def test_concurrent_queries_share_encoder_calls_and_each_gets_its_own_vector() -> None:
    inner = SlowEncoder()
    enc = BatchingEncoder(lambda: inner)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda i: (i, enc.encode([str(i)])), range(64)))
    for i, v in results:
        assert v.shape == (1, 64) and int(np.argmax(v[0])) == i % 64
    assert sum(inner.calls) == 64 and len(inner.calls) < 64 / 2  # batched, nothing lost or repeated
    assert enc.queries == 64 and enc.batches == len(inner.calls)


def test_a_lone_caller_is_served_at_once_and_batches_pass_through() -> None:
    inner = SlowEncoder()
    enc = BatchingEncoder(lambda: inner)
    for i in range(3):
        assert int(np.argmax(enc.encode([str(i)])[0])) == i
    assert enc.encode(["1", "2"]).shape == (2, 64)
    assert inner.calls == [1, 1, 1, 2]


def test_an_encoder_error_reaches_every_waiter_and_the_next_call_works() -> None:
    inner = SlowEncoder(fail=True)
    enc = BatchingEncoder(lambda: inner)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(enc.encode, [str(i)]) for i in range(8)]
        for f in futures:
            with pytest.raises(RuntimeError, match="model crashed"):
                f.result(timeout=10)
    inner.fail = False
    assert int(np.argmax(enc.encode(["5"])[0])) == 5
