"""Roman numerals, as typed in Latin letters, in Cyrillic look-alikes, or as Unicode signs.

Kazakh texts often type them with Cyrillic Х and І (ХХІ ғасыр); Chinese texts
with the Unicode numerals Ⅰ–Ⅻ (第Ⅱ卷) or Latin capitals. Only the canonical
spelling counts (IIII and VX are not numerals), so an acronym that merely uses
these letters is read as one unless its context says otherwise.
"""

from __future__ import annotations

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
#: Cyrillic capitals typed for Latin ones.
LOOK_ALIKES = str.maketrans({"Х": "X", "І": "I"})
#: Unicode Roman numeral signs Ⅰ–Ⅻ.
SIGNS = {chr(0x2160 + i): i + 1 for i in range(12)}
_STEPS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def to_roman(n: int) -> str:
    """The canonical Roman spelling of 1–3999: 18 → "XVIII"."""
    out = ""
    for value, letters in _STEPS:
        count, n = divmod(n, value)
        out += letters * count
    return out


def value(token: str) -> int | None:
    """The number a Roman numeral stands for (Cyrillic Х І and Ⅰ–Ⅻ too), None if it is not one."""
    if token in SIGNS:
        return SIGNS[token]
    latin = token.translate(LOOK_ALIKES)
    if not latin or any(ch not in _VALUES for ch in latin):
        return None
    values = [_VALUES[ch] for ch in latin]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v
                for i, v in enumerate(values))
    return total if 0 < total < 4000 and to_roman(total) == latin else None


def plain(token: str) -> bool:
    """Made of I V X alone (in either script), at least two letters: read as a numeral anywhere."""
    latin = token.translate(LOOK_ALIKES)
    return len(latin) >= 2 and set(latin) <= set("IVX") and value(token) is not None
