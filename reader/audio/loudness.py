"""Loudness (ITU-R BS.1770-4), true peak and resampling, in process.

These work on the samples the engine returned: loudness is libebur128's (the
reference implementation, through pyebur128), true peak interpolates with
numpy around the loudest samples, and resampling is libsoxr's.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

Signal = NDArray[np.float64]

_ABSOLUTE_GATE = -70.0
#: BS.1770's gating block: 400 ms.
BLOCK_SECONDS = 0.4
SILENT = -math.inf


def integrated(x: Signal, rate: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4: K-weighting, 400 ms blocks, both gates);
    -inf for silence. Measured by libebur128 (pyebur128), as ffmpeg's ebur128 does.

    `x` is mono, full scale ±1, measured as it is, from its first sample: a
    clip of 0.4 s or more is measured exactly as a meter reading the clip from
    its start does. One shorter than a block (a single short word), which the
    standard leaves unmeasured, is measured looped to 3 s: every block then
    holds the whole clip, so it reads the mean square of the clip, ungated.
    """
    if len(x) == 0:
        return SILENT
    if len(x) < BLOCK_SECONDS * rate:
        x = np.tile(x, math.ceil(3 * rate / len(x)))
    import pyebur128

    state = pyebur128.R128State(1, rate, pyebur128.MeasurementMode.MODE_I)
    state.add_frames(np.ascontiguousarray(x, np.float64), len(x))
    value = float(pyebur128.get_loudness_global(state))
    return value if value > _ABSOLUTE_GATE else SILENT


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
    # x[i-7 … i+8] around each start, read through a strided view of x (no copy of
    # x); the few starts within 8 samples of an end see silence beyond it.
    views = np.lib.stride_tricks.sliding_window_view(x, _TAPS_PER_PHASE) if n >= _TAPS_PER_PHASE \
        else np.zeros((1, _TAPS_PER_PHASE))
    windows = views[np.clip(starts - (half - 1), 0, len(views) - 1)]
    edge = np.flatnonzero((starts < half - 1) | (starts > n - half - 1))
    if len(edge):
        index = starts[edge, None] + np.arange(1 - half, half + 1)[None, :]
        inside = (index >= 0) & (index < n)
        windows[edge] = np.where(inside, x[np.clip(index, 0, n - 1)], 0.0)
    # The values at i + 1/4, 2/4, 3/4: einsum's own loops, not a BLAS matrix
    # product, which hung when two threads of a network build mastered clips at once.
    between = np.abs(np.einsum("ij,kj->ik", windows, taps[1:])).max(axis=1)
    envelope[starts] = np.maximum(envelope[starts], between)
    return envelope


def resample(x: Signal, rate: int, to: int) -> Signal:
    """The signal at another rate (libsoxr, its "high quality" setting: 20-bit, linear phase).

    Length becomes round(len × to / rate); the filter's delay is compensated.
    """
    if rate == to or len(x) == 0:
        return x
    import soxr

    return np.asarray(soxr.resample(x, rate, to, quality="HQ"), np.float64)


class Meter:
    """Integrated loudness of a signal given in consecutive blocks, as `integrated` measures
    it whole (libebur128 keeps the filters' state and the gating blocks between calls)."""

    def __init__(self, rate: int) -> None:
        import pyebur128

        self._state = pyebur128.R128State(1, rate, pyebur128.MeasurementMode.MODE_I)

    def add(self, block: Signal) -> None:
        """Measure the next samples (mono, full scale ±1)."""
        if len(block):
            self._state.add_frames(np.ascontiguousarray(block, np.float64), len(block))

    def integrated(self) -> float:
        """Integrated loudness in LUFS of everything added; -inf for silence."""
        import pyebur128

        value = float(pyebur128.get_loudness_global(self._state))
        return value if value > _ABSOLUTE_GATE else SILENT
