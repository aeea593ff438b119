"""Concurrent /search load on loopback against a real `paperlens serve` process; bounded in count and time.

    .venv/bin/python scripts/load_test.py [--requests 400] [--concurrency 8] [--runs 1] [--max-seconds 120] [--json]

Starts the server on a free 127.0.0.1 port over the data directory PAPERLENS_DATA_DIR (default ./data,
built from the sample corpus if empty), sends the requests from a thread pool, and reports throughput and
p50/p95/p99 latency (with --runs N: the run of median throughput). `paperlens bench` measures the same at
100,000 papers (cli/bench_service.py). Only loopback is ever targeted.
"""

from __future__ import annotations

import argparse
import json
import sys

from lab.bench_service import load_runs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--new-connections", action="store_true", help="a new connection per request (the old client)"
    )
    a = ap.parse_args()
    result = load_runs(
        None,
        runs=a.runs,
        requests=a.requests,
        concurrency=a.concurrency,
        max_seconds=a.max_seconds,
        new_connections=a.new_connections,
    )
    if a.runs == 1:
        result.pop("runs")
    print(json.dumps(result) if a.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
