"""Shortening text for display: chapter titles, tables and messages. Pure.

Every place that shows the start of a paragraph uses one of these, so a text
is cut the same way wherever it appears.
"""

from __future__ import annotations

import unicodedata

#: Punctuation dropped before an ellipsis, so a cut never ends in ",…", "–…" or "。…".
_TRAILING = " ,.;:–—-‐，。、；："


def _joins(char: str) -> bool:
    """Whether a character belongs to a word (letters, combining marks, digits)."""
    return unicodedata.category(char)[0] in "LMN"


def _unspaced(char: str) -> bool:
    """Han, kana and other characters written without spaces: each may end a line."""
    return unicodedata.east_asian_width(char) in "WF" and _joins(char)


def _cuts(text: str, limit: int) -> tuple[list[int], list[int]]:
    """Places to cut text[:i] for i ≤ limit: after a space or punctuation (strong),
    and between two characters of an unspaced script (weak); never inside a word."""
    strong, weak = [], []
    for i in range(1, min(limit, len(text) - 1) + 1):
        before, after = text[i - 1], text[i]
        if not (_joins(before) and _joins(after)):
            strong.append(i)
        elif _unspaced(before) or _unspaced(after):
            weak.append(i)
    return strong, weak


def snippet(text: str, limit: int) -> str:
    """The start of a text, at most about `limit` characters, cut between words, with "…".

    It cuts after a space or punctuation when one falls in the second half of
    the limit; else, in Chinese or Japanese, between two characters; else at
    the last word's end. A first word longer than the limit is kept whole:
    a title never ends in half a word ("бастапқыд…").
    """
    if len(text) <= limit:
        return text
    strong, weak = _cuts(text, limit)
    if strong and strong[-1] > limit // 2:
        cut = strong[-1]
    elif weak:
        cut = weak[-1]
    elif strong:
        cut = strong[-1]
    else:  # one long word: up to its end
        cut = next((i for i in range(limit, len(text)) if not _joins(text[i])), len(text))
    head = text[:cut].rstrip(_TRAILING)
    return text if cut >= len(text) else head + "…"


def truncate(text: str, width: int) -> str:
    """The text on one line, at most `width` characters with the "…" (a hard cut)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def columns(text: str) -> int:
    """Display width in a terminal: wide (Han, full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, width: int) -> str:
    """Cut a text to `width` display columns and pad it with spaces.

    A cut text keeps its longest start that fits in `width - 1` columns, then "…";
    the columns are counted once, character by character (a table of 3,000 rows
    would otherwise count each long paragraph again for every character cut).
    """
    text = " ".join(text.split())
    if columns(text) > width:
        used = 0
        for end, char in enumerate(text):
            used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if used > width - 1:
                text = text[:end].rstrip() + "…"
                break
    return text + " " * (width - columns(text))
