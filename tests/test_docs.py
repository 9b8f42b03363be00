"""The documentation stays true to the tree: every relative link resolves (file and #anchor),
every module is in the architecture's map, and every module the docs name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reader"
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "output" / "README.md",
                    ROOT / "benchmarks" / "README.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MODULE = re.compile(r"`((?:reader/)?[a-z0-9_]+(?:/[a-z0-9_]+)*\.py)`")


def prose(path: Path) -> str:
    """A Markdown file without its fenced code blocks (links there are not links)."""
    return _FENCE.sub("", path.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: formatting and punctuation dropped, lower case,
    spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a Markdown file has, numbered as GitHub numbers repeated headings."""
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(prose(path)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path) -> list[str]:
    """The relative links of a Markdown file whose file or anchor does not exist."""
    broken = []
    for target in _LINK.findall(prose(path)):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
            broken.append(f"{target}: no such anchor")
    return broken


@pytest.mark.parametrize("heading, expected", [
    ("What a build makes", "what-a-build-makes"),
    ("From an EPUB or a web page", "from-an-epub-or-a-web-page"),
    ("Exit codes and errors", "exit-codes-and-errors"),
    ("A shelf (a folder of books)", "a-shelf-a-folder-of-books"),
    ("Publishing: a podcast feed and an index page",
     "publishing-a-podcast-feed-and-an-index-page"),
    ("Where is…", "where-is"),
    ("`--preset acx`", "--preset-acx"),
    ("Build speed (the aims of issue 15)", "build-speed-the-aims-of-issue-15"),
])
def test_slugs_follow_github(heading: str, expected: str) -> None:
    assert slug(heading) == expected


def test_repeated_headings_are_numbered(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A\n\n## Notes\n\n## Notes\n\n```\n# not a heading\n```\n")
    assert anchors(page) == {"a", "notes", "notes-1"}


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("## There\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#there) [file](missing.md) [anchor](other.md#gone) "
                    "[here](#nowhere) [web](https://example.org/x.md)\n\n```\n[code](no.md)\n```\n")
    assert broken_links(page) == ["missing.md: no such file", "other.md#gone: no such anchor",
                                  "#nowhere: no such anchor"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert broken_links(path) == []


def _module_names(text: str) -> set[str]:
    return {name.removeprefix("reader/") for name in _MODULE.findall(text)}


def test_the_module_map_lists_every_module() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    mapped = {name for line in text.splitlines() if line.startswith("| `")
              for name in _module_names(line.split("|")[1])}
    modules = {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")}
    assert sorted(modules - mapped) == [], "modules missing from docs/architecture.md's map"
    assert sorted(mapped - modules) == [], "docs/architecture.md maps modules that do not exist"


def _exists(name: str, near: Path) -> bool:
    """`layer/name.py` (or `reader/…`, `tests/…`, `benchmarks/…`, or beside the document) is
    a file; a bare `name.py` is a module somewhere in the package."""
    if "/" not in name and any(PACKAGE.rglob(name)):
        return True
    return any((base / name).exists() for base in (PACKAGE, ROOT, near))


@pytest.mark.parametrize("path", [path for path in DOCUMENTS if path.name != "CHANGELOG.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_named_exists(path: Path) -> None:
    """The history names files as they were; every other document, as they are."""
    missing = [name for name in _module_names(path.read_text(encoding="utf-8"))
               if not _exists(name, path.parent)]
    assert missing == []
