"""Concurrent /search load on loopback against a real `paperlens serve` process; bounded in count and time.

    .venv/bin/python scripts/load_test.py [--requests 400] [--concurrency 8] [--max-seconds 120] [--json]

Starts the server on a free 127.0.0.1 port over the data directory PAPERLENS_DATA_DIR (default ./data,
built from the sample corpus if empty), sends the requests from a thread pool, and reports throughput and
p50/p95/p99 latency. Only loopback is ever targeted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--new-connections", action="store_true", help="a new connection per request (the old client)")
    a = ap.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.time() > deadline:
                print(
                    "server did not start:",
                    server.stderr.read().decode()[-2000:] if server.stderr else "",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=30) as c:  # warm-up: models and caches
            for q in QUERIES:
                c.get("/search", params={"q": q})
        stop = time.time() + a.max_seconds
        latencies: list[float] = []
        errors = 0

        # One keep-alive connection per client, as a real client (a bot, a web app) holds: a new TCP
        # connection per request cost the 2-core machine's shared CPU more than some searches.
        limits = httpx.Limits(max_connections=a.concurrency, max_keepalive_connections=a.concurrency)
        client = httpx.Client(base_url=base, timeout=30, limits=limits)

        def one(i: int) -> tuple[float, int]:
            if time.time() > stop:
                return -1.0, 0
            params: dict[str, str | int] = {"q": QUERIES[i % len(QUERIES)], "k": 10}
            t = time.perf_counter()
            if a.new_connections:
                r = httpx.get(f"{base}/search", params=params, timeout=30)
            else:
                r = client.get("/search", params=params)
            return time.perf_counter() - t, r.status_code

        t0 = time.perf_counter()
        with client, ThreadPoolExecutor(a.concurrency) as pool:
            for lat, status in pool.map(one, range(a.requests)):
                if lat < 0:
                    continue
                latencies.append(lat * 1000)
                errors += status != 200
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(30)
    result = {
        "requests": len(latencies),
        "errors": errors,
        "concurrency": a.concurrency,
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }
    print(json.dumps(result) if a.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
