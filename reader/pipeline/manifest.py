"""The manifest: the book as built — metadata, and per pair its texts, clip keys and times.

Every later output (subtitles, chapters JSON, the reading page, tracks, M4B)
is made from it, and `clean` reads it to know which clips a book uses.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..audio.timeline import Timeline
from .clips import ClipJob
from .loading import LoadedBook


def manifest(loaded: LoadedBook, timeline: Timeline, jobs: list[ClipJob],
             chosen: dict[str, str], audio_name: str) -> dict[str, Any]:
    """The book as built: metadata, and per pair its texts, clip keys and times (ms)."""
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
        pairs.append(entry)
    return {
        "format": "reader-manifest/1",
        "generator": f"reader {__version__}",
        "book": {
            "id": book.id, "title": book.title(), "titles": dict(book.titles),
            "author": book.author, "source": book.source, "date": book.date,
            "order": list(book.order),
        },
        "audio": {"file": audio_name, "duration_ms": timeline.ms(timeline.total_frames),
                  "sample_rate": book.audio.sample_rate, "bitrate_kbps": book.audio.bitrate_kbps,
                  "loudness_lufs": book.audio.loudness_lufs},
        "engines": chosen,
        "pairs": pairs,
    }
