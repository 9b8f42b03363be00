"""Subtitle cues and lyric lines cut from the manifest's stretches of speech. Pure.

A stretch is one clip heard: a paragraph (classic book) or a pattern step (a
unit book). Its text is cut into sentences, each sentence into cues of at most
two lines of about LINE_WIDTH columns (a Han character takes two), broken
between words (reader.text.breaks). A cue runs from its first word's start to
its last word's end when the manifest has word timings; otherwise the clip's
time is shared out by spoken weight (reader.text.timing).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..manifest_types import Manifest
from ..text.breaks import word_spans
from ..text.sentences import split_sentences
from ..text.timing import share, syllables

#: About this many columns per subtitle line (a Han character takes two).
LINE_WIDTH = 42
#: A two-line cue prefers to break after these, if its longer line grows by at most
#: BREAK_BONUS columns.
_BREAK_AFTER = "，。！？；：、,.;:!?"
BREAK_BONUS = 8
_SPACES = re.compile(r"\s+")

Span = tuple[int, int]
#: A timed word: [start_ms, end_ms, char_start, char_end] into the stretch's text.
Word = Sequence[int]


def width(text: str) -> int:
    """Display columns: wide (Han, full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _flat(text: str) -> str:
    """Text as one subtitle line shows it: each run of whitespace one space."""
    return _SPACES.sub(" ", text)


@dataclass(frozen=True)
class Stretch:
    """One clip heard: its id, language, times (ms in the book) and text, with word timings."""

    ident: str
    lang: str
    start: int
    end: int
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Piece:
    """Part of a line, with the time it starts to be heard (None: no time of its own)."""

    text: str
    at: int | None


@dataclass(frozen=True)
class Cue:
    """A cue or lyric line: id, language, times, and its lines as timed pieces."""

    ident: str
    lang: str
    start: int
    end: int
    lines: tuple[tuple[Piece, ...], ...]

    def texts(self) -> list[str]:
        """The cue's lines as plain text."""
        return ["".join(piece.text for piece in line) for line in self.lines]


def stretches(document: Manifest) -> list[Stretch]:
    """Every stretch of speech in the manifest, in time order.

    A unit manifest gives one per step heard ("3.2-zh-3": pair 3, sentence 2,
    pattern step 3); a classic one, one per paragraph ("3-zh").
    """
    found = []
    for pair in document["pairs"]:
        if "units" in pair:
            for unit in pair["units"]:
                for number, step in enumerate(unit["spoken"], 1):
                    if "lang" in step:
                        found.append(Stretch(
                            f"{pair['index']}.{unit['number']}-{step['lang']}-{number}",
                            step["lang"], step["start"], step["end"],
                            unit["texts"][step["lang"]], tuple(step.get("words") or ())))
        else:
            for lang, text in pair["texts"].items():
                found.append(Stretch(f"{pair['index']}-{lang}", lang, pair["start"][lang],
                                     pair["end"][lang], text,
                                     tuple((pair.get("words") or {}).get(lang) or ())))
    found.sort(key=lambda stretch: stretch.start)
    return found


def sentence_spans(text: str, lang: str) -> list[Span]:
    """(start, end) offsets of the text's sentences."""
    spans, at = [], 0
    for sentence in split_sentences(text, lang):
        start = text.index(sentence, at)
        at = start + len(sentence)
        spans.append((start, at))
    return spans


def wrap_spans(text: str, lang: str, limit: int = LINE_WIDTH) -> list[list[Span]]:
    """A text as cues of at most two lines of about `limit` columns, as line offsets.

    Text too long for one cue is cut into the fewest cues that fit, of about
    even widths, a cut after punctuation worth BREAK_BONUS columns; each cue
    breaks where its two lines come out most even (the same bonus). A single
    word longer than a line keeps its own line.
    """
    words = word_spans(text, lang)

    def line(first: int, last: int) -> str:  # words first..last-1
        return _flat(text[words[first][0]:words[last - 1][1]])

    def after_mark(cut: int) -> bool:
        return text[words[cut - 1][1] - 1] in _BREAK_AFTER

    def fit(first: int, last: int) -> list[Span] | None:
        """The words as one or two lines within the limit (None if they cannot be)."""
        if width(line(first, last)) <= limit or last - first == 1:
            return [(words[first][0], words[last - 1][1])]
        best: tuple[int, int] | None = None
        for cut in range(first + 1, last):
            widest = max(width(line(first, cut)), width(line(cut, last)))
            score = widest - (BREAK_BONUS if after_mark(cut) else 0)
            if widest <= limit and (best is None or score < best[0]):
                best = (score, cut)
        if best is None:
            return None
        return [(words[first][0], words[best[1] - 1][1]), (words[best[1]][0], words[last - 1][1])]

    if not words:
        return []
    total = width(line(0, len(words)))
    for count in range(max(1, -(-total // (2 * limit))), len(words) + 1):
        cuts = [0]
        for j in range(1, count):
            target = total * j / count
            choices = range(cuts[-1] + 1, len(words) - (count - j) + 1)
            cuts.append(min(choices, key=lambda c: abs(width(line(0, c)) - target)
                            - (BREAK_BONUS if after_mark(c) else 0)))
        cuts.append(len(words))
        cues = [fit(a, b) for a, b in itertools.pairwise(cuts)]
        if all(cue is not None for cue in cues):
            return [cue for cue in cues if cue is not None]
    raise AssertionError("one word a cue always fits")  # pragma: no cover


def wrap(text: str, lang: str, limit: int = LINE_WIDTH) -> list[list[str]]:
    """wrap_spans as the lines' texts."""
    return [[_flat(text[a:b]) for a, b in cue] for cue in wrap_spans(text, lang, limit)]


def time_spans(stretch: Stretch, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """When each span of the stretch's text is heard: consecutive, in order, inside the clip.

    A span with timed words runs from its first word's start to its last
    word's end (clamped into the clip, after the span before); spans without
    share out the time left between their neighbours by spoken weight.
    """
    known: list[tuple[int, int] | None] = []
    floor = stretch.start
    for begin, finish in spans:
        inside = [w for w in stretch.words if begin <= w[2] < finish]
        if inside:
            start = min(max(min(w[0] for w in inside), floor), stretch.end)
            end = min(max(w[1] for w in inside), stretch.end)
            if end > start:
                known.append((start, end))
                floor = end
                continue
        known.append(None)
    times: list[tuple[int, int]] = []
    k = 0
    while k < len(spans):
        if known[k] is not None:
            times.append(known[k])  # type: ignore[arg-type]
            k += 1
            continue
        run_end = k
        while run_end < len(spans) and known[run_end] is None:
            run_end += 1
        after = known[run_end][0] if run_end < len(spans) else stretch.end  # type: ignore[index]
        before = times[-1][1] if times else stretch.start
        weights = [syllables(stretch.text[a:b]) for a, b in spans[k:run_end]]
        times += share(weights, before, max(before, after))
        k = run_end
    return times


def _pieces(text: str, span: Span, marks: Sequence[tuple[int, int]]) -> tuple[Piece, ...]:
    """A line's text cut where timed words start: (char offset, ms) marks, in order."""
    begin, finish = span
    cuts = [(at, ms) for at, ms in marks if begin <= at < finish]
    pieces = []
    if not cuts or cuts[0][0] > begin:
        pieces.append(Piece(_flat(text[begin:cuts[0][0] if cuts else finish]), None))
    for k, (at, ms) in enumerate(cuts):
        pieces.append(Piece(_flat(text[at:cuts[k + 1][0] if k + 1 < len(cuts) else finish]), ms))
    return tuple(pieces)


def _word_marks(stretch: Stretch) -> list[tuple[int, int]]:
    """(char offset, ms) where each timed word starts, in text order."""
    return sorted((int(w[2]), int(w[0])) for w in stretch.words)


def subtitle_cues(stretch: Stretch, limit: int = LINE_WIDTH) -> list[Cue]:
    """The stretch as subtitle cues ("…-kk.2" when it takes several), word times inside."""
    spans = [cue for sentence in sentence_spans(stretch.text, stretch.lang)
             for cue in _shift(wrap_spans(stretch.text[slice(*sentence)], stretch.lang, limit),
                               sentence[0])]
    times = time_spans(stretch, [(cue[0][0], cue[-1][1]) for cue in spans])
    marks = _word_marks(stretch)
    return [Cue(stretch.ident if len(spans) == 1 else f"{stretch.ident}.{k}", stretch.lang,
                start, end, tuple(_pieces(stretch.text, line, marks) for line in cue))
            for k, (cue, (start, end)) in enumerate(zip(spans, times, strict=True), 1)]


def _shift(cues: list[list[Span]], offset: int) -> list[list[Span]]:
    return [[(a + offset, b + offset) for a, b in cue] for cue in cues]


def lyric_lines(stretch: Stretch, word_times: bool = False) -> list[Cue]:
    """The stretch as one line per sentence; with `word_times`, a piece per timed word.

    Without measured word timings the words' times are estimated as the
    sentences' are (reader.text.timing).
    """
    spans = sentence_spans(stretch.text, stretch.lang)
    lines = []
    for (begin, finish), (start, end) in zip(spans, time_spans(stretch, spans), strict=True):
        marks: list[tuple[int, int]] = []
        if word_times:
            marks = [m for m in _word_marks(stretch) if begin <= m[0] < finish]
            if not marks:
                sentence = Stretch(stretch.ident, stretch.lang, start, end,
                                   stretch.text[begin:finish])
                words = word_spans(sentence.text, sentence.lang)
                marks = [(a + begin, ms) for (a, _), (ms, _) in
                         zip(words, time_spans(sentence, words), strict=True)]
        lines.append(Cue(stretch.ident, stretch.lang, start, end,
                         (_pieces(stretch.text, (begin, finish), marks),)))
    return lines

