"""The manifest: the book as built — metadata, and per pair its texts, clip keys and times.

Every later output (subtitles, chapters JSON, the reading page, tracks, M4B)
is made from it, and `clean` reads it to know which clips a book uses. Its
types and its shape check are in reader.manifest_types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from .. import __version__, speech
from ..audio.pcm import TIMINGS
from ..audio.timeline import Timeline
from ..manifest_types import FORMAT, Manifest, PairEntry, Word
from ..text.words import written_marks
from .cache import CachedClip
from .clips import ClipJob
from .loading import LoadedBook


def path_for(folder: Path, book_id: str) -> Path:
    """Where a book's manifest lives in its output folder."""
    return folder / f"{book_id}.manifest.json"


def words(clip: CachedClip | None, written: str, spoken: str, start: float,
          rate: int) -> list[Word]:
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
             clips: Mapping[str, CachedClip] | None = None) -> Manifest:
    """The book as built: metadata, and per pair its texts, clip keys and times (ms), and
    its words' times (from `clips`, the built clips by key)."""
    clips = clips or {}
    book = loaded.book
    keys = {(job.pair, job.lang): job.key for job in jobs}
    spoken = {(job.pair, job.lang): job.said for job in jobs}
    chapters = {chapter.index: chapter for chapter in timeline.chapters}
    pairs: list[PairEntry] = []
    for pair in loaded.pairs:
        entry: PairEntry = {
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
    document: Manifest = {
        "format": FORMAT,
        "generator": f"reader {__version__}",
        "book": {
            "id": book.id, "title": book.title(), "titles": dict(book.titles),
            "author": book.author, "source": book.source, "date": book.date,
            "order": list(book.order),
        },
        "audio": {"file": audio_name, "duration_ms": timeline.end_ms,
                  "sample_rate": book.audio.sample_rate, "bitrate_kbps": book.audio.bitrate_kbps,
                  "loudness_lufs": book.audio.loudness_lufs,
                  "fingerprint": ""},  # set by the build, from the laid-out MP3
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
