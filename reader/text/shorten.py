"""Shortening text for display: chapter titles, tables and messages. Pure.

Every place that shows the start of a paragraph uses one of these, so a text
is cut the same way wherever it appears.
"""

from __future__ import annotations

import unicodedata

#: Punctuation dropped before an ellipsis, so a cut never ends in ",…" or "。…".
_TRAILING = " ,.;:，。、；："


def snippet(text: str, limit: int) -> str:
    """The start of a text, cut at a word boundary where there is one, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(_TRAILING) + "…"


def clip(text: str, width: int) -> str:
    """The text on one line, at most `width` characters with the "…" (a hard cut)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def columns(text: str) -> int:
    """Display width in a terminal: wide (Han, full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, width: int) -> str:
    """Cut a text to `width` display columns and pad it with spaces."""
    text = " ".join(text.split())
    if columns(text) > width:
        while columns(text) > width - 1:
            text = text[:-1]
        text = text.rstrip() + "…"
    return text + " " * (width - columns(text))
