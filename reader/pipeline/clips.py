"""Clips: one per paragraph and language, described, then reused from the cache or made.

`plan_clips` chooses one engine per language and keys every clip by what
decides its sound; `synthesise` makes the missing ones in worker processes
(or threads for network engines) and stores them in the clip cache.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import os
from pathlib import Path
from typing import Any

from .. import fsutil, speech
from ..audio import mastering
from ..audio.estimate import estimated
from ..audio.pcm import Audio
from ..audio.stretch import stretch
from ..audio.timeline import Pauses
from ..config import AudioFormat, Book
from ..errors import AudioError, EngineError, ReaderError
from ..processes import keep_freed_memory
from .cache import CachedClip, ClipCache, clip_key
from .clip_job import ClipJob
from .events import Events
from .loading import LoadedBook
from .workers import process_pool, stop_now


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
        passed_over: list[str] = []
        resolved = speech.resolve(lang, book.voice(lang), offline=offline, skipped=passed_over,
                                  where=f"{book.root / 'book.toml'} [language.{lang}]")
        engine, voice, options = resolved.engine, resolved.voice, resolved.options
        if skipped is not None:
            skipped.extend(f"{lang}: {reason}; using {engine.name}" for reason in passed_over)
        chosen[lang] = resolved.label
        version = resolved.identity
        for pair in loaded.pairs:
            texts = dict(pair.texts)
            if lang not in texts:  # a paragraph the aligner left to be spoken alone
                continue
            # The key is made of the spoken form: a lexicon entry or a reading rule
            # re-makes exactly the clips whose spoken form it changes.
            spoken = loaded.spoken(texts[lang].text, lang)
            key = clip_key(
                kind="speech", text=spoken, lang=lang, engine=engine.name,
                engine_version=version, voice=voice, options=list(options),
                format=fmt, mastering=mastering.MASTERING_VERSION, encoder=mastering.encoder(),
            )
            jobs.append(ClipJob(pair.index, lang, texts[lang].text, loaded.where(pair, lang),
                                engine.name, voice, options, key, book.id, spoken))
    return jobs, chosen


def master_path(cache: ClipCache, key: str) -> Path:
    """Where the lossless master of a cached clip lives (FLAC, beside its MP3)."""
    return cache.path(key).with_suffix(".flac")


def _store(cache: ClipCache, key: str, made: mastering.Mastered, masters: bool,
           **info: Any) -> CachedClip:
    if masters:  # written first: a clip whose sidecar exists has its master too
        fsutil.write_bytes(master_path(cache, key), made.flac())
    return cache.put(key, made.stream, samples=made.samples, padding=made.padding, **info)


def timed(audio: Audio, said: str, fmt: AudioFormat) -> Audio:
    """The engine's audio with word marks: its own, else estimated from the text."""
    return estimated(audio, said, fmt.silence_threshold_db)


def make_clip(job: ClipJob, fmt: AudioFormat, cache: ClipCache,
              masters: bool = False) -> CachedClip:
    """Synthesise, master and store one paragraph (and its lossless master when asked)."""
    engine = speech.get(job.engine)
    try:
        audio = engine.synthesize(job.said, lang=job.lang, voice=job.voice,
                                  options=dict(job.options))
        audio = timed(audio, job.said, fmt)
        if job.speed != 1.0:
            audio = at_speed(engine, job, audio, fmt)
        made = mastering.master(audio, fmt)
    except ReaderError as exc:
        raise type(exc)(f"{job.where}: {exc}") from None
    return _store(cache, job.key, made, masters, book=job.book, pair=job.pair, lang=job.lang,
                  text=job.text, engine=job.engine, voice=job.voice, marks=made.marks,
                  timing=made.timing, edges=list(made.edges))


#: How close a slow (or fast) clip's sound comes to the normal one's ÷ speed: aimed for,
#: and accepted after the search below (the specification is 1 %).
_SPEED_AIM, _SPEED_ACCEPT = 0.002, 0.005
_SPEED_PASSES = 3
#: Factors tried around the first when the passes miss: WSOLA moves a short clip's
#: ends in steps (2.5 % seen on a 0.6 s clip), so a search finds what a secant cannot.
_SPEED_SCAN = tuple(1 + 0.004 * k for k in range(-6, 7))


def _heard_seconds(audio: Audio, fmt: AudioFormat) -> float:
    """How long the clip's sound lasts once mastered (its fades shorten it a little)."""
    try:
        made = mastering.master(audio, fmt)
    except AudioError:
        return 0.0
    return 0.0 if made.sound is None else (made.sound[1] - made.sound[0]) / made.rate


def at_speed(engine: Any, job: ClipJob, audio: Audio, fmt: AudioFormat) -> Audio:
    """`audio` brought to `job.speed`: its sound lasts the normal clip's ÷ speed.

    Lengths are measured mastered, as heard. A pitch-keeping time stretch
    (WSOLA) moves the ends of a short clip in steps, and the fades shorten a
    slow tail differently, so the stretch is measured and corrected (aiming
    at 0.2 %; a search around the first factor when that misses by over
    0.5 %). When the engine's own rate made the speed (espeak), the normal
    clip is spoken too: espeak's rate is not linear in length (its
    pauses and some phonemes keep their length: at 0.8× the sound lasted
    1.28–1.31 times as long, not 1.25), and the few per cent it misses by are
    stretched, keeping the engine's own slower phonemes.
    """
    normal = audio if job.normal is None else engine.synthesize(
        job.said, lang=job.lang, voice=job.voice, options=dict(job.normal))
    wanted = _heard_seconds(normal, fmt) / job.speed
    have = _heard_seconds(audio, fmt)
    if not wanted or not have:
        return audio
    first = factor = have / wanted
    best, error = audio, have / wanted - 1

    def attempt(factor: float) -> float:
        nonlocal best, error
        out = stretch(audio, factor)
        got = _heard_seconds(out, fmt) / wanted
        if abs(got - 1) < abs(error):
            best, error = out, got - 1
        return got

    for _ in range(_SPEED_PASSES):
        if abs(error) < _SPEED_AIM:
            return best
        factor *= attempt(factor)
    for step in _SPEED_SCAN:
        if abs(error) < _SPEED_ACCEPT:
            break
        attempt(first * step)
    return best


def make_clip_checked(job: ClipJob, fmt: AudioFormat, cache: ClipCache,
                      versions: tuple[str, str], masters: bool = False) -> CachedClip:
    """make_clip on a worker that may be another machine: first check that its engine and
    encoder are the versions the clip's key was made with (engine version, encoder).

    A worker with other versions would store different sound under the key, and
    the book would no longer be byte-identical to a local build.
    """
    engine_version, encoder = _engine_version(job), mastering.encoder()
    if (engine_version, encoder) != versions:
        import socket

        raise EngineError(
            f"{job.where}: the worker on {socket.gethostname()} has {engine_version} and "
            f"{encoder!r}, the build expects {versions[0]} and {versions[1]!r}; install "
            "the same reader, engines and imageio-ffmpeg on every worker"
        )
    return make_clip(job, fmt, cache, masters)


def _engine_version(job: ClipJob) -> str:
    """The engine's version as plan_clips puts it in the key (a voice's identity, e.g. a
    Piper model's digest, when the engine has one)."""
    return speech.settle(speech.get(job.engine), job.lang, job.voice, job.options).identity


def pause(seconds: float, fmt: AudioFormat, cache: ClipCache) -> tuple[str, int]:
    """`seconds` of digital silence as a cached piece: (cache key, frames); ("", 0) for none."""
    if seconds <= 0:
        return ("", 0)
    key = clip_key(kind="silence", seconds=round(seconds, 3), format=dataclasses.asdict(fmt),
                   encoder=mastering.encoder())
    found = cache.get(key) or _store(cache, key, mastering.silence_piece(seconds, fmt), False,
                                     kind="silence")
    return key, found.frames


#: Silence pieces are made this many frames shorter than a pause at most: room for the
#: clips' own silent edges (two clips' delay, padding, margins and fade tails: 3–5 frames).
_EDGE_FRAMES = 12


def _silence(frames: int, fmt: AudioFormat, cache: ClipCache) -> str:
    """The cached silence piece of exactly `frames` frames (its key)."""
    key = clip_key(kind="silence", frames=frames, format=dataclasses.asdict(fmt),
                   encoder=mastering.encoder())
    if cache.get(key) is None:
        _store(cache, key, mastering.silence_frames(frames, fmt), False, kind="silence")
    return key


def pause_pieces(book: Book, cache: ClipCache) -> Pauses:
    """The book's pauses ("lead_in", "paragraph", "pair"), the silence pieces that make them
    as heard, and the clips' silent edges (from their cache records)."""
    fmt = book.audio
    frame = fmt.frame_seconds * fmt.sample_rate
    asked = {name: getattr(book.pauses, name) / fmt.frame_seconds
             for name in ("lead_in", "paragraph", "pair")}
    counts = {0}
    for frames in asked.values():
        if frames > 0:
            counts.update(range(max(1, round(frames) - _EDGE_FRAMES), round(frames) + 1))
    pieces: dict[int, str] = {0: ""}
    for count in sorted(counts - {0}):
        try:
            pieces[count] = _silence(count, fmt, cache)
        except AudioError:  # fewer frames than LAME makes (1 at 22.05 kHz)
            continue

    @functools.cache
    def edges(key: str) -> tuple[float, float]:
        found = (cache.record(key) or {}).get("edges")
        if not (isinstance(found, list) and len(found) == 2
                and all(isinstance(n, int) for n in found)):
            return (0.0, 0.0)  # a silence piece, or a clip without them: none counted
        return found[0] / frame, found[1] / frame

    return Pauses(asked, pieces, edges, skipped=mastering.ENCODER_DELAY / frame)


def synthesise(
    jobs: list[ClipJob], fmt: AudioFormat, cache: ClipCache, workers: int, events: Events,
    *, processes: bool = True, executor: concurrent.futures.Executor | None = None,
    masters: bool = False,
) -> tuple[dict[str, CachedClip], set[str]]:
    """Reuse every intact cached clip and make the rest, `workers` at a time.

    CPU-bound engines run in worker processes (espeak-ng cannot run two
    syntheses at once in one process); network engines in threads, since they
    wait on I/O. One worker means everything runs here, in order. On the first
    failure the remaining work is cancelled; clips already made stay in the
    cache, so the next build resumes where this one stopped.

    `executor`, when given, is a pool the caller owns and shares (a shelf
    build's one pool, or a Dask cluster's executor): CPU-bound clips go to it
    whatever `workers` says, it is not shut down here, and on a failure only
    this call's pending work is cancelled. Network engines keep their threads
    here: they wait on I/O, which a cluster does not speed up.

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
        # A clip stored before clips had word times is made once more (docs/read-along.md).
        if found and found.timing is not None and (
                not masters or master_path(cache, job.key).exists()):
            ready[job.key] = found
        else:
            missing[job.key] = job
    events.clips_planned(len(jobs), len(missing))
    for job in jobs:
        if job.key in ready:
            events.clip_done(job, False)
    # Longest texts first, so no worker is left with a long paragraph at the end.
    queue = sorted(missing.values(), key=lambda job: len(job.text), reverse=True)
    if executor is not None and processes and missing:
        return (_on_shared_pool(executor, queue, fmt, cache, events, ready, masters),
                set(missing))
    if workers <= 1 or len(missing) <= 1:
        if processes and missing:
            keep_freed_memory()  # as a worker does: mastering reuses its arrays' pages
        for job in missing.values():
            ready[job.key] = make_clip(job, fmt, cache, masters)
            events.clip_done(job, True)
        return ready, set(missing)
    pool: concurrent.futures.Executor
    if processes:
        count = min(workers, len(missing))
        # Each worker gets its share of the cores for engines with thread pools (onnxruntime).
        pool = process_pool(count, threads=max(1, (os.cpu_count() or 1) // count))
    else:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(make_clip, job, fmt, cache, masters): job for job in queue}
        for future in concurrent.futures.as_completed(futures):
            ready[futures[future].key] = future.result()
            events.clip_done(futures[future], True)
    except Exception:
        # One clip failed: what is running may finish (its clip is kept for the next
        # build), what has not started is cancelled.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    except BaseException:
        # Ctrl-C or SIGTERM: stop at once; finished clips are in the cache already.
        stop_now(pool)
        raise
    pool.shutdown(wait=True)
    return ready, set(missing)


def _on_shared_pool(
    pool: concurrent.futures.Executor, queue: list[ClipJob], fmt: AudioFormat,
    cache: ClipCache, events: Events, ready: dict[str, CachedClip], masters: bool = False,
) -> dict[str, CachedClip]:
    """Make the queue's clips on a pool someone else owns; cancel only our own work on failure."""
    # Workers may run elsewhere (another cwd, another machine): name the cache absolutely.
    remote_cache = ClipCache(cache.root.resolve(), remote=cache.remote)
    versions: dict[tuple[str, str, str, Any], tuple[str, str]] = {}
    for job in queue:
        place = (job.engine, job.lang, job.voice, job.options)
        if place not in versions:
            versions[place] = (_engine_version(job), mastering.encoder())
    futures = {pool.submit(make_clip_checked, job, fmt, remote_cache,
                           versions[(job.engine, job.lang, job.voice, job.options)], masters): job
               for job in queue}
    try:
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            made = future.result()
            ready[job.key] = dataclasses.replace(made, path=cache.path(made.key))
            events.clip_done(job, True)
    except Exception as exc:
        # One clip failed: what has not started is cancelled, what is running finishes
        # (its clip is kept for the next build); the pool goes on for its owner. A
        # cancelled future means the pool itself gave up (a lost Dask scheduler): its
        # running futures may never finish, so they are not awaited.
        for future in futures:
            future.cancel()
        if not isinstance(exc, concurrent.futures.CancelledError):
            concurrent.futures.wait(futures)
        raise
    except BaseException:
        # Ctrl-C or SIGTERM: cancel and return at once; the pool's owner stops it.
        for future in futures:
            future.cancel()
        raise
    return ready
