"""A clip to make: one text in one language, with everything that decides its sound.

A record shared by the planners (reader.pipeline.clips, .units), synthesis and
the build's events; it imports nothing of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClipJob:
    """One paragraph to speak: everything that decides its sound, and its key."""

    pair: int
    lang: str
    text: str
    where: str
    engine: str
    voice: str
    options: tuple[tuple[str, Any], ...]
    key: str
    book: str = ""
    #: What the engine is given: the text as spoken (see reader.text.spoken); "" = `text`.
    spoken: str = ""
    #: Played this much faster (below 1: slower) than at `normal` options: by a
    #: pitch-preserving time stretch, or by the engine's own rate (see reader.pipeline.units).
    speed: float = 1.0
    #: When the engine's own rate makes the speed: its options at normal speed (`options`
    #: hold the rate), to measure how far the rate alone missed.
    normal: tuple[tuple[str, Any], ...] | None = None

    @property
    def said(self) -> str:
        """The text the engine speaks."""
        return self.spoken or self.text
