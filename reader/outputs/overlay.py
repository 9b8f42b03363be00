"""Read-along timing from the manifest: which piece of text is heard when. Pure.

The EPUB's Media Overlays (reader.outputs.epub) are written from this. A book
is cut into parts (consecutive pairs of one section, at most PAIRS_PER_PART);
each pair's paragraphs are marked up as spans (sentences or units, and words
inside them) and every span that is heard gets a clip on the book's MP3.

Where the times come from:

- words: the manifest's word timings (`words` per pair and language, or per
  spoken step of a unit book) — ``[start_ms, end_ms, char_start, char_end]``,
  characters counted in the written text;
- a unit book without words: one clip per spoken step, on the sentence;
- a paragraph book without words: the paragraph's clip shared out between its
  sentences by their length in non-space characters (an estimate, marked so).

Word timings that do not fit their text or clip (out of range, overlapping,
going back in time) are not used for that paragraph or step; its sentences
are timed as if it had none.

Clips are laid end to end: each lasts until the next one starts, and a part's
last clip until its last pair's chapter ends. Playing the overlay then plays
the MP3 as it is — the pauses after a paragraph and a pattern's gaps included,
with no seek between clips — and the highlight stays on the words last heard
through a pause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..manifest_types import Manifest, PairEntry, SpokenStep
from ..text.paragraphs import is_unspaced
from ..text.sentences import split_sentences

#: Pairs per content document: a reading system lays out one document at a time.
PAIRS_PER_PART = 50
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class Span:
    """A stretch of a paragraph's text (characters start:end) that is highlighted alone."""

    ident: str
    start: int
    end: int
    words: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    """One language's paragraph of a pair: its text and its spans, in text order."""

    ident: str
    lang: str
    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Clip:
    """What is highlighted (element id) from `begin` to `end` ms in the MP3.

    `groups` are the ids of the elements whose overlay `seq`s hold the clip,
    outermost first (the pair, then the paragraph or sentence).
    """

    ref: str
    begin: int
    end: int
    groups: tuple[str, ...]
    estimated: bool = False


@dataclass(frozen=True)
class Pair:
    """A pair as the EPUB shows it: its paragraphs in book order."""

    index: int
    section: int
    section_title: str | None
    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass
class Part:
    """Consecutive pairs of one section: one content document and its overlay."""

    number: int
    #: Whether its first pair begins a section (parts of a long section continue it).
    opens_section: bool = True
    pairs: list[Pair] = field(default_factory=list)
    clips: list[Clip] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        """The overlay's length: the sum of its clips."""
        return sum(clip.end - clip.begin for clip in self.clips)


def lang_id(lang: str) -> str:
    """A language code as it may stand in an XML id ("zh-Hant" → "zh_Hant")."""
    return _ID_UNSAFE.sub("_", lang)


def valid_words(words: Any, length: int, begin: int, end: int) -> list[tuple[int, int, int, int]]:
    """Word timings that fit a text of `length` characters heard from `begin` to `end` ms.

    Times are clamped into the clip; a word whose time or characters go back, or
    whose characters fall outside the text, makes the whole list unusable ([]).
    """
    found: list[tuple[int, int, int, int]] = []
    if not isinstance(words, list):
        return []
    for word in words:
        if (not isinstance(word, list) or len(word) != 4
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in word)):
            return []
        start, stop = max(begin, min(word[0], end)), max(begin, min(word[1], end))
        char_start, char_end = word[2], word[3]
        if not 0 <= char_start < char_end <= length or stop < start:
            return []
        if found and (start < found[-1][0] or char_start < found[-1][3]):
            return []
        found.append((start, stop, char_start, char_end))
    return found


def sentence_bounds(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of a paragraph's sentences in its text."""
    bounds = []
    at = 0
    for sentence in split_sentences(text, lang):
        start = text.find(sentence, at)
        if start < 0:  # the splitter returns pieces of the text; never expected
            return [(0, len(text))] if text.strip() else []
        bounds.append((start, start + len(sentence)))
        at = start + len(sentence)
    return bounds


def _weight(text: str) -> int:
    return sum(1 for c in text if not c.isspace()) or 1


def _word_spans(parent: str, words: list[tuple[int, int, int, int]], offset: int,
                limit: int) -> tuple[tuple[Span, ...], list[tuple[int, int]]]:
    """Spans of the words inside a span ending at `limit` (offsets moved by `offset`), and
    each kept word's (begin, end) ms."""
    spans: list[Span] = []
    times: list[tuple[int, int]] = []
    for start, stop, char_start, char_end in words:
        first, last = char_start + offset, min(char_end + offset, limit)
        if first >= last:
            continue
        spans.append(Span(f"{parent}-w{len(spans) + 1}", first, last))
        times.append((start, stop))
    return tuple(spans), times


def paragraph_book_pair(pair: PairEntry, order: list[str]) -> tuple[Pair, list[Clip]]:
    """A pair of a paragraph book: sentence spans (with word spans where timed) and clips."""
    number = pair["index"]
    paragraphs, heard = [], []
    for lang in order:
        if lang not in pair["texts"]:
            continue
        text = pair["texts"][lang]
        ident = f"p{number}-{lang_id(lang)}"
        begin, end = pair["start"][lang], pair["end"][lang]
        words = valid_words((pair.get("words") or {}).get(lang), len(text), begin, end)
        spans: list[Span] = []
        clips: list[Clip] = []
        bounds = sentence_bounds(text, lang)
        total, done = sum(_weight(text[a:b]) for a, b in bounds), 0
        for k, (a, b) in enumerate(bounds, 1):
            sid = f"{ident}-s{k}"
            if words:
                inside = [w for w in words if a <= w[2] < b]
                word_spans, times = _word_spans(sid, inside, 0, b)
                spans.append(Span(sid, a, b, word_spans))
                clips += [Clip(w.ident, t[0], t[1], (f"p{number}", ident, sid))
                          for w, t in zip(word_spans, times)]
            else:
                start = begin + (end - begin) * done // total
                done += _weight(text[a:b])
                stop = begin + (end - begin) * done // total
                spans.append(Span(sid, a, b))
                clips.append(Clip(sid, start, stop, (f"p{number}", ident), estimated=True))
        paragraphs.append(Paragraph(ident, lang, text, tuple(spans)))
        heard.append((begin, clips))
    heard.sort(key=lambda item: item[0])  # paragraphs in the order spoken
    return (Pair(number, pair["section"], pair["section_title"], pair["chapter"]["title"],
                 tuple(paragraphs)),
            [clip for _, clips in heard for clip in clips])


def unit_book_pair(pair: PairEntry, order: list[str]) -> tuple[Pair, list[Clip]]:
    """A pair of a unit book: a span per sentence (unit) and a clip per step that speaks it.

    A step repeated (the slower "zh@0.8") highlights its sentence again, word by
    word when its words fit the spans the first step of its language made.
    """
    number = pair["index"]
    paragraphs = []
    spans_of: dict[tuple[int, str], Span] = {}
    for lang in order:
        pieces = [(unit["number"], unit["texts"][lang]) for unit in pair["units"]
                  if lang in unit["texts"]]
        if not pieces:
            continue
        ident = f"p{number}-{lang_id(lang)}"
        sep = "" if is_unspaced(lang) else " "
        text = ""
        spans: list[Span] = []
        for unit_number, sentence in pieces:
            text += sep if text else ""
            uid = f"{ident}-u{unit_number}"
            words = []
            for step in _steps(pair, unit_number, lang):
                words = valid_words(step.get("words"), len(sentence), step["start"], step["end"])
                break  # the first step of the language decides the word spans
            word_spans, _ = _word_spans(uid, words, len(text), len(text) + len(sentence))
            span = Span(uid, len(text), len(text) + len(sentence), word_spans)
            spans_of[(unit_number, lang)] = span
            spans.append(span)
            text += sentence
        paragraphs.append(Paragraph(ident, lang, text, tuple(spans)))
    clips: list[Clip] = []
    for unit in pair["units"]:
        for step in unit["spoken"]:
            heard = step.get("lang")
            if heard is None or heard not in unit["texts"] or (
                    unit["number"], heard) not in spans_of:
                continue  # a gap
            span = spans_of[(unit["number"], heard)]
            base = span.start
            words = valid_words(step.get("words"), len(unit["texts"][heard]), step["start"],
                                step["end"])
            if words and len(words) == len(span.words) and all(
                    (w[2] + base, min(w[3] + base, span.end)) == (s.start, s.end)
                    for w, s in zip(words, span.words)):
                clips += [Clip(s.ident, w[0], w[1], (f"p{number}", span.ident))
                          for w, s in zip(words, span.words)]
            else:
                clips.append(Clip(span.ident, step["start"], step["end"], (f"p{number}",)))
    return (Pair(number, pair["section"], pair["section_title"], pair["chapter"]["title"],
                 tuple(paragraphs)), clips)


def _steps(pair: PairEntry, unit_number: int, lang: str) -> list[SpokenStep]:
    for unit in pair["units"]:
        if unit["number"] == unit_number:
            return [step for step in unit["spoken"] if step.get("lang") == lang]
    return []


def end_to_end(clips: list[Clip], last_end: int, duration: int) -> list[Clip]:
    """Clips in time order, each lasting until the next begins (the last until `last_end`,
    and the audio's `duration` — the decoded length — at the latest).

    A clip that does not begin after the one before it is dropped: an overlay's
    clips must follow one another.
    """
    duration = max(0, duration)
    kept: list[Clip] = []
    for clip in clips:
        if clip.begin >= duration or (kept and clip.begin <= kept[-1].begin):
            continue
        kept.append(clip)
    joined = []
    for n, clip in enumerate(kept):
        if n + 1 < len(kept):
            end = kept[n + 1].begin
        else:
            end = min(duration, max(clip.end, last_end))
        joined.append(Clip(clip.ref, clip.begin, end, clip.groups, clip.estimated))
    return joined


def parts(document: Manifest) -> list[Part]:
    """The book as parts: pairs marked up and their overlay clips, laid end to end."""
    order = document["book"]["order"]
    duration = document["audio"]["duration_ms"]
    found: list[Part] = []
    raw: list[list[Clip]] = []
    ends: list[int] = []
    for pair in document["pairs"]:
        shown, clips = (unit_book_pair if "units" in pair else paragraph_book_pair)(pair, order)
        opens = not found or found[-1].pairs[-1].section != shown.section
        if opens or len(found[-1].pairs) >= PAIRS_PER_PART:
            found.append(Part(len(found) + 1, opens))
            raw.append([])
            ends.append(0)
        found[-1].pairs.append(shown)
        raw[-1] += clips
        ends[-1] = pair["chapter"]["end"]
    for part, clips, end in zip(found, raw, ends):
        part.clips = end_to_end(clips, end, duration)
    return found


def timing_note(document: Manifest) -> str:
    """One line on where the overlay's times come from, per language."""
    said = document.get("timings") or {}
    units = any("units" in pair for pair in document["pairs"])
    parts_ = []
    for lang in document["book"]["order"]:
        kind = said.get(lang, "none")
        if kind in ("measured", "estimated"):
            parts_.append(f"{lang}: words {kind} by the engine")
        elif units:
            parts_.append(f"{lang}: sentences as spoken")
        else:
            parts_.append(f"{lang}: sentences estimated from their length")
    return "; ".join(parts_)
