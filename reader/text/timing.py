"""How long a stretch of text takes to say, and when each piece of a clip is heard. Pure.

The one rule for every estimate of spoken time: the subtitle and lyric cue
builder (reader.outputs.cues) shares a clip's time among sentences, cues and
words with it, and word marks for engines that report none
(reader.text.words.estimated_marks) are spread by it. Time goes in proportion
to spoken weight, counted in syllables:

- a Han, kana or hangul character is one syllable;
- a word in any other script counts its vowel letters (Kazakh, Russian and
  Latin vowels: "шақырым" 3, "және" 2); a word without a vowel is spelt out,
  a syllable per letter ("ҚХР" 3);
- a digit is one syllable ("2019" 4: Chinese says a year digit by digit, and
  Kazakh's "екі мың он тоғыз" is about as long again as the 4 this undercounts
  against the rest of its sentence);
- the pause a speaker makes counts too: 1 syllable after a sentence stop
  (. ! ? 。 ！ ？ …), 1.5 after a comma or clause mark (, ; : 、 ， ； ：); a run
  of marks is one pause, a mark between digits ("20.6") none.

On the sample (espeak) a stop's pause lasts about 275 ms, a Kazakh syllable
185 ms and a Chinese one 285 ms. The weights are the ones that placed the
sample's sentence boundaries and word starts best against espeak's measured
word marks, among commas of 0.5–2 and stops of 0.5–3 syllables: sentence
boundaries inside paragraph clips 436 ms off on average (1237 ms at most),
word starts 337 ms (1339 ms), where commas of 1 and stops of 2.5 put them 538 ms
(1524 ms) and 375 ms (1650 ms) off.

This is an estimate; times measured by the engine (word timings) replace it
wherever they exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Vowel letters of the spaced scripts: Kazakh and Russian Cyrillic, Latin with accents.
VOWELS = frozenset("аәеёиіоөуұүыэюяєї" "aeiouyäöüıáéíóúàèìòùâêîôûõæœ")
#: The pause heard at punctuation, in syllables' worth of time (see the module doc):
#: a sentence stop, a clause mark, a comma.
STOP_PAUSE = 1.0
CLAUSE_PAUSE = 1.5
COMMA_PAUSE = 1.5
PAUSES = {**dict.fromkeys(".!?。！？…", STOP_PAUSE), **dict.fromkeys(";:；：", CLAUSE_PAUSE),
          **dict.fromkeys(",、，", COMMA_PAUSE)}
_MARKS = re.compile("[" + re.escape("".join(PAUSES)) + "]+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SYLLABIC = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def spoken_syllables(text: str) -> int:
    """The syllables of `text`'s words and digits, without pauses (rules in the module doc)."""
    total = 0
    for word in _WORD.findall(_SYLLABIC.sub(" ", text)):
        total += sum(1 for c in word.lower() if c in VOWELS) or len(word)
    total += len(_SYLLABIC.findall(text))
    return total + sum(1 for c in text if c.isdigit())


def pauses(text: str) -> list[tuple[int, float]]:
    """Where `text` pauses and for how long: (offset of the marks, weight in syllables).

    A run of marks ("?!", "……") is one pause, the longest of its marks'; a
    single mark between digits ("20.6", "3,000", "12:30") is none.
    """
    found = []
    for run in _MARKS.finditer(text):
        start, end = run.span()
        if (end - start == 1 and text[start] in ".,:" and 0 < start and end < len(text)
                and text[start - 1].isdigit() and text[end].isdigit()):
            continue
        found.append((start, max(PAUSES[c] for c in run.group())))
    return found


def syllables(text: str) -> float:
    """The spoken weight of `text` in syllables, pauses included (rules in the module doc)."""
    return spoken_syllables(text) + sum(weight for _, weight in pauses(text))


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
