"""The package's folders are its layers, every import points down (or stays in its layer),
and no modules import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reader"
#: Lowest first. Modules at the package's top level are the foundation every layer may use.
LAYERS = ["", "text", "audio", "speech", "outputs", "pipeline", "cli"]


def layer_of(module: str) -> str | None:
    """"reader.audio.mastering" → "audio"; "reader.errors" → "" (the foundation)."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[1]
    return "" if parts[0] == "reader" else None


def imports(path: Path, root: Path = PACKAGE) -> list[tuple[str, str]]:
    """Every import in a file, anywhere in it (inside functions and `if TYPE_CHECKING:` too),
    as (module or package, name imported from it): `from .x import y` → ("reader.….x", "y");
    `import a.b` → ("a.b", "")."""
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" \
        else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found += [(base, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def module_of(path: Path, root: Path = PACKAGE) -> str:
    """reader/text/align.py → "reader.text.align"; reader/text/__init__.py → "reader.text"."""
    return ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")


def violations(path: Path, root: Path = PACKAGE) -> list[str]:
    """The imports in a file that point up a layer."""
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    own = layer_of(module)
    found = []
    for base, name in imports(path, root):
        for target in [f"{base}.{name}" if name else base]:
            other = layer_of(target)
            if other is not None and own is not None and LAYERS.index(other) > LAYERS.index(own):
                found.append(f"{module} ({own or 'foundation'}) imports {target} ({other})")
    return found


#: Entry points (`python -m reader`) sit on top of everything.
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    assert violations(path) == []


def test_an_upward_import_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "reader"
    (root / "text").mkdir(parents=True)
    (root / "text" / "x.py").write_text("from ..pipeline.build import build\nfrom . import y\n")
    (root / "config.py").write_text("from reader.speech import registry\nfrom .errors import E\n")
    assert violations(root / "text" / "x.py", root) == [
        "reader.text.x (text) imports reader.pipeline.build.build (pipeline)"]
    assert violations(root / "config.py", root) == [
        "reader.config (foundation) imports reader.speech.registry (speech)"]


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the package's modules it imports. `from p import m` is an edge to the module
    p.m when there is one, else to p (a name from its __init__.py); a module importing
    itself is left out."""
    modules = {module_of(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {f"{base}.{name}" if f"{base}.{name}" in modules else base
                   for base, name in imports(path, root)}
        graph[module] = {t for t in targets if t in modules and t != module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle a → … → a for each group of modules that import each other (Tarjan's
    strongly connected components; the circle is the shortest through the group's first)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while (member := stack.pop()) != node:
                group.add(member)
            groups.append(group | {node})

    for node in sorted(graph):
        if node not in index:
            visit(node)
    found = []
    for group in (g for g in groups if len(g) > 1):
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:  # breadth first, inside the group, back to start
            node = queue.pop(0)
            if start in graph[node]:
                found.append(paths[node] + [start])
                break
            for other in sorted(graph[node] & group):
                if other not in paths:
                    paths[other] = paths[node] + [other]
                    queue.append(other)
    return sorted(found)


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert [" → ".join(circle) for circle in circles(import_graph())] == []


def test_a_planted_circle_is_seen_lazy_and_type_checking_imports_included(tmp_path: Path) -> None:
    root = tmp_path / "reader"
    (root / "text").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "text" / "__init__.py").write_text("from .a import A\n")  # reader.text → a: no circle
    (root / "text" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
    (root / "text" / "b.py").write_text("def f():\n    from reader.text import c\n")
    (root / "text" / "c.py").write_text("import reader.text.a\n")
    (root / "errors.py").write_text("from .text import d\n")
    (root / "text" / "d.py").write_text("import os\n")
    assert circles(import_graph(root)) == [
        ["reader.text.a", "reader.text.b", "reader.text.c", "reader.text.a"]]
    (root / "text" / "d.py").write_text("def f():\n    from ..errors import E\n")  # a second one
    assert circles(import_graph(root)) == [
        ["reader.errors", "reader.text.d", "reader.errors"],
        ["reader.text.a", "reader.text.b", "reader.text.c", "reader.text.a"]]
