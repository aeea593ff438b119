"""What CPU this is: its model, cores, and the instruction-set features that decide the fast paths
(bfloat16 matrix units for the encoder, AVX2/AVX-512/VNNI for FAISS and int8 work). Every benchmark and
evaluation names it, because figures from one CPU do not carry to another."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


@dataclass(frozen=True)
class CpuInfo:
    """The CPU as /proc/cpuinfo describes it."""

    model: str
    cores: int
    features: tuple[str, ...]

    @property
    def bf16_units(self) -> bool:
        """AMX or AVX512-BF16: bfloat16 encoding is faster than float32 (elsewhere it is ~3-4x slower)."""
        return "amx_bf16" in self.features or "avx512_bf16" in self.features

    def describe(self) -> str:
        return f"{self.model}, {self.cores} cores, {' '.join(self.features) or 'no AVX2'}"

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "cores": self.cores, "features": list(self.features), "bf16_units": self.bf16_units}


@lru_cache(maxsize=1)
def cpu_info() -> CpuInfo:
    """Read once per process (Linux /proc/cpuinfo; elsewhere the platform's processor name, no features)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return CpuInfo(platform.processor() or platform.machine(), os.cpu_count() or 1, ())
    model, flags = "", set[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and not model:
            model = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return CpuInfo(model or platform.machine(), cores, tuple(f for f in FEATURES if f in flags))
