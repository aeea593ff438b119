"""The house as its imports draw it: the packages (rooms), the library's parts on floors (a part stands one
floor above the highest part it imports), the arrows between parts, and any arrow that runs back up (from a
part to one on its own floor or above, which only a circle makes). Reads source, imports nothing of it.

usage: python scripts/house.py [ROOT]
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every top-level package except tests and scripts."""
    out = {}
    for pkg in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
        if pkg.name in ("tests", "scripts"):
            continue
        for f in pkg.rglob("*.py"):
            name = ".".join(f.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            out[name] = f
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules one module imports (relative imports resolved)."""
    pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for n in names:
            while n and n not in known:
                n = n.rpartition(".")[0]
            if n and n != name:
                found.add(n)
    return found


def part(m: str) -> str:
    """A library module's part (index.<subpackage or module>); a front end is one part."""
    bits = m.split(".")
    if bits[0] != "index":
        return bits[0]
    return ".".join(bits[:2]) if len(bits) > 1 else "index.__init__"


def main(root: Path) -> int:
    known = modules(root)
    graph = {m: imports(m, f, known) for m, f in known.items()}
    sizes: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for m, f in known.items():
        sizes[part(m)] += f.read_text(encoding="utf-8").count("\n")
        count[part(m)] += 1
    arrows: Counter[tuple[str, str]] = Counter()
    for m, deps in graph.items():
        for d in deps:
            if part(d) != part(m):
                arrows[(part(m), part(d))] += 1
    parts = sorted(count)
    floor: dict[str, int] = {}

    def height(p: str, seen: frozenset[str] = frozenset()) -> int:
        if p in floor:
            return floor[p]
        if p in seen:
            return 0  # a circle: its arrows are reported as running back up
        deps = [b for (a, b) in arrows if a == p]
        floor[p] = h = 1 + max((height(b, seen | {p}) for b in deps), default=-1)
        return h

    for p in parts:
        height(p)
    back = [(a, b) for (a, b) in arrows if floor[b] >= floor[a]]
    print(
        f"rooms: {', '.join(sorted({p.split('.')[0] for p in parts}))}; parts: {len(parts)}; "
        f"arrows between parts: {len(arrows)}; arrows running back up: {len(back)}"
    )
    for h in sorted(set(floor.values())):
        on = [p for p in parts if floor[p] == h]
        print(f"floor {h}: " + ", ".join(f"{p} ({count[p]} modules, {sizes[p]} lines)" for p in on))
    for a, b in sorted(back):
        print(f"  back up: {a} -> {b} ({arrows[(a, b)]} imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
