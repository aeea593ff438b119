"""The CPU is named with every figure, and `auto` picks bfloat16 only where the CPU has units for it."""

from __future__ import annotations

from index.cpu import FEATURES, cpu_info, parse_cpuinfo
from index.retrieval.embed import resolve_dtype


def test_cpu_info_names_the_cpu_and_auto_follows_its_bf16_units() -> None:
    cpu = cpu_info()
    assert cpu.model and cpu.cores >= 1 and set(cpu.features) <= set(FEATURES)
    assert resolve_dtype("auto") == ("bfloat16" if cpu.bf16_units else "float32")
    assert cpu.model in cpu.describe() and cpu.as_dict()["bf16_units"] == cpu.bf16_units


def _cpuinfo(family: int, model: int, name: str, flags: str) -> str:
    block = f"processor\t: {{}}\nvendor_id\t: AuthenticAMD\ncpu family\t: {family}\nmodel\t\t: {model}\n"
    block += f"model name\t: {name}\nflags\t\t: {flags}\n\n"
    return block.format(0) + block.format(1)


def test_a_vm_that_says_only_amd_epyc_is_named_by_its_core_generation() -> None:
    zen3 = parse_cpuinfo(_cpuinfo(25, 1, "AMD EPYC", "fpu avx2 fma"), 2)
    zen4 = parse_cpuinfo(_cpuinfo(25, 17, "AMD EPYC", "avx2 avx512f avx512_vnni avx512_bf16"), 2)
    zen5 = parse_cpuinfo(_cpuinfo(26, 2, "AMD EPYC", "avx2 avx512f avx512_vnni avx_vnni avx512_bf16"), 2)
    assert (zen3.core, zen4.core, zen5.core) == ("Zen 3", "Zen 4", "Zen 5")
    assert zen3.describe() == "AMD EPYC (Zen 3, family 25 model 1), 2 cores, avx2"
    assert not zen3.bf16_units and zen4.bf16_units and zen5.bf16_units
    assert zen5.as_dict()["core"] == "Zen 5" and zen5.as_dict()["family"] == 26


def test_an_intel_cpu_keeps_its_own_name_and_an_unknown_file_still_describes() -> None:
    text = (
        "processor\t: 0\ncpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C CPU\n"
    )
    xeon = parse_cpuinfo(text + "flags\t\t: avx2 avx512f amx_bf16 amx_int8\n", 2)
    assert xeon.core is None and xeon.bf16_units
    assert (
        xeon.describe()
        == "Intel(R) Xeon(R) Platinum 8481C CPU (family 6 model 143), 2 cores, avx2 avx512f amx_bf16 amx_int8"
    )
    assert parse_cpuinfo("", 1).describe().endswith("1 cores, no AVX2")
