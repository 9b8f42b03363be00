"""The pipeline, top to bottom: book → pairs → clips (made or reused) → timeline → files.

Library code: it reports through an `Events` object and raises ReaderError;
the CLI prints and exits.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import fcntl
import json
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, engines, ffmpeg, fsutil, mastering, mp3
from .align import read_alignment
from .cache import CachedClip, ClipCache, clip_key
from .chapters import write_tags
from .config import AudioFormat, Book, load_book
from .errors import AudioError, BusyError, ReaderError
from .pairing import Pair, pair_aligned, pair_sections
from .paragraphs import read_text, split_sections
from .timeline import Timeline, lay_out


@dataclass(frozen=True)
class LoadedBook:
    """A book with its texts read and paired."""

    book: Book
    pairs: tuple[Pair, ...]
    #: Notes from loading, e.g. paragraphs a recorded alignment leaves unpaired.
    warnings: tuple[str, ...] = ()

    def where(self, pair: Pair, lang: str) -> str:
        """"texts/x/kk.txt:12 (paragraph 3)": where a paragraph comes from."""
        line = dict(pair.texts)[lang].line
        return f"{self.book.text_path(lang)}:{line} (paragraph {pair.index})"


def load(
    book_dir: Path,
    *,
    order: tuple[str, ...] | None = None,
    engine_chains: dict[str, tuple[str, ...]] | None = None,
) -> LoadedBook:
    """Read book.toml and both texts, apply CLI overrides, and pair the paragraphs.

    A recorded alignment (see reader.align) decides the pairs when the book has one.
    """
    book = load_book(Path(book_dir)).with_overrides(order=order, engines=engine_chains)
    sides = {lang: split_sections(read_text(book.text_path(lang)), lang) for lang in book.order}
    files = {lang: book.text_path(lang) for lang in book.order}
    alignment = read_alignment(book.root, sides, files)
    if alignment is None:
        return LoadedBook(book, pair_sections(sides, files))
    pairs, notes = pair_aligned(sides, files, alignment, speak_unpaired=book.unpaired == "speak")
    return LoadedBook(book, pairs, notes)


#: Concurrent requests for a network engine when neither --jobs nor book.toml says.
DEFAULT_NETWORK_JOBS = 4


@dataclass(frozen=True)
class BuildOptions:
    """How to build: where to write, how many workers, which cache."""

    out: Path = Path("output")
    jobs: int = max(1, os.cpu_count() or 1)
    #: Concurrent requests for network engines (they wait on I/O, not on a core);
    #: None: the book's `jobs` for the language, else DEFAULT_NETWORK_JOBS.
    network_jobs: int | None = None
    cache: Path | None = None
    offline: bool = False

    @property
    def cache_root(self) -> Path:
        """The clip cache (shared by every book written under `out`)."""
        return self.cache or self.out / ".cache" / "clips"


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


class Events:
    """What a build reports while it runs; the CLI overrides these."""

    def engines_chosen(self, chosen: dict[str, str]) -> None:
        """Called once, before synthesis, with lang → "engine (voice)"."""

    def clips_planned(self, total: int, to_make: int) -> None:
        """Called before synthesis with the number of clips and how many are new."""

    def clip_done(self, job: ClipJob, made: bool) -> None:
        """Called for each clip as it becomes available."""

    def message(self, text: str) -> None:
        """A warning or a note worth showing."""


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


def output_stem(book: Book) -> str:
    """"last-mile.kk-zh": the name shared by a book's output files."""
    return f"{book.id}.{'-'.join(book.order)}"


def plan_clips(
    loaded: LoadedBook, *, offline: bool = False, skipped: list[str] | None = None
) -> tuple[list[ClipJob], dict[str, str]]:
    """Choose one engine per language and describe every clip the book needs.

    Why an engine earlier in a chain was passed over is appended to `skipped`.
    """
    book = loaded.book
    fmt = dataclasses.asdict(book.audio)
    jobs: list[ClipJob] = []
    chosen: dict[str, str] = {}
    for lang in book.order:
        settings = book.voice(lang)
        passed_over: list[str] = []
        engine = engines.choose(lang, settings.engines, offline=offline, skipped=passed_over,
                                options=dict(settings.options))
        if skipped is not None:
            skipped.extend(f"{lang}: {reason}; using {engine.name}" for reason in passed_over)
        voice = settings.voice_for(engine.name) or engine.default_voice(lang)
        chosen[lang] = f"{engine.name} ({voice})"
        for pair in loaded.pairs:
            texts = dict(pair.texts)
            if lang not in texts:  # a paragraph the aligner left to be spoken alone
                continue
            key = clip_key(
                kind="speech", text=texts[lang].text, lang=lang, engine=engine.name,
                engine_version=engine.version, voice=voice, options=list(settings.options),
                format=fmt, mastering=mastering.MASTERING_VERSION, ffmpeg=ffmpeg.version(),
            )
            jobs.append(ClipJob(pair.index, lang, texts[lang].text, loaded.where(pair, lang),
                                engine.name, voice, settings.options, key, book.id))
    return jobs, chosen


def make_clip(job: ClipJob, fmt: AudioFormat, cache: ClipCache) -> CachedClip:
    """Synthesise, master and store one paragraph."""
    engine = engines.get(job.engine)
    try:
        audio = engine.synthesize(job.text, lang=job.lang, voice=job.voice,
                                  options=dict(job.options))
        data = mastering.master(audio, fmt)
    except ReaderError as exc:
        raise type(exc)(f"{job.where}: {exc}") from None
    return cache.put(job.key, data, book=job.book, pair=job.pair, lang=job.lang, text=job.text,
                     engine=job.engine, voice=job.voice)


def _pause(seconds: float, fmt: AudioFormat, cache: ClipCache) -> tuple[str, int]:
    if seconds <= 0:
        return ("", 0)
    key = clip_key(kind="silence", seconds=round(seconds, 3), format=dataclasses.asdict(fmt),
                   ffmpeg=ffmpeg.version())
    found = cache.get(key) or cache.put(key, mastering.silence(seconds, fmt), kind="silence")
    return key, found.frames


def pause_pieces(book: Book, cache: ClipCache) -> dict[str, tuple[str, int]]:
    """The book's pauses as (cache key, frames): "lead_in", "paragraph" and "pair"."""
    return {name: _pause(getattr(book.pauses, name), book.audio, cache)
            for name in ("lead_in", "paragraph", "pair")}


@contextlib.contextmanager
def locked(folder: Path, events: Events) -> Iterator[None]:
    """Hold the book's output lock; a second build waits for the first."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            events.message(f"another build is writing {folder}; waiting for it to finish")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError as exc:  # pragma: no cover - interrupted wait
                raise BusyError(f"{folder}: could not take the build lock ({exc})") from None
        yield


def synthesise(
    jobs: list[ClipJob], fmt: AudioFormat, cache: ClipCache, workers: int, events: Events,
    *, processes: bool = True,
) -> tuple[dict[str, CachedClip], set[str]]:
    """Reuse every intact cached clip and make the rest, `workers` at a time.

    CPU-bound engines run in worker processes (espeak-ng cannot run two
    syntheses at once in one process); network engines in threads, since they
    wait on I/O. One worker means everything runs here, in order. On the first
    failure the remaining work is cancelled; clips already made stay in the
    cache, so the next build resumes where this one stopped.

    Returns every clip by key, and the keys that were made now.
    """
    ready: dict[str, CachedClip] = {}
    missing: dict[str, ClipJob] = {}
    for job in jobs:
        if job.key in ready or job.key in missing:
            continue
        found = cache.get(job.key)
        if found:
            ready[job.key] = found
        else:
            missing[job.key] = job
    events.clips_planned(len(jobs), len(missing))
    for job in jobs:
        if job.key in ready:
            events.clip_done(job, False)
    if workers <= 1 or len(missing) <= 1:
        for job in missing.values():
            ready[job.key] = make_clip(job, fmt, cache)
            events.clip_done(job, True)
        return ready, set(missing)
    pool: concurrent.futures.Executor
    if processes:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=min(workers, len(missing)),
            mp_context=multiprocessing.get_context("spawn"),
        )
    else:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    # Longest texts first, so no worker is left with a long paragraph at the end.
    queue = sorted(missing.values(), key=lambda job: len(job.text), reverse=True)
    with pool:
        futures = {pool.submit(make_clip, job, fmt, cache): job for job in queue}
        try:
            for future in concurrent.futures.as_completed(futures):
                ready[futures[future].key] = future.result()
                events.clip_done(futures[future], True)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return ready, set(missing)


def write_mp3(path: Path, timeline: Timeline, cache: ClipCache, tag: Any) -> None:
    """Tag a new file, append one Info frame and the pieces' frames, rename it into place.

    The tag goes in first, into the empty file: tagging afterwards would make
    mutagen move the whole book's audio (mapped into memory) to make room.
    """
    if not timeline.pieces:
        raise AudioError("the book has no audio")
    first = cache.path(timeline.pieces[0].key).read_bytes()[:4]
    sizes = {piece.key: cache.path(piece.key).stat().st_size for piece in timeline.pieces}
    total_bytes = sum(sizes[piece.key] for piece in timeline.pieces)
    with fsutil.atomic_path(path) as temp:
        tag(temp)
        with open(temp, "ab") as out:
            out.write(mp3.info_frame(first, timeline.total_frames, total_bytes))
            for piece in timeline.pieces:
                with open(cache.path(piece.key), "rb") as clip:
                    shutil.copyfileobj(clip, out)


def manifest(loaded: LoadedBook, timeline: Timeline, jobs: list[ClipJob],
             chosen: dict[str, str], audio_name: str) -> dict[str, Any]:
    """The book as built: metadata, and per pair its texts, clip keys and times (ms)."""
    book = loaded.book
    keys = {(job.pair, job.lang): job.key for job in jobs}
    chapters = {chapter.index: chapter for chapter in timeline.chapters}
    pairs = []
    for pair in loaded.pairs:
        entry: dict[str, Any] = {
            "index": pair.index, "section": pair.section, "section_title": pair.section_title,
            "chapter": {"title": chapters[pair.index].title,
                        "start": chapters[pair.index].start_ms,
                        "end": chapters[pair.index].end_ms},
            "texts": {}, "lines": {}, "clips": {}, "start": {}, "end": {},
        }
        for lang, paragraph in pair.texts:
            piece = timeline.clip(pair.index, lang)
            entry["texts"][lang] = paragraph.text
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
    stem = output_stem(book)
    with locked(folder, events):
        for leftover in folder.glob(".*.part"):  # from a build that was killed
            leftover.unlink(missing_ok=True)
        networked = any(engines.get(job.engine).networked for job in jobs)
        workers = options.jobs
        if networked:
            per_language = [n for job in jobs if engines.get(job.engine).networked
                            and (n := book.voice(job.lang).jobs)]
            workers = options.network_jobs or max(per_language, default=DEFAULT_NETWORK_JOBS)
        clips, made = synthesise(jobs, book.audio, cache, workers, events,
                                 processes=not networked)
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
            write_mp3(audio_path, timeline, cache, tag)
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
