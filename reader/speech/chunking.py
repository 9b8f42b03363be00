"""Paragraph → chunks short enough for one request to a network engine. Pure functions.

gTTS sends at most 100 characters per request and, left to itself, cuts
unspaced Chinese every 100 characters, mid-word. Here a paragraph is cut at
the strongest pauses first (sentence ends), then at weaker ones (commas and
the like), then at spaces, and only a run of text longer than the limit on its
own is cut inside, into even parts. Neighbouring pieces are packed back
together up to the limit, so a short paragraph stays one request and each
request carries whole clauses with their natural intonation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..text.paragraphs import is_unspaced

#: Characters per request that Google's Translate speech endpoint accepts.
LIMIT = 100

# Closing quotes and brackets stay with the punctuation they follow: 。” → cut after ”.
_CLOSERS = "”’」』）》〉】)\\]»"
# ASCII . , : between digits is a number (20.6, 1,000, 10:30), not a pause.
_NOT_IN_NUMBER = r"(?:(?<!\d)[{0}]|[{0}](?!\d))"
# Something worth sending: a letter or a digit in any script.
_SPEAKABLE = re.compile(r"[^\W_]")


def _cut(marks: str, *, after: str = "") -> re.Pattern[str]:
    """A cut after any of `marks` (then closers and spaces); `after` constrains what follows."""
    return re.compile(rf"(?:{marks})+[{_CLOSERS}]*{after}\s*")


@dataclass(frozen=True)
class Rules:
    """Where a script may be cut, strongest pause first."""

    name: str
    levels: tuple[re.Pattern[str], ...]


#: Chinese (and other unspaced scripts): full-width and ASCII punctuation, with
#: or without a following space, since texts mix them (the seed writes "，" as ",").
UNSPACED = Rules("unspaced", (
    _cut(rf"[。！？!?]|{_NOT_IN_NUMBER.format('.')}|…+"),
    _cut(rf"[；;，、]|{_NOT_IN_NUMBER.format(',:')}|：|—+|…"),
    re.compile(r"\s+"),
))

#: Kazakh, Russian and other spaced scripts: a pause mark counts only before a
#: space (or the end), so "т.б.", "3.5" and "әдіс-амал" stay whole.
SPACED = Rules("spaced", (
    _cut(r"[.!?…]", after=r"(?=\s|$)"),
    _cut(r"[,;:]", after=r"(?=\s|$)"),
    re.compile(r"(?:\s[-–—]+\s*|[–—]+\s*)"),
    re.compile(r"\s+"),
))


def rules_for(lang: str) -> Rules:
    """The cutting rules for a BCP-47 language."""
    return UNSPACED if is_unspaced(lang) else SPACED


def chunks(text: str, lang: str, limit: int = LIMIT) -> list[str]:
    """Cut a paragraph into stripped chunks of at most `limit` characters.

    Pieces without a letter or digit (a lone "……") are dropped: there is
    nothing in them to speak, and gTTS refuses them.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")
    pieces = _fit(text.strip(), rules_for(lang).levels, limit)
    return [piece for piece in (p.strip() for p in pieces) if _SPEAKABLE.search(piece)]


def located(text: str, parts: list[str]) -> list[tuple[str, int]]:
    """Each of `chunks(text, …)` with the character of `text` it starts at (its word
    marks count from there)."""
    out, cursor = [], 0
    for part in parts:
        found = text.find(part, cursor)
        if found < 0:
            raise ValueError(f"chunk {part!r} is not in the text after {cursor}")
        out.append((part, found))
        cursor = found + len(part)
    return out


def split_after(text: str, cut: re.Pattern[str]) -> list[str]:
    """Split text after each match of `cut`; the pieces join back to `text`."""
    pieces, start = [], 0
    for match in cut.finditer(text):
        if match.end() > start and match.end() < len(text):
            pieces.append(text[start:match.end()])
            start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def pack(pieces: list[str], limit: int) -> list[str]:
    """Join neighbouring pieces while the (stripped) result stays within `limit`."""
    out: list[str] = []
    for piece in pieces:
        if out and len((out[-1] + piece).strip()) <= limit:
            out[-1] += piece
        else:
            out.append(piece)
    return out


def even_cut(text: str, limit: int) -> list[str]:
    """Cut a run with no pause in it into the fewest equal parts within `limit`."""
    body = text.strip()
    parts = math.ceil(len(body) / limit)
    size = math.ceil(len(body) / parts)
    return [body[i:i + size] for i in range(0, len(body), size)]


def _fit(text: str, levels: tuple[re.Pattern[str], ...], limit: int) -> list[str]:
    if len(text.strip()) <= limit:
        return [text]
    if not levels:
        return even_cut(text, limit)
    parts = split_after(text, levels[0])
    if len(parts) == 1:
        return _fit(text, levels[1:], limit)
    return pack([piece for part in parts for piece in _fit(part, levels[1:], limit)], limit)
