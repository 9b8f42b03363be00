"""Pairs + clip lengths → the order of pieces in the book and chapter times. Pure.

Times are counted in MP3 frames, so they are exact for what is written; they
are turned into milliseconds only at the edges. The end is the exception: a
gapless decoder leaves off the encoder's delay and the last frame's padding,
so the book ends (its duration, its last chapter) that many samples before
its last frame does (`Timeline.gapless`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..text.pairing import Pair
from ..text.paragraphs import is_unspaced
from ..text.shorten import snippet


@dataclass(frozen=True)
class Piece:
    """One stretch of the book: a paragraph's clip or a pause."""

    key: str
    frames: int
    start: int  # frame offset in the book
    pair: int | None = None  # pair index for clips
    lang: str | None = None
    #: With units and patterns (reader.pipeline.learning): the unit's number in the
    #: book (1-based) and the pattern step (1-based) this piece speaks or keeps silent.
    unit: int | None = None
    step: int | None = None


@dataclass(frozen=True)
class Chapter:
    """One chapter per pair, in milliseconds."""

    index: int
    title: str
    start_ms: int
    end_ms: int
    section: int
    section_title: str | None


@dataclass(frozen=True)
class Timeline:
    """The whole book laid out."""

    pieces: tuple[Piece, ...]
    chapters: tuple[Chapter, ...]
    total_frames: int
    frame_seconds: float
    #: Seconds the decoder leaves off the end (see `gapless`).
    trimmed: float = 0.0

    @property
    def duration(self) -> float:
        """Seconds of audio, as decoded."""
        return self.total_frames * self.frame_seconds - self.trimmed

    @property
    def end_ms(self) -> int:
        """The decoded audio's length in milliseconds: where the last chapter ends."""
        return round(self.duration * 1000)

    def ms(self, frames: int) -> int:
        """Frame offset → milliseconds."""
        return round(frames * self.frame_seconds * 1000)

    def gapless(self, samples: int, sample_rate: int) -> Timeline:
        """This timeline as decoded when `samples` fewer are played (the encoder's delay
        and the last frame's padding, which the file's gapless fields name): the
        duration and the last chapter's end move earlier by that much."""
        shorter = dataclasses.replace(self, trimmed=samples / sample_rate)
        if not self.chapters:
            return shorter
        last = self.chapters[-1]
        end = dataclasses.replace(last, end_ms=max(last.start_ms, shorter.end_ms))
        return dataclasses.replace(shorter, chapters=(*self.chapters[:-1], end))

    @functools.cached_property
    def _clips(self) -> dict[tuple[int | None, str | None], Piece]:
        return {(piece.pair, piece.lang): piece for piece in self.pieces if piece.pair}

    def clip(self, pair: int, lang: str) -> Piece:
        """The piece holding one paragraph (KeyError if the book has none)."""
        return self._clips[(pair, lang)]


def _no_edges(key: str) -> tuple[float, float]:
    return (0.0, 0.0)


@dataclass(frozen=True)
class Pauses:
    """The book's pauses as a listener hears them, and the silence pieces that make them.

    A pause is the silence between the end of one clip's sound and the start
    of the next's. A clip's own frames hold silence at both ends (the
    encoder's delay and padding, the margins kept at trimming, the quiet end
    of its fade-out), so the piece laid between two clips is the pause less
    those edges, in whole frames: the pause is heard within half a frame
    (13 ms at 22.05 kHz) of what the book asks.
    """

    #: "lead_in", "paragraph", "pair" → the pause asked for, in frames.
    frames: Mapping[str, float]
    #: Length in frames → the silence piece of that length ("" for 0 frames).
    pieces: Mapping[int, str]
    #: A clip's key → its silent frames at the start and at the end.
    edges: Callable[[str], tuple[float, float]] = field(default=_no_edges)
    #: Frames a gapless decoder leaves off the book's start (the encoder's delay): the
    #: lead-in is made that much longer.
    skipped: float = 0.0
    #: Pauses laid as a fixed piece (key, frames) whatever the clips around them (ACX's
    #: room tone in place of the lead-in).
    fixed: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def between(self, name: str, before: str | None, after: str | None) -> tuple[str, int]:
        """The piece (key, frames) for pause `name` after clip `before` and before `after`."""
        if name in self.fixed:
            return self.fixed[name]
        asked = self.frames[name]
        if asked <= 0:
            return ("", 0)
        edges = (self.edges(before)[1] if before else 0.0) + (self.edges(after)[0] if after else 0.0)
        want = asked - edges + (self.skipped if name == "lead_in" else 0.0)
        frames = min(self.pieces, key=lambda n: (abs(n - want), n))
        return self.pieces[frames], frames

    def __getitem__(self, name: str) -> tuple[str, int]:
        """The piece for pause `name` between no clips (its whole length)."""
        return self.between(name, None, None)


PauseSource = Mapping[str, tuple[str, int]] | Pauses


def with_piece(pauses: PauseSource, name: str, piece: tuple[str, int]) -> PauseSource:
    """`pauses` with pause `name` laid as the fixed `piece` (key, frames)."""
    if isinstance(pauses, Pauses):
        return dataclasses.replace(pauses, fixed={**pauses.fixed, name: piece})
    return {**pauses, name: piece}


def _pause(pauses: PauseSource, name: str, before: str | None,
           after: str | None) -> tuple[str, int]:
    """A pause's piece: fitted to the clips around it when `pauses` knows their edges."""
    if isinstance(pauses, Pauses):
        return pauses.between(name, before, after)
    return pauses[name]


def chapter_title(pair: Pair) -> str:
    """"3 · Кедейлікпен күрестің… / 为加强脱贫攻坚…": the pair's number and both openings."""
    parts = [snippet(p.text, 14 if is_unspaced(lang) else 32) for lang, p in pair.texts]
    return f"{pair.index} · " + " / ".join(parts)


def lay_out(
    pairs: tuple[Pair, ...],
    clips: dict[tuple[int, str], tuple[str, int]],
    pauses: PauseSource,
    frame_seconds: float,
    tail: tuple[str, int] | None = None,
) -> Timeline:
    """Alternate the languages pair by pair with pauses, and place the chapters.

    `clips` maps (pair index, lang) to (cache key, frames); `pauses` gives the
    piece for "lead_in", "paragraph" and "pair": fitted to the clips around it
    (`Pauses`), or a fixed (cache key, frames) each. A chapter starts halfway
    through the pause before its pair, so a jump lands in silence. The last
    pair is followed by `tail` (the "pair" pause when None).
    """
    pieces: list[Piece] = []
    position = 0

    def add(key: str, frames: int, pair: int | None = None, lang: str | None = None) -> None:
        nonlocal position
        if frames:
            pieces.append(Piece(key, frames, position, pair, lang))
            position += frames

    starts: list[int] = []
    last: str | None = None
    for number, pair in enumerate(pairs):
        for i, (lang, _) in enumerate(pair.texts):
            key, frames = clips[(pair.index, lang)]
            if i:
                add(*_pause(pauses, "paragraph", last, key))
            else:
                gap = _pause(pauses, "lead_in" if number == 0 else "pair", last, key)
                starts.append(0 if number == 0 else position + gap[1] // 2)
                add(*gap)
            add(key, frames, pair.index, lang)
            last = key
    if pairs:
        # so the last words are not cut by the player
        add(*(tail or _pause(pauses, "pair", last, None)))

    return _with_chapters(pieces, pairs, starts, position, frame_seconds)


def _with_chapters(pieces: list[Piece], pairs: Sequence[Pair], starts: list[int],
                   position: int, frame_seconds: float) -> Timeline:
    """The laid-out pieces with one chapter per pair, from each pair's start to the next."""
    draft = Timeline(tuple(pieces), (), position, frame_seconds)
    chapters = tuple(
        Chapter(
            index=pair.index,
            title=chapter_title(pair),
            start_ms=draft.ms(start),
            end_ms=draft.ms(starts[i + 1] if i + 1 < len(starts) else position),
            section=pair.section,
            section_title=pair.section_title,
        )
        for i, (pair, start) in enumerate(zip(pairs, starts, strict=True))
    )
    return Timeline(tuple(pieces), chapters, position, frame_seconds)


@dataclass(frozen=True)
class Beat:
    """One pattern step of a unit, ready to place: a clip (`lang` set) or a gap's silence."""

    key: str
    frames: int
    step: int  # 1-based position in the pattern
    lang: str | None = None
    speed: float = 1.0

    @property
    def is_gap(self) -> bool:
        """True for a shadowing gap (silence)."""
        return self.lang is None


@dataclass(frozen=True)
class UnitBeats:
    """A unit (sentence pair or paragraph pair) and what is heard for it, in order."""

    pair: Pair
    unit: int  # 1-based number in the book
    beats: tuple[Beat, ...]


def gap_frames(heard: int, factor: float) -> int:
    """A shadowing gap's length: the clip just heard (in frames) times the factor."""
    return max(1, round(heard * factor))


def lay_out_units(
    units: Sequence[UnitBeats],
    pauses: PauseSource,
    frame_seconds: float,
) -> Timeline:
    """Place units one after the other, each as its pattern says; chapters per pair.

    Between two spoken steps of a unit comes the "paragraph" pause; next to a
    gap none (the gap is the pause); between units and between pairs the
    "pair" pause, heard after a gap as gap + pause. As in `lay_out`, a chapter
    starts halfway through the pause before its pair's first unit.
    """
    pieces: list[Piece] = []
    position = 0

    def add(key: str, frames: int, pair: int | None = None, lang: str | None = None,
            unit: int | None = None, step: int | None = None) -> None:
        nonlocal position
        if frames:
            pieces.append(Piece(key, frames, position, pair, lang, unit, step))
            position += frames

    pairs: list[Pair] = []
    starts: list[int] = []
    last: Beat | None = None
    for number, block in enumerate(units):
        first = block.beats[0] if block.beats else None
        gap = _pause(pauses, "lead_in" if number == 0 else "pair", _clip(last), _clip(first))
        if not pairs or pairs[-1].index != block.pair.index:
            pairs.append(block.pair)
            starts.append(0 if number == 0 else position + gap[1] // 2)
        add(*gap)
        previous: Beat | None = None
        for beat in block.beats:
            if previous is not None and not previous.is_gap and not beat.is_gap:
                add(*_pause(pauses, "paragraph", previous.key, beat.key))
            add(beat.key, beat.frames, block.pair.index, beat.lang, block.unit, beat.step)
            previous = beat
            # A gap is heard with the pause after it: the silence after the clip before
            # the gap counts towards the gap and the pause.
            last = beat if not beat.is_gap else last
    if units:
        add(*_pause(pauses, "pair", _clip(last), None))  # a tail, so the last words are not cut

    return _with_chapters(pieces, pairs, starts, position, frame_seconds)


def _clip(beat: Beat | None) -> str | None:
    """A spoken beat's clip key (None for a gap or nothing)."""
    return None if beat is None or beat.is_gap else beat.key
