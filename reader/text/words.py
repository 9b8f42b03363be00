"""Words of a text and where they are: for timing words (read-along). Pure.

The engine speaks a paragraph's spoken form ("екі мың он тоғызыншы жылы") but
the page shows the written text ("2019 жылы"): `written_marks` carries word
times from the one to the other by aligning the two texts word by word.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Sequence

from .timing import pauses, spoken_syllables

#: One Han character (or kana) is one token; any other run of letters and digits is one.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
                    r"|[^\W_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

#: (start, end, char start, char end): a time span (any unit) and the characters spoken in it.
Mark = tuple[int, int, int, int]


def tokens(text: str) -> list[tuple[int, int]]:
    """Character spans of the text's words: Han characters one by one, other words whole."""
    return [match.span() for match in _TOKEN.finditer(text)]


def weights(text: str) -> list[tuple[int, int, float, float]]:
    """Per word: its span, its weight in syllables and the pause after it (the punctuation
    before the next word), both by reader.text.timing's rules."""
    spans = tokens(text)
    heard = pauses(text)
    out = []
    for k, (start, end) in enumerate(spans):
        until = spans[k + 1][0] if k + 1 < len(spans) else len(text)
        pause = sum(weight for at, weight in heard if end <= at < until)
        out.append((start, end, float(max(1, spoken_syllables(text[start:end]))), pause))
    return out


def estimated_marks(text: str, start: int, end: int) -> list[Mark]:
    """Word times spread over [start, end) by syllable weight, pauses at punctuation
    counted: for engines that report none."""
    words = weights(text)
    total = sum(weight + pause for _, _, weight, pause in words[:-1]) + (
        words[-1][2] if words else 0.0)
    if not words or end <= start:
        return []
    marks: list[Mark] = []
    at = 0.0
    for k, (char_start, char_end, weight, pause) in enumerate(words):
        begin = start + round((end - start) * at / total)
        at += weight
        finish = start + round((end - start) * at / total)
        if k + 1 < len(words):
            at += pause
        marks.append((begin, max(finish, begin + 1), char_start, char_end))
    return marks


def written_marks(written: str, spoken: str, marks: Sequence[Mark]) -> list[Mark]:
    """Marks on the spoken text carried to the written text it was made from.

    Both texts are split into words and aligned (difflib on the words, case
    folded). An equal word takes the time of the mark holding its spoken twin;
    written words whose spoken counterparts differ ("2019" ↔ "екі мың он
    тоғызыншы") get one span, from the first of their marks' starts to the
    last's end. Written words said by one mark (Mandarin's 公里) become one
    entry; a written word with nothing spoken is left untimed. Returns
    (start, end, char start, char end) in written-text characters, in order.
    """
    if not marks:
        return []
    w_spans, s_spans = tokens(written), tokens(spoken)
    owner = [_owner(marks, start) for start, _ in s_spans]
    matcher = difflib.SequenceMatcher(
        None, [written[a:b].casefold() for a, b in w_spans],
        [spoken[a:b].casefold() for a, b in s_spans], autojunk=False)
    # Per written word: the first and last mark (indices) it is said in.
    said: list[tuple[int, int, int, int]] = []  # (first mark, last mark, char start, char end)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                mark = owner[j]
                if mark is not None:
                    said.append((mark, mark, *w_spans[i]))
        elif tag == "replace":
            heard = [mark for j in range(j1, j2) if (mark := owner[j]) is not None]
            if heard:
                said.append((min(heard), max(heard), w_spans[i1][0], w_spans[i2 - 1][1]))
    merged: list[list[int]] = []
    for first, last, char_start, char_end in said:
        if merged and first <= merged[-1][1]:  # said in a mark already taken: one entry
            merged[-1][1] = max(merged[-1][1], last)
            merged[-1][3] = max(merged[-1][3], char_end)
        else:
            merged.append([first, last, char_start, char_end])
    return [(marks[first][0], marks[last][1], char_start, char_end)
            for first, last, char_start, char_end in merged]


def _owner(marks: Sequence[Mark], char: int) -> int | None:
    """The mark whose text holds the character (None when none does); marks are in text
    order."""
    k = bisect.bisect_right([mark[2] for mark in marks], char) - 1
    return k if k >= 0 and char < marks[k][3] else None
