"""The package's folders are its layers, and every import points down (or stays in its layer)."""

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


def violations(path: Path, root: Path = PACKAGE) -> list[str]:
    """The imports in a file that point up a layer."""
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" \
        else module.rpartition(".")[0]
    own = layer_of(module)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
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
