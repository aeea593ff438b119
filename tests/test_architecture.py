"""The tree keeps its shape: imports run one way (front ends -> library, never back and never sideways, entry
points included), no import circles between modules nor between the library's parts, no module far over 300
lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scripts.house import imports

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = "index"
FRONT_ENDS = ("api", "bot", "cli", "lab")
MAX_LINES = 320


def modules() -> dict[str, Path]:
    out = {}
    for pkg in (LIBRARY, *FRONT_ENDS):
        for path in (ROOT / pkg).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


MODULES = modules()
GRAPH = {name: imports(name, path, MODULES) for name, path in MODULES.items()}  # scripts/house.py's reader


def test_the_library_imports_no_front_end() -> None:
    bad = [
        f"{m} -> {d}"
        for m, deps in GRAPH.items()
        if m.split(".")[0] == LIBRARY
        for d in deps
        if d.split(".")[0] != LIBRARY
    ]
    assert not bad, bad


def test_front_ends_never_import_each_other_not_even_in_their_entry_points() -> None:
    bad = [
        f"{m} -> {d}"
        for m, deps in GRAPH.items()
        for d in deps
        if m.split(".")[0] in FRONT_ENDS and d.split(".")[0] not in (LIBRARY, m.split(".")[0])
    ]
    assert not bad, bad


def test_no_import_circles() -> None:
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index_of[v] = low[v] = len(index_of)
        stack.append(v)
        for w in GRAPH.get(v, ()):
            if w not in index_of:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index_of[w])
        if low[v] == index_of[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in GRAPH:
        if v not in index_of:
            visit(v)
    assert not circles, circles


@pytest.mark.parametrize("pkg", [LIBRARY, *FRONT_ENDS, "scripts"])
def test_no_module_is_far_over_300_lines(pkg: str) -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / pkg).rglob("*.py")
        if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_LINES
    }
    assert not long, long


def _trees() -> dict[str, ast.Module]:
    return {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def test_paperindex_is_composed_not_inherited() -> None:
    """PaperIndex is a front door over parts it owns (store, encoders, spaces, writer, retriever)."""
    tree = ast.parse((ROOT / LIBRARY / "paperindex.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PaperIndex"]
    assert cls.bases == []


def test_nothing_outside_storage_reaches_through_a_store() -> None:
    """`x.store.method()` outside the storage layer is a read the owner of the store should offer itself
    (a part holding its own store, `self.store.…`, is that owner)."""
    found = []
    for name, tree in _trees().items():
        if name.startswith(f"{LIBRARY}.storage"):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "store"
                and not (isinstance(node.value.value, ast.Name) and node.value.value.id == "self")
            ):
                found.append(f"{name}:{node.lineno}: .store.{node.attr}")
    assert found == []


BACKEND_CLASSES = {"PgStore", "SqliteStore", "FaissSpace", "PgSpace", "VectorIndex"}


def test_no_backend_branches_outside_storage_and_the_vector_spaces() -> None:
    """One vector-space protocol with its implementations: nobody else asks which backend it holds."""
    found = []
    for name, tree in _trees().items():
        if name.startswith((f"{LIBRARY}.storage", f"{LIBRARY}.spaces", f"{LIBRARY}.retrieval.vectors")):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                if names & BACKEND_CLASSES:
                    found.append(f"{name}:{node.lineno}")
    assert found == []
