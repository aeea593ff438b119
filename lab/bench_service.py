"""What `paperlens bench` measures of the product as users run it, over one data directory: the HTTP API
under concurrent load (`paperlens serve` in its own process, real HTTP over loopback) and the one-shot
commands (`stats`, `show`, `search`), each a fresh process timed from start to exit.

Only 127.0.0.1 is ever targeted. The load client's threads share the machine's cores with the server, as
they do in ``scripts/load_test.py``, which is this module's command line.
"""

from __future__ import annotations

import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

# English and Chinese questions of the kind the sample corpus's users ask (2 of 12 take the multilingual path)
QUERIES = [
    "neural radiance fields",
    "Gaussian splatting street scenes",
    "medical image registration",
    "rain removal NeRF",
    "few-shot novel view synthesis",
    "3D reconstruction from monocular video",
    "adversarial training",
    "segmentation of vessels in CT",
    "MambaMorph",
    "医学图像配准",
    "神经辐射场",
    "interactive segmentation",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def _env(data_dir: Path | None) -> dict[str, str]:
    env = os.environ.copy()
    if data_dir is not None:
        env["PAPERLENS_DATA_DIR"] = str(data_dir)
    return env


@contextmanager
def served(data_dir: Path | None, start_timeout: float = 300) -> Iterator[str]:
    """`paperlens serve` on a free loopback port over ``data_dir`` (None: PAPERLENS_DATA_DIR or ./data);
    yields its base URL once /healthz answers, and stops it on exit."""
    port = free_port()
    with tempfile.TemporaryFile() as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=_env(data_dir),
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"the server did not start: {tail}")
                time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def load(
    base: str,
    requests: int = 2000,
    concurrency: int = 8,
    max_seconds: float = 120,
    new_connections: bool = False,
) -> dict[str, Any]:
    """``requests`` hybrid /search calls (k=10) from ``concurrency`` threads, each holding one keep-alive
    connection as a real client (a bot, a web app) does; throughput and latency percentiles."""
    with httpx.Client(base_url=base, timeout=30) as c:  # warm-up: models and caches
        for q in QUERIES:
            c.get("/search", params={"q": q})
    stop = time.monotonic() + max_seconds
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = httpx.Client(base_url=base, timeout=30, limits=limits)

    def one(i: int) -> tuple[float, int]:
        if time.monotonic() > stop:
            return -1.0, 0
        params: dict[str, str | int] = {"q": QUERIES[i % len(QUERIES)], "k": 10}
        t = time.perf_counter()
        if new_connections:
            r = httpx.get(f"{base}/search", params=params, timeout=30)
        else:
            r = client.get("/search", params=params)
        return time.perf_counter() - t, r.status_code

    t0 = time.perf_counter()
    with client, ThreadPoolExecutor(concurrency) as pool:
        for lat, status in pool.map(one, range(requests)):
            if lat >= 0:
                latencies.append(lat * 1000)
                errors += status != 200
    wall = time.perf_counter() - t0
    return {
        "requests": len(latencies),
        "errors": errors,
        "concurrency": concurrency,
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


def load_runs(data_dir: Path | None, runs: int = 3, **kw: Any) -> dict[str, Any]:
    """``runs`` load runs against one server; the run of median throughput, with every run's figures."""
    with served(data_dir) as base:
        results = [load(base, **kw) for _ in range(runs)]
    middle = sorted(results, key=lambda r: r["throughput_rps"])[len(results) // 2]
    return {**middle, "runs": results}


def one_shot(data_dir: Path, paper_id: str, query: str, repeats: int = 3) -> dict[str, float]:
    """Wall seconds from start to exit of `paperlens stats`, `show ID` and `search QUERY` in fresh processes,
    medians of ``repeats`` after one untimed run each (which may write caches: the query encoder's export)."""
    out: dict[str, float] = {}
    for name, args in (("stats", ["stats"]), ("show", ["show", paper_id]), ("search", ["search", query])):
        cmd = [sys.executable, "-m", "cli.main", *args]
        times = []
        for i in range(repeats + 1):
            t = time.perf_counter()
            p = subprocess.run(cmd, env=_env(data_dir), capture_output=True, timeout=600)
            if p.returncode != 0:
                raise RuntimeError(f"`paperlens {' '.join(args)}` failed: {p.stderr.decode()[-1000:]}")
            if i:
                times.append(time.perf_counter() - t)
        out[f"{name}_s"] = round(statistics.median(times), 2)
    return out


def bench_service(size: int, corpus: Path | None, abstracts: int, requests: int = 2000) -> dict[str, Any]:
    """A data directory of ``size`` composed papers (both spaces), then the one-shot commands and the API
    under load over it."""
    from index.config import DEFAULT_MODEL
    from index.retrieval.encoders import load_embedder
    from lab.bench_scale import write_scale_data_dir
    from lab.bench_sets import sentence_pool

    emb = load_embedder(DEFAULT_MODEL, "auto")
    pool = sentence_pool(emb, corpus, abstracts)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        built = write_scale_data_dir(data_dir, pool, size, emb)
        log.info("bench service: %d papers written (%s)", size, built)
        shots = one_shot(data_dir, "scale:1", "segmentation of vessels in CT")
        log.info("bench one-shot %s", shots)
        api = load_runs(data_dir, requests=requests)
        log.info("bench api %s", api)
    return {
        "size": size,
        "index_type": built["index_type"],
        "store_write_s": built["store_write_s"],
        "index_build_s": built["index_build_s"],
        "one_shot": shots,
        "api": api,
    }
