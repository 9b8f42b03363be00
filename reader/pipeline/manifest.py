"""The manifest: the book as built — metadata, and per pair its texts, clip keys and times.

Every later output (subtitles, chapters JSON, the reading page, tracks, M4B)
is made from it, and `clean` reads it to know which clips a book uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__, speech
from ..audio.pcm import TIMINGS
from ..audio.timeline import Timeline
from ..records import load_json, mismatch
from ..text.words import written_marks
from .cache import CachedClip
from .clips import ClipJob
from .loading import LoadedBook

FORMAT = "reader-manifest/1"
#: What later steps rely on; a manifest of another shape is treated as absent.
SHAPE = {
    "format": str,
    "book": {"id": str, "title": str, "titles": {str: str}, "author": str, "source": str,
             "date": str, "order": [str]},
    "audio": {"file": str, "duration_ms": int, "fingerprint": str},
    "engines": {str: str},
    "pairs": [{
        "index": int, "section": int, "section_title": (str, None),
        "chapter": {"title": str, "start": int, "end": int},
        "texts": {str: str}, "lines": {str: int}, "clips": {str: str},
        "start": {str: int}, "end": {str: int},
    }],
}

#: A unit of a book spoken by sentence or with a pattern (reader.pipeline.learning).
UNIT_SHAPE = {
    "number": int, "kind": str, "confidence": float, "texts": {str: str}, "clips": {str: str},
    "start": (int, None), "end": (int, None),
    "spoken": [{"start": int, "end": int}],
}


def path_for(folder: Path, book_id: str) -> Path:
    """Where a book's manifest lives in its output folder."""
    return folder / f"{book_id}.manifest.json"


def read_manifest(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """A manifest written earlier, validated: (document, None), (None, None) when there is
    none, or (None, why) when it is damaged or of another shape (then it is rebuilt)."""
    document, problem = load_json(path, SHAPE)
    if document is not None and document["format"] != FORMAT:
        return None, f"{path}: format {document['format']!r} is not {FORMAT!r}"
    if document is not None:
        for pair in document["pairs"]:
            # A unit book's pair has no paragraph clips: its clips are in its units.
            langs = set(pair["texts"]) if "units" in pair else set(pair["clips"])
            if not (langs == set(pair["texts"]) == set(pair["start"]) == set(pair["end"])):
                return None, f"{path}: pair {pair['index']} lists different languages"
            found = mismatch(pair.get("units", []), [UNIT_SHAPE], f"pairs[{pair['index']}].units")
            if found:
                return None, f"{path}: unexpected content ({found})"
    return document, problem


def used_keys(document: dict[str, Any]) -> set[str]:
    """Every clip key a manifest's book is made of (a unit book's clips are in its units)."""
    keys = {key for pair in document["pairs"] for key in pair["clips"].values()}
    for pair in document["pairs"]:
        for unit in pair.get("units", []):
            keys.update(unit["clips"].values())
            keys.update(step["clip"] for step in unit["spoken"] if "clip" in step)
    return keys


def words(clip: CachedClip | None, written: str, spoken: str, start: float,
          rate: int) -> list[list[int]]:
    """A clip's words as [start ms, end ms, char start, char end] in the book: times from
    the book's start (the clip placed at `start` seconds, its marks in samples at
    `rate`), characters of the written text."""
    if clip is None or not clip.marks:
        return []
    marks = [(m.start, m.end, m.text_start, m.text_end) for m in clip.marks]
    return [[round((start + a / rate) * 1000), round((start + b / rate) * 1000), c, d]
            for a, b, c, d in written_marks(written, spoken, marks)]


def timings(clips: Iterable[tuple[str, CachedClip | None]]) -> dict[str, str]:
    """Per language, how its word times were found: the weakest of its clips' ("measured",
    "estimated", "none")."""
    found: dict[str, str] = {}
    for lang, clip in clips:
        timing = clip.timing if clip is not None and clip.timing in TIMINGS else "none"
        if TIMINGS.index(timing) > TIMINGS.index(found.get(lang, TIMINGS[0])):
            found[lang] = timing
        found.setdefault(lang, timing)
    return found


def manifest(loaded: LoadedBook, timeline: Timeline, jobs: list[ClipJob],
             chosen: dict[str, str], audio_name: str,
             clips: Mapping[str, CachedClip] | None = None) -> dict[str, Any]:
    """The book as built: metadata, and per pair its texts, clip keys and times (ms), and
    its words' times (from `clips`, the built clips by key)."""
    clips = clips or {}
    book = loaded.book
    keys = {(job.pair, job.lang): job.key for job in jobs}
    spoken = {(job.pair, job.lang): job.said for job in jobs}
    chapters = {chapter.index: chapter for chapter in timeline.chapters}
    pairs = []
    for pair in loaded.pairs:
        entry: dict[str, Any] = {
            "index": pair.index, "section": pair.section, "section_title": pair.section_title,
            "chapter": {"title": chapters[pair.index].title,
                        "start": chapters[pair.index].start_ms,
                        "end": chapters[pair.index].end_ms},
            "texts": {}, "spoken": {}, "lines": {}, "clips": {}, "start": {}, "end": {},
        }
        for lang, paragraph in pair.texts:
            piece = timeline.clip(pair.index, lang)
            entry["texts"][lang] = paragraph.text
            entry["spoken"][lang] = spoken[(pair.index, lang)]
            entry["lines"][lang] = paragraph.line
            entry["clips"][lang] = keys[(pair.index, lang)]
            entry["start"][lang] = timeline.ms(piece.start)
            entry["end"][lang] = timeline.ms(piece.start + piece.frames)
            entry.setdefault("words", {})[lang] = words(
                clips.get(piece.key), paragraph.text, spoken[(pair.index, lang)],
                piece.start * timeline.frame_seconds, book.audio.sample_rate)
        pairs.append(entry)
    document = {
        "format": FORMAT,
        "generator": f"reader {__version__}",
        "book": {
            "id": book.id, "title": book.title(), "titles": dict(book.titles),
            "author": book.author, "source": book.source, "date": book.date,
            "order": list(book.order),
        },
        "audio": {"file": audio_name, "duration_ms": timeline.end_ms,
                  "sample_rate": book.audio.sample_rate, "bitrate_kbps": book.audio.bitrate_kbps,
                  "loudness_lufs": book.audio.loudness_lufs},
        "engines": chosen,
        "timings": timings((job.lang, clips.get(job.key)) for job in jobs),
        "pairs": pairs,
    }
    owed = voice_credits(jobs)
    if owed:  # only voices whose licence asks for attribution (Piper's)
        document["credits"] = owed
    return document


def voice_credits(jobs: list[ClipJob]) -> dict[str, str]:
    """Per language, the attribution its voice's licence asks for (none for espeak, gTTS)."""
    owed: dict[str, str] = {}
    for job in jobs:
        if job.lang not in owed:
            owed[job.lang] = speech.credits(job.engine, job.voice) or ""
    return {lang: line for lang, line in owed.items() if line}
