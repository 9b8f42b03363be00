"""Word times for engines that report none: spread over the clip's speech by syllables."""

from __future__ import annotations

from ..text.words import estimated_marks
from .pcm import Audio, WordMark


def estimated(audio: Audio, text: str, threshold_db: float) -> Audio:
    """`audio` with its words' marks estimated (timing "estimated"), when it has none.

    The speech (where it is louder than threshold_db) is shared among the
    words of `text` by syllable count, with pauses at punctuation; audio that
    already has marks, or no speech, is returned as it is.
    """
    if audio.timing != "none" or audio.marks:
        return audio
    from .mastering import sound_bounds  # numpy: loaded when an engine speaks, not at start-up

    bounds = sound_bounds(audio, threshold_db)
    if bounds is None:
        return audio
    marks = tuple(WordMark(*mark) for mark in estimated_marks(text, *bounds))
    if not marks:
        return audio
    return Audio(audio.samples, audio.rate, marks, "estimated")
