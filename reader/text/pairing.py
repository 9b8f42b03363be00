"""Sections of two languages → aligned pairs. Pure functions.

Paragraphs pair by position within each section. When the counts differ the
error shows, side by side, where the two sides stop matching, judged by length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import PairingError
from .paragraphs import Paragraph, Section, is_unspaced
from .shorten import truncate

#: A pair whose length ratio strays this far from the book's ratio looks misaligned.
_MISMATCH_FACTOR = 2.2


@dataclass(frozen=True)
class Pair:
    """One paragraph in each language, spoken one after the other."""

    index: int  # 1-based position in the book
    section: int  # 0-based section index
    section_title: str | None
    texts: tuple[tuple[str, Paragraph], ...]  # (lang, paragraph) in book order

    def text(self, lang: str) -> str:
        """The paragraph's text in one language."""
        return dict(self.texts)[lang].text


def weight(text: str, lang: str) -> float:
    """Rough spoken length of a text: characters, Han counted as ~2.5 letters."""
    return len(text) * (2.5 if is_unspaced(lang) else 1.0)


def _first_mismatch(a: tuple[Paragraph, ...], b: tuple[Paragraph, ...], la: str, lb: str) -> int:
    """Index of the first position whose length ratio is far from the overall ratio."""
    total_a = sum(weight(p.text, la) for p in a) or 1.0
    total_b = sum(weight(p.text, lb) for p in b) or 1.0
    ratio = total_a / total_b
    for i in range(min(len(a), len(b))):
        wa = weight(a[i].text, la) + 20  # +20 keeps short titles from tripping it
        wb = weight(b[i].text, lb) * ratio + 20
        if max(wa / wb, wb / wa) > _MISMATCH_FACTOR:
            return i
    return min(len(a), len(b))


def _side_by_side(
    a: tuple[Paragraph, ...], b: tuple[Paragraph, ...], la: str, lb: str, at: int
) -> str:
    rows = [f"  {'#':>3}  {la + ' (line, chars)':<44} {lb + ' (line, chars)'}"]
    for i in range(max(0, at - 1), min(max(len(a), len(b)), at + 3)):
        cells = []
        for side in (a, b):
            if i < len(side):
                p = side[i]
                cells.append(f"{truncate(p.text, 28)} (l.{p.line}, {len(p.text)})")
            else:
                cells.append("—")
        mark = "→" if i == at else " "
        rows.append(f"{mark} {i + 1:>3}  {cells[0]:<44} {cells[1]}")
    return "\n".join(rows)


def matching_sections(
    sides: dict[str, tuple[Section, ...]], files: dict[str, Path]
) -> tuple[str, str, tuple[Section, ...], tuple[Section, ...]]:
    """The two languages and their sections; PairingError unless the section counts agree."""
    la, lb = list(sides)
    sa, sb = sides[la], sides[lb]
    if len(sa) != len(sb):
        raise PairingError(
            f"{files[la]} has {len(sa)} sections and {files[lb]} has {len(sb)}; "
            "paragraphs pair within sections: give both files the same '# ' headings "
            "in the same order"
        )
    return la, lb, sa, sb


def pair_sections(
    sides: dict[str, tuple[Section, ...]], files: dict[str, Path]
) -> tuple[Pair, ...]:
    """Pair two languages' sections paragraph by paragraph, or raise PairingError."""
    la, lb, sa, sb = matching_sections(sides, files)
    pairs: list[Pair] = []
    for number, (xa, xb) in enumerate(zip(sa, sb, strict=True)):
        if len(xa.paragraphs) != len(xb.paragraphs):
            name = f'section {number + 1}' + (f' "{xa.title}"' if xa.title else "")
            at = _first_mismatch(xa.paragraphs, xb.paragraphs, la, lb)
            raise PairingError(
                f"{files[la]} / {files[lb]}: {name} has {len(xa.paragraphs)} paragraphs "
                f"in {la} and {len(xb.paragraphs)} in {lb}; they stop matching at "
                f"paragraph {at + 1}. Merge, split or delete paragraphs so both sides "
                "pair one to one (or run `reader align`).\n"
                + _side_by_side(xa.paragraphs, xb.paragraphs, la, lb, at)
            )
        for pa, pb in zip(xa.paragraphs, xb.paragraphs, strict=True):
            pairs.append(Pair(len(pairs) + 1, number, xa.title, ((la, pa), (lb, pb))))
    return tuple(pairs)


@dataclass(frozen=True)
class Bead:
    """One step of a recorded alignment: the paragraphs that go together, per language.

    Positions are 0-based within the section; a language with no positions
    leaves the other side's paragraphs without a partner.
    """

    section: int
    members: tuple[tuple[str, tuple[int, ...]], ...]  # (lang, positions)


def pair_aligned(
    sides: dict[str, tuple[Section, ...]],
    files: dict[str, Path],
    alignment: tuple[Bead, ...],
    *,
    speak_unpaired: bool = False,
) -> tuple[tuple[Pair, ...], tuple[str, ...]]:
    """Pair paragraphs as a (validated) alignment says; return the pairs and notes.

    Paragraphs merged by the alignment are joined into one; paragraphs without
    a partner become a one-language pair when `speak_unpaired`, else are left
    out, and each gets a note either way.
    """
    order = list(sides)
    pairs: list[Pair] = []
    notes: list[str] = []
    for bead in alignment:
        members = dict(bead.members)
        texts: list[tuple[str, Paragraph]] = []
        for lang in order:
            positions = members.get(lang, ())
            if not positions:
                continue
            found = [sides[lang][bead.section].paragraphs[i] for i in positions]
            joined = ("" if is_unspaced(lang) else " ").join(p.text for p in found)
            texts.append((lang, Paragraph(joined, found[0].line)))
        if not texts:
            continue
        title = sides[order[0]][bead.section].title
        if len(texts) == 1:
            lang, paragraph = texts[0]
            (other,) = [x for x in order if x != lang]
            fate = ('spoken alone (book.toml: unpaired = "speak")' if speak_unpaired else
                    'skipped (book.toml: unpaired = "skip"; "speak" speaks it alone)')
            notes.append(f"{files[lang]}:{paragraph.line}: “{truncate(paragraph.text, 28)}” has "
                         f"no {other} partner; {fate}")
            if not speak_unpaired:
                continue
        pairs.append(Pair(len(pairs) + 1, bead.section, title, tuple(texts)))
    return tuple(pairs), tuple(notes)
