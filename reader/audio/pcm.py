"""Typed audio: mono 16-bit PCM that carries its own sample rate (and the times of its
words), and decoding to it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import ffmpeg

#: How a clip's word times were found: from the engine, by estimate, or not at all.
TIMINGS = ("measured", "estimated", "none")


@dataclass(frozen=True)
class WordMark:
    """Where one spoken word is: samples of the Audio it belongs to (end exclusive) and
    characters of the text the engine was given (end exclusive)."""

    start: int
    end: int
    text_start: int
    text_end: int


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit little-endian PCM with its own sample rate, and its words' marks."""

    #: A bytearray when it was received in place (a long clip is not copied into bytes).
    samples: bytes | bytearray
    rate: int
    marks: tuple[WordMark, ...] = ()
    #: "measured" (the engine said where each word is), "estimated" or "none".
    timing: str = "none"

    @property
    def frames(self) -> int:
        """Number of samples."""
        return len(self.samples) // 2

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.rate if self.rate else 0.0


def moved_marks(marks: Iterable[WordMark], *, offset: int = 0, scale: float = 1.0,
                length: int | None = None) -> tuple[WordMark, ...]:
    """Marks after the audio is cut to start at sample `offset`, then its time multiplied by
    `scale` (a stretch, or a change of rate), and cut to `length` samples.

    A word cut away entirely is dropped; one cut in part keeps the part that is
    left; every kept word lasts at least one sample, and none starts before the
    previous one.
    """
    moved: list[WordMark] = []
    for mark in marks:
        start = round((mark.start - offset) * scale)
        end = round((mark.end - offset) * scale)
        start, end = max(0, start), max(0, end)
        if length is not None:
            start, end = min(start, length), min(end, length)
        if moved:
            start = max(start, moved[-1].start)
        if end <= start:
            if length is not None and start >= length or mark.end <= offset:
                continue
            end = start + 1
        moved.append(WordMark(start, end, mark.text_start, mark.text_end))
    return tuple(moved)


def joined(parts: Sequence[tuple[Audio, int]], rate: int) -> Audio:
    """Parts of one text, each with the character its text starts at, joined end to end.

    Each part's marks move by the samples before it and by its text's start;
    the whole is timed as its weakest part with marks ("none" when no part has any).
    """
    marks: list[WordMark] = []
    timings: set[str] = set()
    at = 0
    for audio, text_at in parts:
        marks += [WordMark(m.start + at, m.end + at, m.text_start + text_at, m.text_end + text_at)
                  for m in audio.marks]
        if audio.marks:
            timings.add(audio.timing)
        at += audio.frames
    timing = next((kind for kind in reversed(TIMINGS) if kind in timings), "none")
    return Audio(b"".join(audio.samples for audio, _ in parts), rate, tuple(marks), timing)


def decode(data: bytes, rate: int) -> Audio:
    """Decode any audio ffmpeg reads (MP3, WAV, …) to mono 16-bit PCM."""
    args = ["-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate)]
    return Audio(ffmpeg.run([*args, "pipe:1"], stdin=data), rate)
