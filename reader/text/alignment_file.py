"""A proposed pairing, as `reader align --write` records it in the book folder
(``alignment.toml``), and read back, checked against the texts, by the build::

    format = 1
    [texts]                     # fingerprints of the texts it was made from
    kk = "sha256:…"
    zh = "sha256:…"
    [[section]]                 # one per section, in order
    pairs = [
      { kk = [1], zh = [] },    # paragraph numbers, 1-based within the section
      { kk = [2], zh = [1] },
      { kk = [3, 4], zh = [2] },
    ]

A fingerprint is the SHA-256 of a language's sections and normalised
paragraphs, so edits that change no paragraph (spacing, line breaks inside a
paragraph) keep the alignment; any other edit invalidates it, and `build`
asks for ``reader align --write`` again.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from .. import fsutil
from ..errors import PairingError
from ..paths import inside
from .align import Proposal
from .pairing import Bead
from .paragraphs import Section
from .shorten import truncate

ALIGNMENT_FILE = "alignment.toml"
FORMAT = 1


def fingerprint(sections: tuple[Section, ...]) -> str:
    """"sha256:…" of a language's sections and paragraphs, as they pair."""
    data = [[s.title, [p.text for p in s.paragraphs]] for s in sections]
    digest = hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


def render_alignment(proposal: Proposal) -> str:
    """The alignment.toml text recording a proposal."""
    la, lb = proposal.order
    lines = [
        "# Written by `reader align --write`; `reader build` pairs the paragraphs as listed.",
        "# One line per pair: paragraph numbers per language (1-based within the section);",
        "# [] means the other side has no partner (book.toml `unpaired` decides: skip or",
        "# speak alone). Edit to correct it, keeping every paragraph once and in order.",
        "# The fingerprints tell `build` when the texts changed since: then re-run align.",
        f"format = {FORMAT}",
        "",
        "[texts]",
    ]
    lines += [f"{lang} = {json.dumps(fingerprint(proposal.sides[lang]))}" for lang in (la, lb)]
    for number, section in enumerate(proposal.sections):
        xa, xb = proposal.sides[la][number], proposal.sides[lb][number]
        lines += ["", "[[section]]"]
        if xa.title:
            lines.append(f"# {truncate(xa.title, 60)}")
        lines.append("pairs = [")
        for step in section.steps:
            cells = ", ".join(f"{lang} = [{', '.join(str(i + 1) for i in pos)}]"
                              for lang, pos in ((la, step.a), (lb, step.b)))
            ta = " ".join(xa.paragraphs[i].text for i in step.a) or "—"
            tb = " ".join(xb.paragraphs[j].text for j in step.b) or "—"
            lines.append(f"  {{ {cells} }},  # {step.confidence:.2f} "
                         f"{truncate(ta, 24)} | {truncate(tb, 24)}")
        lines.append("]")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def kept_sentence_tables(path: Path) -> list[dict[str, Any]]:
    """The hand-written ``[[sentences]]`` tables of an alignment.toml (none if unreadable)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    tables = data.get("sentences")
    if not isinstance(tables, list):
        return []
    return [table for table in tables if isinstance(table, dict)]


def write_alignment(root: Path, proposal: Proposal) -> Path:
    """Record a proposal in the book folder; `build` pairs by it from now on.

    Sentence corrections written by hand (``[[sentences]]`` tables) are kept:
    they are a producer's work, and the build checks them against the texts.
    """
    path = Path(root) / ALIGNMENT_FILE
    text = render_alignment(proposal)
    kept = kept_sentence_tables(path) if path.is_file() else []
    for table in kept:
        text += "\n[[sentences]]\n" + "".join(
            f"{key} = {_toml_value(value)}\n" for key, value in table.items())
    fsutil.write_bytes(path, text.encode("utf-8"))
    return path


def read_alignment(
    root: Path, sides: dict[str, tuple[Section, ...]], files: dict[str, Path]
) -> tuple[Bead, ...] | None:
    """The recorded alignment of a book, checked against its texts; None if there is none."""
    path = Path(root) / ALIGNMENT_FILE
    if not path.exists():
        return None
    inside(Path(root), ALIGNMENT_FILE, "alignment.toml")
    redo = f"run `reader align {root} --write` again (or delete {path} to pair by position)"

    def fail(problem: str) -> PairingError:
        return PairingError(f"{path}: {problem}; {redo}")

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"cannot be read ({exc})") from None
    if "section" not in data and "texts" not in data and "sentences" in data:
        return None  # only sentence pairings (reader.text.sentence_alignment): pair by position
    if data.get("format") != FORMAT:
        raise fail(f"format {data.get('format')!r} is not {FORMAT}")
    recorded = data.get("texts", {})
    for lang, sections in sides.items():
        if not isinstance(recorded, dict) or recorded.get(lang) != fingerprint(sections):
            raise fail(f"{files[lang]} changed since the alignment was recorded"
                       if isinstance(recorded, dict) and lang in recorded
                       else f"it records no fingerprint for {lang}")
    tables = data.get("section", [])
    if not isinstance(tables, list) or len(tables) != len(next(iter(sides.values()))):
        raise fail(f"it has {len(tables) if isinstance(tables, list) else 0} [[section]] "
                   f"tables and the texts {len(next(iter(sides.values())))} sections")
    beads: list[Bead] = []
    for number, table in enumerate(tables):
        beads += _section_beads(table, number, sides, fail)
    return tuple(beads)


def _section_beads(table: Any, number: int, sides: dict[str, tuple[Section, ...]],
                   fail: Any) -> list[Bead]:
    where = f"section {number + 1}"
    pairs = table.get("pairs") if isinstance(table, dict) else None
    if not isinstance(pairs, list):
        raise fail(f"{where}: expected pairs = [ … ]")
    seen = {lang: 0 for lang in sides}
    beads = []
    for k, entry in enumerate(pairs, start=1):
        if not isinstance(entry, dict) or set(entry) - set(sides):
            raise fail(f"{where}, pair {k}: expected {{ {' = [..], '.join(sides)} = [..] }}")
        members = []
        for lang in sides:
            positions = entry.get(lang, [])
            if not isinstance(positions, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in positions
            ):
                raise fail(f"{where}, pair {k}: {lang} must be a list of paragraph numbers")
            expected = list(range(seen[lang] + 1, seen[lang] + 1 + len(positions)))
            if positions != expected:
                raise fail(f"{where}, pair {k}: {lang} {positions} should be {expected} "
                           "(every paragraph once, in order)")
            seen[lang] += len(positions)
            members.append((lang, tuple(p - 1 for p in positions)))
        if not any(pos for _, pos in members):
            raise fail(f"{where}, pair {k}: names no paragraph")
        beads.append(Bead(number, tuple(members)))
    for lang, sections in sides.items():
        if seen[lang] != len(sections[number].paragraphs):
            raise fail(f"{where}: lists {seen[lang]} {lang} paragraphs of "
                       f"{len(sections[number].paragraphs)}")
    return beads
