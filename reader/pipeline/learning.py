"""The learner's book: units (sentences or paragraphs) spoken by a pattern.

Same steps as reader.pipeline.build — clips made or reused, a timeline, the
MP3 with a chapter per paragraph pair, a manifest — but what is placed comes
from reader.pipeline.units, and the manifest records every unit, with the
times of each step, under its pair.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .. import __version__, fsutil, speech
from ..audio.timeline import Timeline, UnitBeats, lay_out_units
from ..errors import ReaderError
from ..outputs.id3 import write_tags
from ..outputs.mp3 import write_mp3
from ..text.patterns import Step
from .build import BuildReport, _read_json
from .cache import ClipCache, clip_key
from .clips import pause_pieces, synthesise
from .loading import LoadedBook
from .lock import locked
from .options import DEFAULT_NETWORK_JOBS, BuildOptions, Events
from .units import UnitClips, plan_unit_clips, unit_beats

MANIFEST_FORMAT = "reader-manifest/1+units"


def pattern_text(steps: tuple[Step, ...]) -> str:
    """"kk zh zh@0.8 _": the steps as written."""
    return " ".join(str(step) for step in steps)


def build_learning(loaded: LoadedBook, options: BuildOptions,
                   events: Events | None = None) -> BuildReport:
    """Make (or remake) the MP3 and manifest of a book spoken by units and a pattern."""
    events = events or Events()
    book = loaded.book
    if not loaded.pairs:
        raise ReaderError(f"{book.root}: the texts hold no paragraphs; nothing to build")
    cache = ClipCache(options.cache_root)
    skipped: list[str] = []
    planned = plan_unit_clips(loaded, offline=options.offline, skipped=skipped)
    jobs = planned.jobs
    events.engines_chosen(planned.chosen)
    for reason in skipped:
        events.message(reason)
    folder = options.out / book.id
    with locked(folder, events):
        for leftover in folder.glob(".*.part"):
            leftover.unlink(missing_ok=True)
        networked = any(speech.get(job.engine).networked for job in jobs)
        workers = options.jobs
        if networked:
            per_language = [n for job in jobs if speech.get(job.engine).networked
                            and (n := book.voice(job.lang).jobs)]
            workers = options.network_jobs or max(per_language, default=DEFAULT_NETWORK_JOBS)
        clips, made = synthesise(jobs, book.audio, cache, workers, events,
                                 processes=not networked)
        frames = {key: clip.frames for key, clip in clips.items()}
        blocks = unit_beats(planned, loaded.steps, frames, cache, book)
        timeline = lay_out_units(blocks, pause_pieces(book, cache), book.audio.frame_seconds)
        audio_path = folder / f"{book.stem}.mp3"

        def tag(path: Path) -> None:
            write_tags(path, book, timeline.chapters, book.order, title=book.full_title())

        manifest_path = folder / f"{book.id}.manifest.json"
        document = unit_manifest(loaded, planned, blocks, timeline, audio_path.name)
        document["audio"]["fingerprint"] = clip_key(
            kind="book", reader=__version__,
            pieces=[(piece.key, piece.frames) for piece in timeline.pieces],
            chapters=[dataclasses.astuple(chapter) for chapter in timeline.chapters],
            tags=[book.full_title(), book.title(), book.author, book.date, book.source,
                  list(book.order)],
        )
        previous = _read_json(manifest_path)
        unchanged = audio_path.exists() and previous.get("audio", {}).get("fingerprint") == (
            document["audio"]["fingerprint"])
        if not unchanged:
            write_mp3(audio_path, timeline, cache.path, tag)
        if previous != document:
            fsutil.write_bytes(manifest_path,
                               json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    return BuildReport(
        output=audio_path, manifest=manifest_path, duration=timeline.duration,
        chapters=len(timeline.chapters), synthesised=len(made),
        reused=len({job.key for job in jobs} - made), engines=planned.chosen,
        warnings=list(loaded.warnings) + list(cache.warnings), unchanged=unchanged,
    )


def unit_manifest(loaded: LoadedBook, planned: UnitClips, blocks: tuple[UnitBeats, ...],
                  timeline: Timeline, audio_name: str) -> dict[str, Any]:
    """The manifest of a unit book: per pair its texts and chapter, and its units.

    Each unit holds its texts, the aligner's step and confidence, its normal-speed
    clip per language ("clips"), and "spoken": every step as heard, in order, with
    its clip, speed and times (ms); a gap has "gap" (its factor) and no language.
    Pair-level "clips" stay empty (there is no paragraph clip); "start"/"end" per
    language span the pair's first and last words in that language.
    """
    book = loaded.book
    chapters = {chapter.index: chapter for chapter in timeline.chapters}
    by_unit: dict[int, list[Any]] = {}
    for piece in timeline.pieces:
        if piece.unit is not None:
            by_unit.setdefault(piece.unit, []).append(piece)
    steps = loaded.steps
    entries: dict[int, dict[str, Any]] = {}
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
        spoken = []
        for piece in by_unit.get(block.unit, []):
            step = steps[piece.step - 1]
            start, end = timeline.ms(piece.start), timeline.ms(piece.start + piece.frames)
            if piece.lang is None:
                spoken.append({"gap": step.gap, "start": start, "end": end})
                continue
            spoken.append({"lang": piece.lang, "speed": step.speed, "clip": piece.key,
                           "start": start, "end": end})
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
    return {
        "format": MANIFEST_FORMAT,
        "generator": f"reader {__version__}",
        "book": {
            "id": book.id, "title": book.title(), "titles": dict(book.titles),
            "author": book.author, "source": book.source, "date": book.date,
            "order": list(book.order),
        },
        "unit": book.unit,
        "pattern": pattern_text(steps),
        "audio": {"file": audio_name, "duration_ms": timeline.ms(timeline.total_frames),
                  "sample_rate": book.audio.sample_rate, "bitrate_kbps": book.audio.bitrate_kbps,
                  "loudness_lufs": book.audio.loudness_lufs},
        "engines": planned.chosen,
        "pairs": list(entries.values()),
    }


def unit_clip_keys(document: dict[str, Any]) -> set[str]:
    """Every clip key a unit manifest uses (normal-speed clips and every step heard)."""
    keys: set[str] = set()
    for pair in document.get("pairs", []):
        for unit in pair.get("units", []):
            keys.update(unit.get("clips", {}).values())
            keys.update(step["clip"] for step in unit.get("spoken", []) if "clip" in step)
    return keys
