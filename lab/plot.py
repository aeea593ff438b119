"""The benchmark's figures: search latency and recall@10 against corpus size, per index kind and vector set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.cpu import cpu_line


def plot_bench(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt

    rows = result["search"]
    sets = sorted({r.get("set", "") for r in rows}, key=lambda s: s != "realistic")
    fig, axes = plt.subplots(len(sets), 2, figsize=(10, 3.6 * len(sets)), squeeze=False)
    cpu = result["machine"]["cpu"]
    for row_axes, name in zip(axes, sets, strict=True):
        mine = [r for r in rows if r.get("set", "") == name]
        for kind in sorted({r["index"] for r in mine}):
            pts = sorted(
                (r["size"], r["p50_ms"], r["recall@10_vs_exact"]) for r in mine if r["index"] == kind
            )
            xs = [p[0] for p in pts]
            row_axes[0].plot(xs, [p[1] for p in pts], marker="o", label=kind)
            row_axes[1].plot(xs, [p[2] for p in pts], marker="o", label=kind)
        row_axes[0].set(xscale="log", xlabel="papers", ylabel="search p50, ms (incl. query embedding)")
        row_axes[1].set(xscale="log", xlabel="papers", ylabel="recall@10 vs exact", ylim=(0, 1.02))
        for ax in row_axes:
            ax.set_title(f"{name} set")
            ax.grid(alpha=0.3)
            ax.legend()
    fig.suptitle(f"paperlens bench — {cpu_line(cpu)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
