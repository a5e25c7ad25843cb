"""The layering: each package imports only what its place in the house allows.

graph/ (settings, model, stores, loaders) is the bottom and knows nothing above it; queries/
answers questions without any face's framework; the faces (api/, dashboard/) reach the graph
only through queries/ and may open a store, never its backend internals; cli/ composes them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (package, forbidden module prefixes)
RULES = {
    "graph": ("queries", "workflows", "api", "dashboard", "cli"),
    "queries": ("typer", "rich", "fastapi", "starlette", "streamlit", "workflows", "api", "dashboard", "cli"),
    "workflows": ("typer", "rich", "fastapi", "starlette", "streamlit", "api", "dashboard", "cli"),
    "api": ("neo4j", "networkx", "graph.store.", "dashboard", "cli"),
    "dashboard": ("neo4j", "networkx", "graph.store.", "api", "cli"),
}


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, by absolute name (``from x import y`` names ``x.y`` when
    y is one of our modules, else ``x``)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [
                (node.lineno, f"{node.module}.{a.name}")
                for a in node.names
                if _is_module(f"{node.module}.{a.name}")
            ]
    return out


def breaks(name: str, forbidden: tuple[str, ...]) -> bool:
    """``forbidden`` entries ending in a dot forbid what is below them, not the package itself."""
    for f in forbidden:
        if f.endswith("."):
            if name.startswith(f):
                return True
        elif name == f or name.startswith(f + "."):
            return True
    return False


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in imports(path):
            if breaks(name, RULES[package]):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(RULES))
def test_layering(package: str) -> None:
    assert violations(package) == []


def test_the_rule_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import networkx as nx\nfrom graph.store.neo4j import Neo4jStore\n"
        "from graph.store import open_store\nfrom graph.store import base\n"
    )
    names = [n for _, n in imports(bad)]
    assert [n for n in names if breaks(n, RULES["dashboard"])] == [
        "networkx",
        "graph.store.neo4j",
        "graph.store.base",
    ]
    assert not breaks("graph.store", RULES["api"])
    assert breaks("typer", RULES["queries"]) and not breaks("typeguard", RULES["queries"])
