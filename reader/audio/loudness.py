"""Loudness (ITU-R BS.1770-4), true peak and resampling, in-process with numpy.

Every clip used to cost two ffmpeg processes for a measurement and an
encode; these functions work on the samples the engine already returned.
Filters are applied in the frequency domain (one FFT per signal, padded well
past the filters' decay), which computes the same result as running the
biquads sample by sample, at numpy speed.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

Signal = NDArray[np.float64]

#: BS.1770's K-weighting as analogue prototypes, so any sample rate gets its own
#: biquads (the standard tabulates 48 kHz only): a +4 dB high shelf, then the
#: "RLB" high-pass at 38 Hz. The design is libebur128's (ffmpeg's ebur128 uses
#: the same), which reproduces the standard's 48 kHz coefficients.
_SHELF = (3.999843853973347, 0.7071752369554196, 1681.974450955533)  # gain dB, Q, Hz
_HIGHPASS = (0.5003270373238773, 38.13547087602444)  # Q, Hz
_BLOCK, _HOP = 0.4, 0.1  # seconds: 400 ms gating blocks with 75 % overlap
_ABSOLUTE_GATE, _RELATIVE_GATE = -70.0, -10.0
#: Tail added before a filtering FFT, so the filters' response does not wrap round.
_TAIL_SECONDS = 0.25
SILENT = -math.inf


def _fast_size(n: int, factor: int = 1) -> int:
    """The smallest multiple of `factor` ≥ n whose cofactor has only 2, 3, 5 as primes."""
    m = -(-n // factor)
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m * factor
        m += 1


def _biquad_response(b: tuple[float, ...], a: tuple[float, ...], z: NDArray[np.complex128]
                     ) -> NDArray[np.complex128]:
    zi = 1 / z
    return (b[0] + b[1] * zi + b[2] * zi * zi) / (a[0] + a[1] * zi + a[2] * zi * zi)


@functools.cache
def k_weighting(rate: int) -> tuple[tuple[float, ...], tuple[float, ...],
                                    tuple[float, ...], tuple[float, ...]]:
    """The two K-weighting biquads at `rate` as (b, a) of the shelf, then of the high-pass."""
    gain, q, f0 = _SHELF
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0,
               (vh - vb * k / q + k * k) / a0)
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    q, f0 = _HIGHPASS
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_b = (1.0, -2.0, 1.0)
    high_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    return shelf_b, shelf_a, high_b, high_a


_TAPS, _FFT = 4096, 16384  # K-weighting as FIR: impulse-response length, FFT block


@functools.cache
def _k_response(rate: int) -> NDArray[np.complex128]:
    """K-weighting's response on an FFT block, through its impulse response cut at 4096 taps.

    The high-pass's slowest pole dies away within a few hundred samples at any
    rate reader uses, so the cut loses nothing measurable.
    """
    size = 1 << 16
    z = np.exp(1j * np.pi * np.arange(size // 2 + 1) / (size // 2))
    shelf_b, shelf_a, high_b, high_a = k_weighting(rate)
    response = _biquad_response(shelf_b, shelf_a, z) * _biquad_response(high_b, high_a, z)
    impulse = np.fft.irfft(response, size)[:_TAPS]
    return np.fft.rfft(impulse, _FFT).astype(np.complex64)


def k_weighted(x: Signal, rate: int) -> Signal:
    """The signal through both K-weighting filters, as if run sample by sample from rest.

    Overlap-save in blocks of 16384 with the cached response: small FFTs stay
    in cache and the response is computed once per rate.
    """
    step = _FFT - _TAPS
    count = -(-len(x) // step)
    padded = np.zeros(_TAPS + count * step + _TAPS, np.float32)
    padded[_TAPS : _TAPS + len(x)] = x
    # Blocks of _FFT samples starting every `step`: a view, copied once by the FFT.
    blocks = np.lib.stride_tricks.sliding_window_view(padded, _FFT)[::step][:count]
    spectrum = np.fft.rfft(blocks, axis=1) * _k_response(rate)
    out = np.fft.irfft(spectrum, _FFT, axis=1)
    return out[:, _TAPS:].ravel()[: len(x)].astype(np.float64)


def integrated(x: Signal, rate: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4 gating); -inf for silence.

    `x` is mono, full scale ±1. A clip shorter than a few blocks (one word) is
    measured looped to 3 s, as for ffmpeg's ebur128: looping leaves its
    loudness unchanged and gives the gate enough blocks.
    """
    if len(x) == 0:
        return SILENT
    if len(x) < 3 * rate:
        x = np.tile(x, math.ceil(3 * rate / len(x)))
    weighted = k_weighted(x, rate)
    block, hop = round(_BLOCK * rate), round(_HOP * rate)
    count = (len(x) - block) // hop + 1
    energy = np.concatenate(([0.0], np.cumsum(weighted * weighted)))
    starts = np.arange(count) * hop
    power = (energy[starts + block] - energy[starts]) / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(power)
    gated = power[levels > _ABSOLUTE_GATE]
    if not len(gated):
        return SILENT
    relative = -0.691 + 10 * math.log10(float(gated.mean())) + _RELATIVE_GATE
    kept = power[(levels > _ABSOLUTE_GATE) & (levels > relative)]
    return -0.691 + 10 * math.log10(float(kept.mean()))


_KAISER_BETA = 7.0
_TAPS_PER_PHASE = 16  # 4 phases × 16 taps (annex 2 of BS.1770-4 uses 12: this is flatter)


@functools.cache
def _interpolator(factor: int = 4) -> NDArray[np.float64]:
    """(factor, 16) Kaiser-windowed sinc taps: row p gives the value at i + p/factor.

    Taps apply to x[i-7] … x[i+8]. Like annex 2's 48-tap filter it needs only
    the neighbourhood of a peak; it finds the ideal (band-limited) peak within
    0.01 dB for content up to 0.8 × Nyquist (9.6 kHz at 24 kHz).
    """
    offsets = np.arange(-(_TAPS_PER_PHASE // 2) + 1, _TAPS_PER_PHASE // 2 + 1)
    half_width = _TAPS_PER_PHASE / 2 + 0.5
    rows = []
    for p in range(factor):
        t = p / factor - offsets
        window = np.i0(_KAISER_BETA * np.sqrt(np.clip(1 - (t / half_width) ** 2, 0, 1)))
        taps = np.sinc(t) * window / np.i0(_KAISER_BETA)
        rows.append(taps / taps.sum())
    return np.array(rows)


def peak_envelope(x: Signal, floor: float = 0.0) -> Signal:
    """Per sample, the highest |value| from it to the next sample, 4× oversampled.

    Only samples whose neighbourhood reaches `floor` are interpolated (the rest
    keep |x|): true peaks sit next to high samples, so giving a floor a few dB
    under the level of interest costs little and misses nothing there.
    """
    n = len(x)
    envelope = np.abs(x)
    if n < 2:
        return envelope
    high = envelope >= floor
    near = high.copy()
    near[:-1] |= high[1:]  # the interval before a high sample too
    starts = np.flatnonzero(near)
    if not len(starts):
        return envelope
    taps = _interpolator()
    half = _TAPS_PER_PHASE // 2
    padded = np.concatenate((np.zeros(half), x, np.zeros(half)))
    index = starts[:, None] + np.arange(_TAPS_PER_PHASE)[None, :] + 1
    windows = padded[index]
    # The values at i + 1/4, 2/4, 3/4, one phase at a time: elementwise, not a BLAS matrix
    # product, which hung when two threads of a network build mastered clips at once.
    between = np.stack([(windows * taps[p]).sum(axis=1) for p in range(1, len(taps))], axis=1)
    envelope[starts] = np.maximum(envelope[starts], np.abs(between).max(axis=1))
    return envelope


def true_peak(x: Signal, floor_db: float | None = None) -> float:
    """True peak in dBTP (BS.1770-4 annex 2: the peak of the 4× oversampled signal).

    Only samples within 6 dB of the loudest (or above `floor_db`, when asking
    whether a ceiling is passed) are interpolated around: speech does not rise
    that far between samples.
    """
    if len(x) == 0:
        return SILENT
    sample_peak = float(np.abs(x).max())
    if sample_peak == 0:
        return SILENT
    floor = sample_peak / 2 if floor_db is None else min(sample_peak, 10 ** (floor_db / 20))
    return 20 * math.log10(float(peak_envelope(x, floor=floor).max()))


def oversampled(x: Signal, factor: int = 4) -> Signal:
    """The signal at `factor` × its rate by ideal (FFT) interpolation; a reference for tests."""
    size = _fast_size(len(x) + 64)
    return np.fft.irfft(np.fft.rfft(x, size), size * factor)[: len(x) * factor] * factor


def resample(x: Signal, rate: int, to: int) -> Signal:
    """The signal at another rate, band-limited (the spectrum cut or zero-extended).

    Length becomes round(len × to / rate). The signal is padded with silence
    first, so the FFT's circularity never joins its end to its start.
    """
    if rate == to or len(x) == 0:
        return x
    g = math.gcd(rate, to)
    up, down = to // g, rate // g
    size = _fast_size(len(x) + rate // 20, down)
    out_size = size // down * up
    spectrum = np.fft.rfft(x, size)
    bins = out_size // 2 + 1
    if bins <= len(spectrum):
        spectrum = spectrum[:bins].copy()
        if out_size % 2 == 0:
            spectrum[-1] = spectrum[-1].real  # the Nyquist bin of a real signal is real
    else:
        spectrum = np.concatenate((spectrum, np.zeros(bins - len(spectrum), complex)))
    y = np.fft.irfft(spectrum, out_size) * (out_size / size)
    return y[: round(len(x) * to / rate)]
