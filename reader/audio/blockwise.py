"""Long clips mastered block by block: mastering.master's steps in memory that does not grow
with the clip, beyond its 16-bit samples.

A long clip is read in blocks of about ten seconds, several times over: to
find its sound, to measure its loudness, to find its true peaks, to set the
limiter, then to level, quantise and encode it. Only the engine's 16-bit
samples, the 16-bit master, one figure per 5 ms and the few samples near the
ceiling are held whole, where mastering it whole holds several float64 copies
(a 10-minute clip peaked at about 500 MB). Each step gives the numbers it
gives on the whole clip: libsoxr and libebur128 keep their state between
blocks, LAME is fed in pieces, each block's peaks are found with its
neighbours' samples. The one exception is the clip's energy (for the
limiter's loss), a sum of block sums that may differ from a sum over the
whole clip in its last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..config import AudioFormat
from ..errors import AudioError
from . import loudness, mastering_steps
from .loudness import Signal
from .mastering_steps import (
    _CHUNK_MS,
    _CODING_OVERSHOOT_DB,
    _ESTIMATE_ONLY_FROM_S,
    _ESTIMATE_ONLY_UP_TO_DB,
    _ESTIMATES,
    _LOUD_MARGIN_DB,
    _MARGIN_MS,
    FADE_IN_MS,
    FADE_OUT_MS,
    Levelling,
    Mastered,
    _chunk_energy,
    _limiter_gain,
    _quantise,
    corrected,
    encoder_gain_db,
    fitted_to_sound,
    lame_encoder,
)
from .pcm import Audio, moved_marks

#: A block: this many 5 ms chunks (about 10 s), so the chunks' figures come out as whole.
_BLOCK_CHUNKS = 2048

Blocks = Callable[[], Iterator[Signal]]


def master(audio: Audio, fmt: AudioFormat) -> Mastered | None:
    """The clip mastered as mastering.master does, a block at a time; None when its sound,
    trimmed, lasts under mastering_steps.BLOCKWISE_FROM_S (it is then mastered whole)."""
    source = np.frombuffer(audio.samples, "<i2")
    threshold = fmt.silence_threshold_db
    bounds = _sound_bounds(source, audio.rate, threshold)
    if bounds is None:
        raise AudioError("the engine produced silence")
    margin = audio.rate * _MARGIN_MS // 1000
    start, end = max(0, bounds[0] - margin), min(len(source), bounds[1] + margin)
    if end - start < mastering_steps.BLOCKWISE_FROM_S * audio.rate:
        return None
    rate = fmt.sample_rate
    blocks = _sound_blocks(source[start:end], audio.rate, bounds[0] - start,
                              bounds[1] - start, rate)
    meter, energy, length = loudness.Meter(rate), 0.0, 0
    for x in blocks():
        meter.add(x)
        energy += float(np.dot(x, x))
        length += len(x)
    marks = moved_marks(audio.marks, offset=start, scale=rate / audio.rate, length=length)
    measured = meter.integrated()
    if measured < -70:
        raise AudioError("the engine produced silence")
    gain = encoder_gain_db(fmt)
    aim = fmt.loudness_lufs - gain
    ceiling_db = fmt.true_peak_db - _CODING_OVERSHOOT_DB - gain
    level = _levelling(blocks, _Clip(length, energy, rate), measured, aim, ceiling_db)
    encoder = lame_encoder(fmt)
    pcm = np.empty(length, np.int16)
    mp3: list[bytes] = []
    loud: list[NDArray[np.bool_]] = []
    chunk = rate * _CHUNK_MS // 1000
    for at, x in _placed(blocks()):
        piece = _quantise(_applied(level, x, at, 32768.0))
        pcm[at : at + len(piece)] = piece
        mp3.append(bytes(encoder.encode(piece)))
        # Fitted to the levelled sound: what is heard (as mastering.master does).
        energies, _ = _chunk_energy(np.multiply(piece, 1 / 32768.0, dtype=np.float64), rate)
        loud.append(energies >= chunk * 10 ** (threshold / 10))
    mp3.append(bytes(encoder.flush()))
    marks = fitted_to_sound(marks, np.concatenate(loud), chunk, rate)
    return Mastered(b"".join(mp3), pcm, rate, marks, audio.timing)


@dataclass(frozen=True)
class _Clip:
    """What levelling needs to know of the whole clip."""

    length: int
    energy: float
    rate: int


def _sound_bounds(source: NDArray[np.int16], rate: int,
                  threshold_db: float) -> tuple[int, int] | None:
    """mastering._sound_bounds, with the 5 ms chunks' energies found a block at a time."""
    chunk = max(1, rate * _CHUNK_MS // 1000)
    size = chunk * _BLOCK_CHUNKS
    energy = np.concatenate([
        _chunk_energy(np.multiply(source[a : a + size], 1 / 32768.0, dtype=np.float64), rate)[0]
        for a in range(0, len(source), size)])
    loud = np.flatnonzero(energy >= chunk * 10 ** (threshold_db / 10))
    if not len(loud):
        return None
    return int(loud[0]) * chunk, min(len(source), (int(loud[-1]) + 1) * chunk)


def _sound_blocks(sound: NDArray[np.int16], rate: int, start: int, end: int,
                     to: int) -> Blocks:
    """The trimmed sound faded as mastering._fade fades it and brought to rate `to`,
    as a source of blocks of _BLOCK_CHUNKS chunks (the last one shorter)."""
    fade_in = min(end - start, rate * FADE_IN_MS // 1000)
    rise = np.sin(0.5 * np.pi * (np.arange(fade_in) + 0.5) / fade_in) ** 2
    fade_out = min(end - start, rate * FADE_OUT_MS // 1000)
    fall = np.cos(0.5 * np.pi * (np.arange(fade_out) + 0.5) / fade_out) ** 2
    size = max(1, rate * _CHUNK_MS // 1000) * _BLOCK_CHUNKS

    def faded() -> Iterator[tuple[Signal, bool]]:
        for a in range(0, len(sound), size):
            y = np.multiply(sound[a : a + size], 1 / 32768.0, dtype=np.float64)
            y[: max(0, start - a)] = 0.0
            _ramp(y, a, start, rise)
            _ramp(y, a, end - fade_out, fall)
            y[max(0, end - a):] = 0.0
            yield y, a + size >= len(sound)

    def resampled() -> Iterator[Signal]:
        if rate == to:
            yield from (y for y, _ in faded())
            return
        import soxr

        stream = soxr.ResampleStream(rate, to, 1, dtype="float64", quality="HQ")
        for y, last in faded():
            yield stream.resample_chunk(y, last=last)

    return lambda: _rechunked(resampled(), max(1, to * _CHUNK_MS // 1000) * _BLOCK_CHUNKS)


def _ramp(y: Signal, at: int, start: int, ramp: Signal) -> None:
    """Multiply the block `y` (samples from `at`) by `ramp` where it lies (from `start`)."""
    low, high = max(start, at), min(start + len(ramp), at + len(y))
    if low < high:
        y[low - at : high - at] *= ramp[low - start : high - start]


def _rechunked(blocks: Iterator[Signal], size: int) -> Iterator[Signal]:
    """The same samples in blocks of exactly `size` (the last one shorter)."""
    held: list[Signal] = []
    count = 0
    for block in blocks:
        held.append(block)
        count += len(block)
        if count >= size:
            joined = np.concatenate(held)
            whole = len(joined) // size * size
            for a in range(0, whole, size):
                yield joined[a : a + size]
            held, count = [joined[whole:]], len(joined) - whole
    if count:
        yield np.concatenate(held)


def _placed(blocks: Iterator[Signal]) -> Iterator[tuple[int, Signal]]:
    """Each block with the index of its first sample."""
    at = 0
    for block in blocks:
        yield at, block
        at += len(block)


def _envelopes(blocks: Blocks, floor: float) -> Iterator[tuple[int, Signal]]:
    """loudness.peak_envelope of the whole signal, a block at a time: each block is
    oversampled with its neighbours' samples around it (silence beyond the ends)."""
    half = loudness._TAPS_PER_PHASE // 2
    before = np.zeros(half)
    items = _placed(blocks())
    ahead: list[tuple[int, Signal]] = []
    while True:
        # The blocks after this one, until they hold `half` samples (or the signal ends).
        while sum(len(x) for _, x in ahead[1:]) < half and (item := next(items, None)):
            ahead.append(item)
        if not ahead:
            return
        at, x = ahead.pop(0)
        after = np.concatenate([*(y for _, y in ahead), np.zeros(half)])[:half]
        padded = np.concatenate([before, x, after])
        yield at, loudness.peak_envelope(padded, floor=floor)[half : half + len(x)]
        before = np.concatenate([before, x])[-half:]


def _over(blocks: Blocks, floor: float, level: float) -> tuple[NDArray[np.intp], Signal]:
    """The samples whose true peak (found above `floor`) passes `level`, and those peaks."""
    where: list[NDArray[np.intp]] = []
    peaks: list[Signal] = []
    for at, envelope in _envelopes(blocks, floor):
        found = np.flatnonzero(envelope > level)
        where.append(found + at)
        peaks.append(envelope[found])
    return np.concatenate(where), np.concatenate(peaks)


def _gathered(blocks: Blocks, samples: NDArray[np.intp]) -> Signal:
    """x[samples] (sorted indices), read a block at a time."""
    out = np.empty(len(samples))
    for at, x in _placed(blocks()):
        low, high = np.searchsorted(samples, [at, at + len(x)])
        out[low:high] = x[samples[low:high] - at]
    return out


def _applied(level: Levelling, x: Signal, at: int, scale: float = 1.0) -> Signal:
    """Levelling.applied on the block `x` (samples from `at`)."""
    y = x * (10 ** (level.gain_db / 20) * scale)
    if level.held is not None:
        samples, gains = level.held
        low, high = np.searchsorted(samples, [at, at + len(x)])
        y[samples[low:high] - at] *= gains[low:high]
    return y


def _measured(blocks: Blocks, level: Levelling, rate: int) -> float:
    """Integrated loudness of the clip levelled."""
    meter = loudness.Meter(rate)
    for at, x in _placed(blocks()):
        meter.add(_applied(level, x, at))
    return meter.integrated()


def _levelling(blocks: Blocks, clip: _Clip, measured: float, aim: float,
               ceiling_db: float) -> Levelling:
    """mastering.levelling, reading the clip a block at a time (see its docstring)."""
    gain_db = aim - measured
    loud_floor = 10 ** ((ceiling_db - gain_db - _LOUD_MARGIN_DB) / 20)
    # The envelope is kept only where it is near the ceiling (what the limiter looks at).
    loud, loud_peaks = _over(blocks, loud_floor, loud_floor)

    def at(gain_db: float) -> Levelling:
        ceiling = 10 ** ((ceiling_db - gain_db) / 20)
        candidates, peaks = ((loud, loud_peaks) if ceiling > loud_floor
                             else _over(blocks, loud_floor, ceiling))
        over = peaks > ceiling
        return Levelling(gain_db, _limiter_gain(candidates[over], ceiling / peaks[over],
                                                clip.length, clip.rate))

    for _ in range(_ESTIMATES):
        level = at(gain_db)
        if level.held is None:
            return level
        samples, gains = level.held
        kept = _gathered(blocks, samples)
        removed = float(np.dot(kept, kept)) - float(np.dot(kept * gains, kept * gains))
        gain_db = aim - measured - 10 * math.log10((clip.energy - removed) / clip.energy)
    level = at(gain_db)
    loss = gain_db - (aim - measured)
    if clip.length >= _ESTIMATE_ONLY_FROM_S * clip.rate and loss <= _ESTIMATE_ONLY_UP_TO_DB:
        return level
    return corrected(at, level, aim, lambda level: _measured(blocks, level, clip.rate))
