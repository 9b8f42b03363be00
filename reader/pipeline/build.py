"""The pipeline, top to bottom: book → pairs → clips (made or reused) → timeline → files.

Library code: it reports through an `Events` object and raises ReaderError;
the CLI prints and exits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, fsutil, speech
from ..digest import json_digest
from ..errors import InputError
from ..manifest_types import read_manifest
from ..outputs.id3 import write_tags
from ..outputs.mp3 import decoded, write_mp3
from .clips import synthesise
from .events import Events
from .formats import Job, check_formats, check_unit_formats, cover_path, write_formats
from .layouts import plan_layout
from .loading import LoadedBook
from .lock import locked, using_cache
from .manifest import path_for as manifest_path
from .manifest import voice_credits
from .options import DEFAULT_NETWORK_JOBS, BuildOptions
from .staging import check_live, check_origin, staged, store_of
from .voicing import voice_changes


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
    #: The other outputs written (the formats whose inputs changed).
    written: list[Path] = field(default_factory=list)
    #: Outputs of the last build that this one did not ask for, now gone.
    removed: list[Path] = field(default_factory=list)


def build(loaded: LoadedBook, options: BuildOptions, events: Events | None = None, *,
          formats: tuple[str, ...] = ("mp3",), split: str | None = None) -> BuildReport:
    """Make (or remake) a loaded book's MP3, manifest and the other outputs asked for.

    Every output changes at once: they are written into a new generation of the
    book's output folder, which replaces the live one in one step (see staging).
    """
    events = events or Events()
    book = loaded.book
    check_formats(formats, split)
    check_unit_formats(book.unit, loaded.learning, formats, split)
    options.check()
    if not loaded.pairs:
        raise InputError(f"{book.root}: the texts hold no paragraphs; nothing to build "
                         f"(write paragraphs in {', '.join(f'{lang}.txt' for lang in book.order)})")
    check_origin(options.out, book.id, book.root)
    check_live(options.out, book.id)
    cover = cover_path(book)  # a cover that is not an image is refused before anything is made
    cover_bytes = cover.read_bytes() if cover else b""
    cache = options.clip_cache()
    skipped: list[str] = []
    layout = plan_layout(loaded, offline=options.offline, skipped=skipped)
    jobs, chosen = layout.jobs, layout.chosen
    events.engines_chosen(chosen)
    for reason in skipped:
        events.message(reason)
    last, _ = read_manifest(manifest_path(options.out / book.id, book.id))
    if last is not None:  # a book keeps its voice unless the producer changes it

        def to_make(lang: str) -> int:
            keys = {job.key for job in jobs if job.lang == lang}
            return sum(1 for key in keys if cache.record(key) is None)

        for line in voice_changes(book, last["engines"], chosen, to_make,
                                  offline=options.offline):
            events.message(line)
    warnings = list(loaded.warnings)
    # Held until the book is written: a clean meanwhile (of any book using this cache) waits.
    with using_cache(options.cache_root, events), locked(store_of(options.out, book.id), events):
        networked = any(speech.get(job.engine).networked for job in jobs)
        workers = options.jobs
        if networked:
            per_language = [n for job in jobs if speech.get(job.engine).networked
                            and (n := book.voice(job.lang).jobs)]
            workers = options.network_jobs or max(per_language, default=DEFAULT_NETWORK_JOBS)
        clips, made = synthesise(jobs, book.audio, cache, workers, events,
                                 processes=not networked, executor=options.executor,
                                 masters=options.masters)
        timeline = decoded(layout.timeline(clips, cache), cache, book.audio.sample_rate)
        with staged(options.out, book.id, book.root) as stage:
            folder = stage.folder
            audio_path = folder / f"{book.stem}.mp3"
            manifest_file = manifest_path(folder, book.id)
            previous, problem = read_manifest(manifest_file)
            if problem:
                warnings.append(f"{problem}; it is written again")
            document = layout.manifest(timeline, audio_path.name, clips, previous)
            owed = "; ".join(voice_credits(jobs).values())
            # Everything the MP3's bytes depend on; equal fingerprints → equal file.
            document["audio"]["fingerprint"] = json_digest({
                "kind": "book", "reader": __version__,
                "pieces": [(piece.key, piece.frames) for piece in timeline.pieces],
                "chapters": [dataclasses.astuple(chapter) for chapter in timeline.chapters],
                "tags": [book.full_title(), book.title(), book.author, book.date, book.source,
                         list(book.order)] + ([owed] if owed else []),
                # the MP3 carries the cover (APIC): a new cover is a new file
                **({"cover": hashlib.sha256(cover_bytes).hexdigest()} if cover_bytes else {}),
            })

            def tag(path: Path) -> None:
                write_tags(path, book, timeline.chapters, book.order, title=book.full_title(),
                           credits=owed, cover=cover_bytes)

            def write_book_mp3() -> list[Path]:
                write_mp3(audio_path, timeline, cache, tag)
                return [audio_path]

            if previous != document:
                fsutil.write_bytes(manifest_file, json.dumps(
                    document, ensure_ascii=False, indent=1).encode("utf-8"))
                stage.changed = True
            # The MP3 is rewritten when its fingerprint changed or the file is not the
            # one written (edited in place by a tag editor, say): the outputs record knows.
            book_mp3 = Job("mp3", (audio_path,), document["audio"]["fingerprint"],
                           write_book_mp3, step="the book's MP3")
            done = write_formats(loaded, document, folder, formats, cache, split, warnings,
                                 events.step, first=(book_mp3,))
            unchanged = audio_path not in done.written
            written = [path for path in done.written if path != audio_path]
            stage.changed |= done.changed
    shown = options.out / book.id  # the link users open, not the generation behind it
    return BuildReport(
        output=shown / audio_path.name,
        manifest=shown / manifest_file.name,
        duration=timeline.duration,
        chapters=len(timeline.chapters),
        synthesised=len(made),
        reused=layout.reused(made),
        engines=chosen,
        warnings=warnings + list(cache.warnings),
        unchanged=unchanged,
        written=[shown / path.relative_to(folder) for path in written],
        removed=[shown / path.relative_to(folder) for path in done.removed],
    )
