"""How a book's clips are arranged: paragraph by paragraph, or unit by unit with a pattern.

A build asks its layout four things, whatever the book: the clips to make
(`jobs`, `chosen`), the timeline they form, the manifest that records it and
how many clips were reused. `plan_layout` picks the layout from the book.

Two layouts rather than one: the paragraph book is a unit book with unit =
paragraph and the plain pattern in what it plays, but its manifest records
each pair's clips and words (one clip per language), where a unit book's
records every unit's spoken steps; outputs made from either stay as they were.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..audio.timeline import Timeline, UnitBeats, lay_out, lay_out_units
from .cache import CachedClip, ClipCache
from .clip_job import ClipJob
from .clips import pause_pieces, plan_clips
from .learning import unit_manifest
from .loading import LoadedBook
from .manifest import Manifest, manifest
from .notes import carry_notes
from .units import UnitClips, plan_unit_clips, unit_beats


class Layout(Protocol):
    """The clips a book needs and how they are placed, recorded and counted."""

    @property
    def jobs(self) -> list[ClipJob]:
        """Every clip to make or reuse (a clip heard twice may appear twice)."""
        ...

    @property
    def chosen(self) -> dict[str, str]:
        """lang → "engine (voice)"."""
        ...

    def timeline(self, clips: Mapping[str, CachedClip], cache: ClipCache) -> Timeline:
        """The clips (made or reused, by key) and pauses placed in order, with chapters."""
        ...

    def manifest(self, timeline: Timeline, audio_name: str, clips: Mapping[str, CachedClip],
                 previous: Manifest | None) -> Manifest:
        """The book as built (reader.pipeline.manifest), its audio's fingerprint still empty;
        `previous` is the last build's manifest, if any."""
        ...

    def reused(self, made: set[str]) -> int:
        """How many clips were taken from the cache, given the keys made now."""
        ...


@dataclass
class ParagraphLayout:
    """The classic book: each pair's paragraphs in the book's order, a clip each."""

    loaded: LoadedBook
    jobs: list[ClipJob]
    chosen: dict[str, str]

    def timeline(self, clips: Mapping[str, CachedClip], cache: ClipCache) -> Timeline:
        """Pairs one after the other (reader.audio.timeline.lay_out)."""
        book = self.loaded.book
        by_place = {(job.pair, job.lang): (job.key, clips[job.key].frames) for job in self.jobs}
        return lay_out(self.loaded.pairs, by_place, pause_pieces(book, cache),
                       book.audio.frame_seconds)

    def manifest(self, timeline: Timeline, audio_name: str, clips: Mapping[str, CachedClip],
                 previous: Manifest | None) -> Manifest:
        """Per pair its texts, clips, times and words."""
        return manifest(self.loaded, timeline, self.jobs, self.chosen, audio_name, clips)

    def reused(self, made: set[str]) -> int:
        """Paragraphs whose clip was not made now (two equal paragraphs count twice)."""
        return sum(1 for job in self.jobs if job.key not in made)


@dataclass
class UnitLayout:
    """A book spoken by sentence or with a pattern (reader.pipeline.units, .learning)."""

    loaded: LoadedBook
    planned: UnitClips
    #: Set by `timeline`: each unit's beats, which the manifest records.
    blocks: tuple[UnitBeats, ...] = ()

    @property
    def jobs(self) -> list[ClipJob]:
        """Every clip of every unit at every speed the pattern asks for."""
        return self.planned.jobs

    @property
    def chosen(self) -> dict[str, str]:
        """lang → "engine (voice)"."""
        return self.planned.chosen

    def timeline(self, clips: Mapping[str, CachedClip], cache: ClipCache) -> Timeline:
        """Units one after the other, each as the pattern says (lay_out_units)."""
        book = self.loaded.book
        frames = {key: clip.frames for key, clip in clips.items()}
        self.blocks = unit_beats(self.planned, self.loaded.steps, frames, cache, book)
        return lay_out_units(self.blocks, pause_pieces(book, cache), book.audio.frame_seconds)

    def manifest(self, timeline: Timeline, audio_name: str, clips: Mapping[str, CachedClip],
                 previous: Manifest | None) -> Manifest:
        """Per pair its texts and chapter, and its units with their spoken steps; sentence
        units keep their notes' identity from `previous` (reader.pipeline.notes)."""
        document = unit_manifest(self.loaded, self.planned, self.blocks, timeline, audio_name,
                                 clips)
        if self.loaded.book.unit == "sentence":  # notes keep their sentences (Anki decks)
            carry_notes(document, previous, time.time())
        return document

    def reused(self, made: set[str]) -> int:
        """Clips not made now (a clip heard in several steps is one clip)."""
        return len({job.key for job in self.jobs} - made)


def plan_layout(loaded: LoadedBook, *, offline: bool = False,
                skipped: list[str] | None = None) -> Layout:
    """The book's layout, its engines chosen and clips described (nothing made yet).

    Why an engine earlier in a chain was passed over is appended to `skipped`.
    """
    if loaded.learning:  # by sentence or with a pattern
        return UnitLayout(loaded, plan_unit_clips(loaded, offline=offline, skipped=skipped))
    jobs, chosen = plan_clips(loaded, offline=offline, skipped=skipped)
    return ParagraphLayout(loaded, jobs, chosen)
