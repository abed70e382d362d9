"""No import cycle among gridsim's modules at run time: imports at module level and
inside functions both count; imports under ``if TYPE_CHECKING:`` (types only) do not."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parents[1] / "gridsim"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in PKG.rglob("*.py")}


def _owner(name: str) -> str | None:
    """The gridsim module that ``name`` (a module or ``module.attribute``) is in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _runtime_imports(mod: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    found: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package
                for _ in range(node.level - 1):
                    pkg = pkg.rpartition(".")[0]
                base = f"{pkg}.{base}".strip(".")
            found.update(f"{base}.{a.name}" for a in node.names)
    owners = {_owner(n) for n in found}
    return {o for o in owners if o and o != mod and not mod.startswith(o + ".")}


def test_no_import_cycle_at_run_time() -> None:
    g = nx.DiGraph()
    for mod, path in MODULES.items():
        g.add_edges_from((mod, t) for t in _runtime_imports(mod, path))
    cycles = [c for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, f"import cycles: {[sorted(c) for c in cycles]}"
    assert len(MODULES) > 50  # the scan saw the package
