"""Clips: one per paragraph and language, described, then reused from the cache or made.

`plan_clips` chooses one engine per language and keys every clip by what
decides its sound; `synthesise` makes the missing ones in worker processes
(or threads for network engines) and stores them in the clip cache.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import fsutil, speech
from ..audio import mastering
from ..config import AudioFormat, Book
from ..errors import ReaderError
from .cache import CachedClip, ClipCache, clip_key
from .loading import LoadedBook
from .options import Events


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
        engine = speech.choose(lang, settings.engines, offline=offline, skipped=passed_over,
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
                format=fmt, mastering=mastering.MASTERING_VERSION, encoder=mastering.encoder(),
            )
            jobs.append(ClipJob(pair.index, lang, texts[lang].text, loaded.where(pair, lang),
                                engine.name, voice, settings.options, key, book.id))
    return jobs, chosen


def master_path(cache: ClipCache, key: str) -> Path:
    """Where the lossless master of a cached clip lives (FLAC, beside its MP3)."""
    return cache.path(key).with_suffix(".flac")


def _store(cache: ClipCache, key: str, made: mastering.Mastered, masters: bool,
           **info: Any) -> CachedClip:
    if masters:  # written first: a clip whose sidecar exists has its master too
        fsutil.write_bytes(master_path(cache, key), made.flac())
    return cache.put(key, made.mp3, samples=made.samples, padding=made.padding, **info)


def make_clip(job: ClipJob, fmt: AudioFormat, cache: ClipCache,
              masters: bool = False) -> CachedClip:
    """Synthesise, master and store one paragraph (and its lossless master when asked)."""
    engine = speech.get(job.engine)
    try:
        audio = engine.synthesize(job.text, lang=job.lang, voice=job.voice,
                                  options=dict(job.options))
        made = mastering.master(audio, fmt)
    except ReaderError as exc:
        raise type(exc)(f"{job.where}: {exc}") from None
    return _store(cache, job.key, made, masters, book=job.book, pair=job.pair, lang=job.lang,
                  text=job.text, engine=job.engine, voice=job.voice)


def _pause(seconds: float, fmt: AudioFormat, cache: ClipCache) -> tuple[str, int]:
    if seconds <= 0:
        return ("", 0)
    key = clip_key(kind="silence", seconds=round(seconds, 3), format=dataclasses.asdict(fmt),
                   encoder=mastering.encoder())
    found = cache.get(key) or _store(cache, key, mastering.silence_piece(seconds, fmt), False,
                                     kind="silence")
    return key, found.frames


def pause_pieces(book: Book, cache: ClipCache) -> dict[str, tuple[str, int]]:
    """The book's pauses as (cache key, frames): "lead_in", "paragraph" and "pair"."""
    return {name: _pause(getattr(book.pauses, name), book.audio, cache)
            for name in ("lead_in", "paragraph", "pair")}


def synthesise(
    jobs: list[ClipJob], fmt: AudioFormat, cache: ClipCache, workers: int, events: Events,
    *, processes: bool = True, masters: bool = False,
) -> tuple[dict[str, CachedClip], set[str]]:
    """Reuse every intact cached clip and make the rest, `workers` at a time.

    CPU-bound engines run in worker processes (espeak-ng cannot run two
    syntheses at once in one process); network engines in threads, since they
    wait on I/O. One worker means everything runs here, in order. On the first
    failure the remaining work is cancelled; clips already made stay in the
    cache, so the next build resumes where this one stopped.

    With `masters`, each clip keeps a lossless master beside it, and a cached
    clip without one is made again (the same MP3, since synthesis is
    deterministic) to get it.

    Returns every clip by key, and the keys that were made now.
    """
    ready: dict[str, CachedClip] = {}
    missing: dict[str, ClipJob] = {}
    for job in jobs:
        if job.key in ready or job.key in missing:
            continue
        found = cache.get(job.key)
        if found and (not masters or master_path(cache, job.key).exists()):
            ready[job.key] = found
        else:
            missing[job.key] = job
    events.clips_planned(len(jobs), len(missing))
    for job in jobs:
        if job.key in ready:
            events.clip_done(job, False)
    if workers <= 1 or len(missing) <= 1:
        for job in missing.values():
            ready[job.key] = make_clip(job, fmt, cache, masters)
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
        futures = {pool.submit(make_clip, job, fmt, cache, masters): job for job in queue}
        try:
            for future in concurrent.futures.as_completed(futures):
                ready[futures[future].key] = future.result()
                events.clip_done(futures[future], True)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return ready, set(missing)
