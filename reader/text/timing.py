"""When each piece of a clip is heard, estimated from its text. Pure functions.

A clip's time is shared out among consecutive pieces of its text (sentences,
subtitle cues, words) in proportion to their spoken weight, counted in
syllables:

- a Han, kana or hangul character is one syllable;
- a word in any other script counts its vowel letters (Kazakh, Russian and
  Latin vowels: "шақырым" 3, "және" 2); a word without a vowel is spelt out,
  a syllable per letter ("ҚХР" 3);
- a digit is one syllable ("2019" 4: Chinese says a year digit by digit, and
  Kazakh's "екі мың он тоғыз" is about as long again as the 4 this undercounts
  against the rest of its sentence);
- the pause a speaker makes counts too: 1 syllable after a sentence stop
  (. ! ? 。 ！ ？ …), 1.5 after a comma-like mark (, ; : 、 ， ； ：). On the
  sample (espeak) a stop's pause lasts about 275 ms, a Kazakh syllable 185 ms
  and a Chinese one 285 ms; the comma's weight is the one that placed the
  sample's sentence boundaries best.

This is an estimate; times measured by the engine (word timings) replace it
wherever they exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Vowel letters of the spaced scripts: Kazakh and Russian Cyrillic, Latin with accents.
VOWELS = frozenset("аәеёиіоөуұүыэюяєї" "aeiouyäöüıáéíóúàèìòùâêîôûæœ")
STOP_PAUSE = 1.0
COMMA_PAUSE = 1.5
_STOPS = frozenset(".!?。！？…")
_MARKS = re.compile(r"[.!?。！？…,;:、，；：]+")
_NUMBER_MARK = re.compile(r"(?<=\d)[.,:](?=\d)")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SYLLABIC = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def syllables(text: str) -> float:
    """The spoken weight of `text` in syllables, pauses included (rules in the module doc)."""
    total = 0.0
    for word in _WORD.findall(_SYLLABIC.sub(" ", text)):
        vowels = sum(1 for c in word.lower() if c in VOWELS)
        total += vowels or len(word)
    total += len(_SYLLABIC.findall(text))
    total += sum(1 for c in text if c.isdigit())
    # A mark between digits ("20.6", "3,000", "12:30") is no pause; a run such
    # as "?!" or "……" is one.
    for run in _MARKS.findall(_NUMBER_MARK.sub("", text)):
        if any(c in _STOPS for c in run):
            total += STOP_PAUSE
        else:
            total += COMMA_PAUSE
    return total


def share(weights: Sequence[float], start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) ms cut into consecutive spans proportional to `weights`.

    The spans touch (each ends where the next starts), the first starts at
    `start` and the last ends at `end`; all-zero weights share evenly.
    """
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    total = sum(weights)
    spans = []
    done = 0.0
    begin = start
    for weight in weights:
        done += weight
        finish = start + int((end - start) * done / total)  # the last: done == total, end
        spans.append((begin, finish))
        begin = finish
    return spans
