"""The pipeline, top to bottom: book → pairs → clips (made or reused) → timeline → files.

Library code: it reports through an `Events` object and raises ReaderError;
the CLI prints and exits.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__, fsutil, speech
from ..audio.timeline import lay_out
from ..errors import ReaderError
from ..outputs.id3 import write_tags
from ..outputs.mp3 import write_mp3
from .cache import ClipCache, clip_key
from .clips import pause_pieces, plan_clips, synthesise
from .loading import LoadedBook
from .lock import locked
from .manifest import manifest
from .options import DEFAULT_NETWORK_JOBS, BuildOptions, Events


@dataclass
class BuildReport:
    """What a build made."""

    output: Path
    manifest: Path
    duration: float
    chapters: int
    synthesised: int
    reused: int
    engines: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    #: True when the MP3 on disk already held exactly this book and was kept.
    unchanged: bool = False


def build(loaded: LoadedBook, options: BuildOptions, events: Events | None = None) -> BuildReport:
    """Make (or remake) the bilingual MP3 and its manifest for a loaded book."""
    events = events or Events()
    book = loaded.book
    if not loaded.pairs:
        raise ReaderError(f"{book.root}: the texts hold no paragraphs; nothing to build")
    cache = ClipCache(options.cache_root)
    skipped: list[str] = []
    jobs, chosen = plan_clips(loaded, offline=options.offline, skipped=skipped)
    events.engines_chosen(chosen)
    for reason in skipped:
        events.message(reason)
    folder = options.out / book.id
    stem = book.stem
    with locked(folder, events):
        for leftover in folder.glob(".*.part"):  # from a build that was killed
            leftover.unlink(missing_ok=True)
        networked = any(speech.get(job.engine).networked for job in jobs)
        workers = options.jobs
        if networked:
            per_language = [n for job in jobs if speech.get(job.engine).networked
                            and (n := book.voice(job.lang).jobs)]
            workers = options.network_jobs or max(per_language, default=DEFAULT_NETWORK_JOBS)
        clips, made = synthesise(jobs, book.audio, cache, workers, events,
                                 processes=not networked, masters=options.masters)
        by_place = {(job.pair, job.lang): (job.key, clips[job.key].frames) for job in jobs}
        timeline = lay_out(loaded.pairs, by_place, pause_pieces(book, cache),
                           book.audio.frame_seconds)
        audio_path = folder / f"{stem}.mp3"

        def tag(path: Path) -> None:
            write_tags(path, book, timeline.chapters, book.order,
                       title=book.full_title())

        manifest_path = folder / f"{book.id}.manifest.json"
        document = manifest(loaded, timeline, jobs, chosen, audio_path.name)
        # Everything the MP3's bytes depend on; equal fingerprints → equal file.
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
        output=audio_path,
        manifest=manifest_path,
        duration=timeline.duration,
        chapters=len(timeline.chapters),
        synthesised=len(made),
        reused=sum(1 for job in jobs if job.key not in made),
        engines=chosen,
        warnings=list(loaded.warnings) + list(cache.warnings),
        unchanged=unchanged,
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
