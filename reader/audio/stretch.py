"""Slower (or faster) speech at the same pitch, for engines without a rate of their own."""

from __future__ import annotations

from . import ffmpeg
from .pcm import Audio, moved_marks


def stretch(audio: Audio, speed: float) -> Audio:
    """`audio` played at `speed` (0.5–2.0) with its pitch kept: ffmpeg's atempo (WSOLA).

    Its word marks scale by 1/speed: WSOLA keeps the time axis linear.
    """
    if speed == 1.0 or not audio.samples:
        return audio
    samples = ffmpeg.run([
        "-f", "s16le", "-ar", str(audio.rate), "-ac", "1", "-i", "pipe:0",
        "-af", f"atempo={speed:.4f}", "-f", "s16le", "-ar", str(audio.rate), "-ac", "1", "pipe:1",
    ], stdin=audio.samples)
    marks = moved_marks(audio.marks, scale=1 / speed, length=len(samples) // 2)
    return Audio(samples, audio.rate, marks, audio.timing)
