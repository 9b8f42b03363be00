"""The pipeline's modules import each other without a circle (TYPE_CHECKING imports count)."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parent.parent / "reader" / "pipeline"


def _imports(path: Path) -> set[str]:
    """The sibling modules a pipeline module imports (`from .x import …`, `from . import x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle in the graph (as the modules along it), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for other in sorted(graph.get(name, ())):
            if state.get(other) == 1:
                return path[path.index(other):] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        state[name] = 2
        path.pop()
        return None

    for name in sorted(graph):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


def test_circle_finder_finds_a_type_checking_circle() -> None:
    assert _circle({"clips": {"options"}, "options": {"clips"}}) == ["clips", "options", "clips"]
    assert _circle({"clips": {"events"}, "events": {"clip_job"}, "clip_job": set()}) is None


def test_no_circle_in_the_pipeline() -> None:
    graph = {path.stem: _imports(path) for path in PIPELINE.glob("*.py")}
    assert graph["clips"] >= {"events"} and graph["events"] == {"clip_job"}
    assert _circle(graph) is None
