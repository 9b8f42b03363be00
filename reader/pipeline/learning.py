"""The manifest of a book spoken by units (sentences or paragraphs) and a pattern.

reader.pipeline.build makes such a book with the same steps as the classic one
(clips made or reused, a timeline, the MP3 with a chapter per paragraph pair);
what is placed comes from reader.pipeline.units, and the manifest records every
unit, with the times of each step heard, under its pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import __version__
from ..audio.timeline import Timeline, UnitBeats
from ..manifest_types import FORMAT, Manifest, PairEntry, SpokenStep
from ..text.patterns import Step
from .cache import CachedClip
from .loading import LoadedBook
from .manifest import timings, voice_credits, words
from .units import UnitClips


def pattern_text(steps: tuple[Step, ...]) -> str:
    """"kk zh zh@0.8 _": the steps as written."""
    return " ".join(str(step) for step in steps)


def unit_manifest(loaded: LoadedBook, planned: UnitClips, blocks: tuple[UnitBeats, ...],
                  timeline: Timeline, audio_name: str,
                  clips: Mapping[str, CachedClip] | None = None) -> Manifest:
    """The manifest of a unit book: per pair its texts and chapter, and its units.

    Each unit holds its texts, the aligner's step and confidence, its normal-speed
    clip per language ("clips"), and "spoken": every step as heard, in order, with
    its clip, speed and times (ms), and its words' times ("words", as in the
    paragraph manifest, indexing the unit's text); a gap has "gap" (its factor)
    and no language.
    Pair-level "clips" stay empty (there is no paragraph clip); "start"/"end" per
    language span the pair's first and last words in that language.
    A sentence book's units get their note identity ("guid", "changed") after this,
    from reader.pipeline.notes.
    """
    book = loaded.book
    clips = clips or {}
    jobs = {job.key: job for job in planned.jobs}
    chapters = {chapter.index: chapter for chapter in timeline.chapters}
    by_unit: dict[int, list[Any]] = {}
    for piece in timeline.pieces:
        if piece.unit is not None:
            by_unit.setdefault(piece.unit, []).append(piece)
    steps = loaded.steps
    entries: dict[int, PairEntry] = {}
    for block in blocks:
        pair = block.pair
        place = block.unit - 1
        unit = planned.units[place]
        entry = entries.get(pair.index)
        if entry is None:
            chapter = chapters[pair.index]
            entry = entries[pair.index] = {
                "index": pair.index, "section": pair.section, "section_title": pair.section_title,
                "chapter": {"title": chapter.title, "start": chapter.start_ms,
                            "end": chapter.end_ms},
                "texts": {lang: p.text for lang, p in pair.texts},
                "lines": {lang: p.line for lang, p in pair.texts},
                "clips": {}, "start": {}, "end": {}, "units": [],
            }
        spoken: list[SpokenStep] = []
        for piece in by_unit.get(block.unit, []):
            step = steps[piece.step - 1]
            start, end = timeline.ms(piece.start), timeline.ms(piece.start + piece.frames)
            if piece.lang is None:
                spoken.append({"gap": step.gap, "start": start, "end": end})
                continue
            job = jobs[piece.key]
            spoken.append({"lang": piece.lang, "speed": step.speed, "clip": piece.key,
                           "start": start, "end": end,
                           "words": words(clips.get(piece.key), job.text, job.said,
                                          piece.start * timeline.frame_seconds,
                                          book.audio.sample_rate)})
            entry["start"].setdefault(piece.lang, start)
            entry["end"][piece.lang] = end
        entry["units"].append({
            "number": unit.number, "kind": unit.kind, "confidence": round(unit.confidence, 4),
            "texts": dict(unit.texts),
            "clips": {lang: planned.clips[(place, lang, 1.0)].key for lang, _ in unit.texts},
            "start": spoken[0]["start"] if spoken else None,
            "end": spoken[-1]["end"] if spoken else None,
            "spoken": spoken,
        })
    document: Manifest = {
        "format": FORMAT,  # the classic manifest, with "unit", "pattern" and pairs' "units"
        "generator": f"reader {__version__}",
        "book": {
            "id": book.id, "title": book.title(), "titles": dict(book.titles),
            "author": book.author, "source": book.source, "date": book.date,
            "order": list(book.order),
        },
        "unit": book.unit,
        "pattern": pattern_text(steps),
        "audio": {"file": audio_name, "duration_ms": timeline.end_ms,
                  "sample_rate": book.audio.sample_rate, "bitrate_kbps": book.audio.bitrate_kbps,
                  "loudness_lufs": book.audio.loudness_lufs,
                  "fingerprint": ""},  # set by the build, from the laid-out MP3
        "engines": planned.chosen,
        "timings": timings((job.lang, clips.get(job.key)) for job in planned.jobs),
        "pairs": list(entries.values()),
    }
    owed = voice_credits(planned.jobs)
    if owed:  # only voices whose licence asks for attribution (Piper's)
        document["credits"] = owed
    return document
