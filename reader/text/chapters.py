"""The chapters of two editions → which go together. Pure functions.

Two editions rarely have the same chapters: one has a preface or notes the
other lacks, a translator splits or merges a chapter. Chapters are paired the
way paragraphs are (reader.text.align, Gale–Church): by position and length,
with steps 1–1, 1–0, 0–1, 2–1 and 1–2, and the numbers in their titles
("Chapter 3", "第三章", "III") as the extra sign paragraph numbers are there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .align import Features, align_lengths

#: Cost of a chapter without a partner (as align.UNPAIRED: a lone front-matter
#: chapter stays alone rather than being glued to chapter 1).
UNPAIRED_CHAPTER = 2.0

_DIGITS = re.compile(r"\d+")
_HAN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+")
#: A Roman numeral ending the title or followed by "." or ":" ("Chapter XIV", "IV. Storm"),
#: so that the English "I" is not read as 1.
_ROMAN = re.compile(r"\b(?=[MDCLXVI])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})"
                    r"(?=\s*$|[.:])")
_HAN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
               "七": 7, "八": 8, "九": 9}
_HAN_UNITS = {"十": 10, "百": 100, "千": 1000}
_ROMAN_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


@dataclass(frozen=True)
class ChapterStep:
    """Chapters (0-based positions) of each edition that go together, and how sure that is."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    confidence: float

    @property
    def kind(self) -> str:
        """"1–1", "1–2", "1–0", …"""
        return f"{len(self.a)}–{len(self.b)}"


def han_number(text: str) -> int:
    """"三" → 3, "十二" → 12, "二十" → 20, "一百零五" → 105."""
    total, digit = 0, None
    for char in text:
        if char in _HAN_DIGITS:
            digit = _HAN_DIGITS[char]
        elif char in _HAN_UNITS:
            total += (1 if digit is None else digit) * _HAN_UNITS[char]
            digit = None
    return total + (digit or 0)


def roman_number(text: str) -> int:
    """"XIV" → 14."""
    values = [_ROMAN_VALUES[c] for c in text]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v
               for i, v in enumerate(values))


def title_numbers(title: str | None) -> tuple[str, ...]:
    """The numbers a chapter title holds, whatever they are written in."""
    if not title:
        return ()
    found = [str(int(n)) for n in _DIGITS.findall(title)]
    found += [str(han_number(n)) for n in _HAN_NUMBER.findall(title) if han_number(n)]
    found += [str(roman_number(m.group())) for m in _ROMAN.finditer(title) if m.group()]
    return tuple(found)


def pair_chapters(a: Sequence[tuple[str | None, float]],
                  b: Sequence[tuple[str | None, float]]) -> tuple[ChapterStep, ...]:
    """Pair two editions' chapters, given as (title, length); steps in order.

    Lengths are in comparable units (characters, Han weighed more); the ratio
    between the editions is estimated from them.
    """
    fa = [Features(title_numbers(title)) for title, _ in a]
    fb = [Features(title_numbers(title)) for title, _ in b]
    proposal = align_lengths([w for _, w in a], [w for _, w in b], fa, fb,
                             unpaired=UNPAIRED_CHAPTER)
    return tuple(ChapterStep(s.a, s.b, s.confidence) for s in proposal.steps)
