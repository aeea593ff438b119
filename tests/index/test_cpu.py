"""The CPU is named with every figure, and `auto` picks bfloat16 only where the CPU has units for it."""

from __future__ import annotations

from index.cpu import FEATURES, cpu_info
from index.retrieval.embed import resolve_dtype


def test_cpu_info_names_the_cpu_and_auto_follows_its_bf16_units() -> None:
    cpu = cpu_info()
    assert cpu.model and cpu.cores >= 1 and set(cpu.features) <= set(FEATURES)
    assert resolve_dtype("auto") == ("bfloat16" if cpu.bf16_units else "float32")
    assert cpu.model in cpu.describe() and cpu.as_dict()["bf16_units"] == cpu.bf16_units
