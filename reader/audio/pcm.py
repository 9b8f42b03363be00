"""Typed audio: mono 16-bit PCM that carries its own sample rate, and decoding to it."""

from __future__ import annotations

from dataclasses import dataclass

from . import ffmpeg


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit little-endian PCM with its own sample rate."""

    samples: bytes
    rate: int

    @property
    def frames(self) -> int:
        """Number of samples."""
        return len(self.samples) // 2

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.rate if self.rate else 0.0


def decode(data: bytes, rate: int) -> Audio:
    """Decode any audio ffmpeg reads (MP3, WAV, …) to mono 16-bit PCM."""
    args = ["-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate)]
    return Audio(ffmpeg.run([*args, "pipe:1"], stdin=data), rate)
