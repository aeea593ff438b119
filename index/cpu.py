"""What CPU this is: its model, cores, and the instruction-set features that decide the fast paths
(bfloat16 matrix units for the encoder, AVX2/AVX-512/VNNI for FAISS and int8 work). Every benchmark and
evaluation names it, because figures from one CPU do not carry to another."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


@dataclass(frozen=True)
class CpuInfo:
    """The CPU as /proc/cpuinfo describes it."""

    model: str
    cores: int
    features: tuple[str, ...]
    family: int | None = None
    model_number: int | None = None

    @property
    def core(self) -> str | None:
        """The core generation where the family/model numbers say it (a VM often names only "AMD EPYC")."""
        return _amd_core(self.family, self.model_number) if "AMD" in self.model else None

    @property
    def bf16_units(self) -> bool:
        """AMX or AVX512-BF16: bfloat16 encoding beats float32 here (elsewhere it is slower, so not tried)."""
        return "amx_bf16" in self.features or "avx512_bf16" in self.features

    def describe(self) -> str:
        ids = f"family {self.family} model {self.model_number}" if self.family is not None else ""
        name = f"{self.model} ({', '.join(x for x in (self.core, ids) if x)})" if ids else self.model
        return f"{name}, {self.cores} cores, {' '.join(self.features) or 'no AVX2'}"

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "core": self.core,
            "family": self.family,
            "model_number": self.model_number,
            "cores": self.cores,
            "features": list(self.features),
            "bf16_units": self.bf16_units,
        }


def _amd_core(family: int | None, model: int | None) -> str | None:
    """AMD's core generation from the CPUID family and model (the EPYC/Ryzen ranges AMD documents)."""
    if family is None or model is None:
        return None
    if family == 0x17:
        return "Zen 2" if model >= 0x30 else "Zen/Zen+"
    if family == 0x19:
        return "Zen 4" if 0x10 <= model <= 0x1F or 0x60 <= model <= 0xAF else "Zen 3"
    if family == 0x1A:
        return "Zen 5"
    return None


@lru_cache(maxsize=1)
def cpu_info() -> CpuInfo:
    """Read once per process (Linux /proc/cpuinfo; elsewhere the platform's processor name, no features)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        text = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return CpuInfo(platform.processor() or platform.machine(), cores, ())
    return parse_cpuinfo(text, cores)


def parse_cpuinfo(text: str, cores: int) -> CpuInfo:
    """The first processor's block of a /proc/cpuinfo text."""
    model, flags, numbers = "", set[str](), dict[str, int]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
        elif key in ("cpu family", "model") and key not in numbers and value.strip().isdigit():
            numbers[key] = int(value)
        elif not key and model:  # the first processor's block has ended
            break
    features = tuple(f for f in FEATURES if f in flags)
    return CpuInfo(
        model or platform.machine(), cores, features, numbers.get("cpu family"), numbers.get("model")
    )


def cpu_line(cpu: dict[str, Any]) -> str:
    """One line naming a CPU from :meth:`CpuInfo.as_dict` (what every measurement prints beside its figure)."""
    features = " ".join(cpu["features"]) or "no AVX2"
    ids = f"family {cpu['family']} model {cpu['model_number']}" if cpu.get("family") is not None else ""
    named = ", ".join(x for x in (cpu.get("core"), ids) if x)
    return f"{cpu['model']}{f' ({named})' if named else ''}, {cpu['cores']} cores, {features}"
