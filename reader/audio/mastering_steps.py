"""The steps of mastering a clip, shared by the whole-clip master (mastering.py) and the
block-by-block one (blockwise.py): finding the sound, trimming and fading it, loudness and
the limiter's levelling, fitting word marks to what is heard, and encoding with LAME.

See mastering.py for what a mastered clip is and why it is levelled for the decoded MP3.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..config import AudioFormat
from ..errors import AudioError
from . import loudness
from .frames import Stream, audio_frames
from .loudness import Signal
from .pcm import Audio, WordMark

#: Bump when mastering changes the sound: every cached clip is then re-made.
MASTERING_VERSION = 6
#: LAME's quality setting (0 best … 9 fastest). 7 encodes about twice as fast
#: as LAME's default and scores no lower in PESQ-WB on the sample's speech at
#: 64 kbit/s (benchmarks/encoder_quality.py measures it).
LAME_QUALITY = 7
#: LAME's encoder delay: the samples it puts before the first input sample.
ENCODER_DELAY = 576
#: Silence kept at each end after trimming, so consonants are not clipped.
_MARGIN_MS = 30
_CHUNK_MS = 5
#: Silence this long is a pause between words; a word that starts up to _LATE_MS after
#: one ends starts where it ends (see `fitted`).
_PAUSE_MS, _LATE_MS = 30, 80
#: Fades inside the clip (no time moves), at the ends of the sound: a short one
#: in, since engines start a waveform from digital silence at full swing; a long
#: one out, since espeak stops mid-waveform.
FADE_IN_MS = 10
FADE_OUT_MS = 50
#: How far MP3 coding may lift a true peak above the master's (scaled by the
#: encoder's gain). Measured on 76 espeak clips: at most 0.26 dB at 64 kbit/s,
#: 0.76 dB at 32 kbit/s, 0.19 dB at 192 kbit/s.
_CODING_OVERSHOOT_DB = 1.0
_ESTIMATES, _LEVEL_PASSES, _LEVEL_TOLERANCE_LU = 2, 4, 0.05
#: Clips this long and limited this lightly keep the estimated gain unmeasured.
_ESTIMATE_ONLY_FROM_S, _ESTIMATE_ONLY_UP_TO_DB = 20, 0.5
#: How far under the ceiling the limiter's candidates are looked for (what the
#: gain may rise by while the limiter's loss is made up, with room to spare).
_LOUD_MARGIN_DB = 6.0
#: Clips whose sound lasts longer than this are mastered block by block (blockwise.py):
#: the same result in memory that does not grow with the clip beyond its 16-bit samples.
BLOCKWISE_FROM_S = 120


@dataclass(frozen=True)
class Mastered:
    """One mastered piece: its MP3 frames and the PCM that was encoded (the master),
    both at the book's rate."""

    mp3: bytes
    master: NDArray[np.int16]
    rate: int
    #: The words' places in the master (samples at `rate`) and how they were found.
    marks: tuple[WordMark, ...] = ()
    timing: str = "none"
    #: First and one-past-last sample of the master's sound as heard (`heard_span`);
    #: None for silence.
    sound: tuple[int, int] | None = None

    @property
    def samples(self) -> int:
        """Samples of audio the MP3 decodes to, less delay and padding."""
        return len(self.master)

    def flac(self) -> bytes:
        """The master as a FLAC file (lossless, about half the size of the PCM)."""
        import soundfile

        out = io.BytesIO()
        soundfile.write(out, self.master, self.rate, format="FLAC", subtype="PCM_16")
        return out.getvalue()

    @functools.cached_property
    def stream(self) -> Stream:
        """The MP3's audio frames, counted (parsed once)."""
        return audio_frames(self.mp3)

    @property
    def edges(self) -> tuple[int, int]:
        """Silent samples at the start and the end of the MP3's frames, as laid in the book:
        the encoder's delay and the master's leading silence; its trailing silence and
        the padding. All of it is silence for a silence piece."""
        total = self.stream.count * self.stream.samples_per_frame
        if self.sound is None:
            return total, total
        return ENCODER_DELAY + self.sound[0], total - ENCODER_DELAY - self.sound[1]

    @property
    def padding(self) -> int:
        """Samples LAME appended after the audio (for the gapless header)."""
        stream = self.stream
        return stream.count * stream.samples_per_frame - ENCODER_DELAY - self.samples


@functools.cache
def encoder() -> str:
    """The encoder and its settings; part of every clip's cache key (encoders change)."""
    from importlib.metadata import version

    import soundfile

    return (f"lameenc {version('lameenc')} q{LAME_QUALITY}, soxr {version('soxr')}, "
            f"pyebur128 {version('pyebur128')}, libsndfile {soundfile.__libsndfile_version__}")


def _signal(audio: Audio) -> Signal:
    return np.multiply(np.frombuffer(audio.samples, "<i2"), 1 / 32768.0, dtype=np.float64)


def _chunk_energy(x: Signal, rate: int) -> tuple[Signal, int]:
    """Energy of each 5 ms chunk of x (the last, short one as if padded), and the chunk size."""
    chunk = max(1, rate * _CHUNK_MS // 1000)
    whole = len(x) // chunk * chunk
    chunks = x[:whole].reshape(-1, chunk)
    energy = np.einsum("ij,ij->i", chunks, chunks)
    if whole < len(x):  # the last, short chunk counts as if padded with silence
        energy = np.append(energy, np.dot(x[whole:], x[whole:]))
    return energy, chunk


def _sound_bounds(x: Signal, rate: int, threshold_db: float) -> tuple[int, int] | None:
    """First and one-past-last sample of the chunks louder than threshold (RMS, dBFS)."""
    energy, chunk = _chunk_energy(x, rate)
    loud = np.flatnonzero(energy >= chunk * 10 ** (threshold_db / 10))
    if not len(loud):
        return None
    return int(loud[0]) * chunk, min(len(x), (int(loud[-1]) + 1) * chunk)


def heard_span(x: Signal, rate: int, threshold_db: float) -> tuple[int, int] | None:
    """First and last sample whose 10 ms around it reach threshold_db dBFS (RMS), found at
    every sample: where a listener's sound starts and stops (None: silence)."""
    window = max(1, rate // 100)
    if len(x) < window:
        return None
    power = np.concatenate(([0.0], np.cumsum(x * x)))
    loud = np.flatnonzero(power[window:] - power[:-window] >= window * 10 ** (threshold_db / 10))
    if not len(loud):
        return None
    return int(loud[0]) + window // 2, int(loud[-1]) + window // 2 + 1


def sound_bounds(audio: Audio, threshold_db: float) -> tuple[int, int] | None:
    """First and one-past-last sample of the audio's sound (louder than threshold_db dBFS)."""
    return _sound_bounds(_signal(audio), audio.rate, threshold_db)


def _edges(audio: Audio, threshold_db: float) -> tuple[Signal, int]:
    """The clip's sound, cut and faded as `edged` says, and the sample it was cut from."""
    x = _signal(audio)
    bounds = _sound_bounds(x, audio.rate, threshold_db)
    if bounds is None:
        return x[:0], 0
    margin = audio.rate * _MARGIN_MS // 1000
    start, end = max(0, bounds[0] - margin), min(len(x), bounds[1] + margin)
    return _fade(x[start:end], audio.rate, bounds[0] - start, bounds[1] - start), start


def _pauses(loud: NDArray[np.bool_], chunk: int) -> list[tuple[int, int]]:
    """(first, one-past-last sample) of each silent run of at least _PAUSE_MS."""
    edges = np.flatnonzero(np.diff(np.concatenate(([1], loud.astype(np.int8), [1]))))
    runs = edges.reshape(-1, 2)  # silent runs alternate: starts at even edges, ends at odd
    shortest = _PAUSE_MS // _CHUNK_MS
    return [(int(a) * chunk, int(b) * chunk) for a, b in runs if b - a >= shortest]


def fitted(marks: tuple[WordMark, ...], x: Signal, rate: int,
           threshold_db: float) -> tuple[WordMark, ...]:
    """Marks moved onto their sound (within 5 ms): a word after a pause starts where the
    pause ends, a start in silence moves to where the word's sound begins, an end back to
    where it stops.

    An engine's word begins with its first phoneme, which may be the silent
    closure of a stop (Mandarin's z- or d-, 40–50 ms), and ends where the next
    word begins, pause included; a time stretch (WSOLA) moves sound by up to
    half its window (40 ms seen at 0.5×) against a linear scale. A word is
    shown while it is heard.
    """
    if not marks:
        return marks
    energy, chunk = _chunk_energy(x, rate)
    return fitted_to_sound(marks, energy >= chunk * 10 ** (threshold_db / 10), chunk, rate)


def fitted_to_sound(marks: tuple[WordMark, ...], loud: NDArray[np.bool_], chunk: int,
                    rate: int) -> tuple[WordMark, ...]:
    """`fitted`, given which chunks of `chunk` samples are louder than the threshold."""
    if not marks:
        return marks
    pauses = _pauses(loud, chunk)
    late = rate * _LATE_MS // 1000
    starts: list[int] = []
    for k, mark in enumerate(marks):
        start = mark.start
        for begin, end in pauses:
            # the pause ends at most `late` before the mark, and no earlier word starts after it
            if (begin <= start <= end + late and end < mark.end
                    and (k == 0 or marks[k - 1].start < begin)):
                start = end
                break
        first, last = start // chunk, -(-mark.end // chunk)
        heard = np.flatnonzero(loud[first:last])
        if len(heard):
            start = max(start, (first + int(heard[0])) * chunk)
        starts.append(max([start, *starts[-1:]]))
    out = []
    for k, mark in enumerate(marks):
        start = starts[k]
        end = min(mark.end, starts[k + 1]) if k + 1 < len(marks) else mark.end
        first, last = start // chunk, -(-end // chunk)
        heard = np.flatnonzero(loud[first:last])
        if len(heard):
            end = min(end, (first + int(heard[-1]) + 1) * chunk)
        out.append(WordMark(start, max(end, start + 1), mark.text_start, mark.text_end))
    return tuple(out)


def edged(audio: Audio, threshold_db: float) -> Signal:
    """The clip's sound, with a margin of silence each side and faded ends (empty if silent).

    Leading and trailing silence (quieter than threshold_db dBFS) is cut,
    keeping a margin so consonants are not clipped; then faded at both ends.
    """
    return _edges(audio, threshold_db)[0]


def _fade(y: Signal, rate: int, start: int, end: int) -> Signal:
    """`y` with raised-cosine fades (in place), in from where the sound starts (`start`) and
    out to where it ends (`end`); the quiet margins outside become digital silence, so the
    clip keeps its length and no step is left between silence and speech."""
    fade_in = min(end - start, rate * FADE_IN_MS // 1000)
    y[:start] = 0.0
    y[start : start + fade_in] *= np.sin(0.5 * np.pi * (np.arange(fade_in) + 0.5) / fade_in) ** 2
    fade_out = min(end - start, rate * FADE_OUT_MS // 1000)
    ramp = np.cos(0.5 * np.pi * (np.arange(fade_out) + 0.5) / fade_out) ** 2
    y[end - fade_out : end] *= ramp
    y[end:] = 0.0
    return y


def _limiter_gain(over: NDArray[np.intp], need: Signal, length: int,
                  rate: int) -> tuple[NDArray[np.intp], Signal] | None:
    """The samples a limiter changes and the gain it gives them (None: none changed).

    `over` are the samples whose true peak passes the ceiling and `need` the
    gain each needs. The gain per sample is the minimum over ±2 blocks of
    2.5 ms, interpolated between block centres, so it never exceeds what any
    sample needs and moves in ~10 ms ramps (no clicks). Quiet stretches are
    not touched, so only the loud few per cent of a clip are returned.
    """
    if not len(over):
        return None
    block = max(1, rate // 400)
    count = -(-length // block)
    per_block = np.ones(count)
    np.minimum.at(per_block, over // block, need)
    wide = per_block.copy()
    for shift in (1, 2):
        wide[shift:] = np.minimum(wide[shift:], per_block[:-shift])
        wide[:-shift] = np.minimum(wide[:-shift], per_block[shift:])
    touched = np.flatnonzero(wide < 1.0)
    if not len(touched):
        return None
    near = np.unique(np.clip(touched[:, None] + np.arange(-1, 2)[None, :], 0, count - 1))
    centres = near * block + (block - 1) / 2
    samples = (near[:, None] * block + np.arange(block)[None, :]).ravel()
    samples = samples[samples < length]
    return samples, np.interp(samples, centres, wide[near])


@dataclass(frozen=True)
class Levelling:
    """How a clip is levelled: a gain, then the limiter's gain on the samples it changes."""

    gain_db: float
    held: tuple[NDArray[np.intp], Signal] | None

    def applied(self, x: Signal, scale: float = 1.0) -> Signal:
        """x levelled (a new array), times `scale` (32768 for 16-bit samples)."""
        y = x * (10 ** (self.gain_db / 20) * scale)
        if self.held is not None:
            y[self.held[0]] *= self.held[1]
        return y


def levelling(x: Signal, envelope: Signal, measured: float, aim: float, ceiling_db: float,
              rate: int) -> Levelling:
    """What brings x (measuring `measured` LUFS) to `aim` LUFS with its true peaks under the
    ceiling.

    Limiting takes loudness away. Its loss is estimated from the energy the
    limiter removes (no filtering needed: only the loud few per cent of the
    samples change), and the gain raised by it. On a long clip that is lightly
    limited the estimate is the answer: on the sample's text, clips over 20 s
    with losses of 0.2–0.35 dB landed within ±0.015 LU of the aim by it
    alone. A short clip (its few 400 ms blocks make the gate sensitive: a
    3.2 s clip missed by 0.16 LU) or a heavily limited one is then measured,
    and while it misses by more than 0.05 LU the gain is corrected (by the
    secant through the last two passes: each dB of gain adds less than a dB
    once the limiter holds the peaks) and measured again.
    """
    energy = float(np.dot(x, x))
    gain_db = aim - measured
    # The limiter only ever looks at samples near the ceiling: find them once.
    loud_floor = 10 ** ((ceiling_db - gain_db - _LOUD_MARGIN_DB) / 20)
    loud = np.flatnonzero(envelope > loud_floor)

    def at(gain_db: float) -> Levelling:
        ceiling = 10 ** ((ceiling_db - gain_db) / 20)
        candidates = loud if ceiling > loud_floor else np.flatnonzero(envelope > ceiling)
        over = candidates[envelope[candidates] > ceiling]
        return Levelling(gain_db, _limiter_gain(over, ceiling / envelope[over], len(x), rate))

    for _ in range(_ESTIMATES):  # the second lands within ±0.02 LU on the sample's clips
        level = at(gain_db)
        if level.held is None:  # nothing limited: it measures measured + gain exactly
            return level
        samples, gains = level.held
        kept = x[samples]
        removed = float(np.dot(kept, kept)) - float(np.dot(kept * gains, kept * gains))
        gain_db = aim - measured - 10 * math.log10((energy - removed) / energy)
    level = at(gain_db)
    loss = gain_db - (aim - measured)
    if len(x) >= _ESTIMATE_ONLY_FROM_S * rate and loss <= _ESTIMATE_ONLY_UP_TO_DB:
        return level
    return corrected(at, level, aim, lambda level: loudness.integrated(level.applied(x), rate))


def corrected(at: Callable[[float], Levelling], level: Levelling, aim: float,
              measure: Callable[[Levelling], float]) -> Levelling:
    """A levelling measured and corrected until it lands within _LEVEL_TOLERANCE_LU of the
    aim (at most _LEVEL_PASSES measurements), each step by the slope the last two showed.

    `at` makes the levelling for a gain; `measure` its loudness, however the clip is read.
    """
    gain_db = level.gain_db
    before = None
    for _ in range(_LEVEL_PASSES):
        got = measure(level)
        if abs(got - aim) <= _LEVEL_TOLERANCE_LU:
            break
        slope = 1.0
        if before is not None and gain_db != before[0]:
            slope = (got - before[1]) / (gain_db - before[0])
        before = (gain_db, got)
        gain_db += (aim - got) / min(1.0, max(0.2, slope))
        level = at(gain_db)
    return level


def _encode(pcm: NDArray[np.int16], fmt: AudioFormat) -> bytes:
    """LAME, CBR at the book's bit rate; `pcm` is at the book's rate (LAME's own
    resampler costs as much again as the encoding: libsoxr resampled it)."""
    encoder = lame_encoder(fmt)
    data = bytes(encoder.encode(np.ascontiguousarray(pcm, "<i2"))) + bytes(encoder.flush())
    if not data:
        raise AudioError("LAME produced no MP3 frames")
    return data


def lame_encoder(fmt: AudioFormat) -> Any:
    """A LAME encoder (lameenc) set up for the book's format: mono 16-bit PCM at its rate
    in, CBR frames out; fed in pieces, it gives the same frames as fed whole."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(fmt.bitrate_kbps)
    encoder.set_in_sample_rate(fmt.sample_rate)
    encoder.set_out_sample_rate(fmt.sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    return encoder


def decode_mp3(data: bytes) -> tuple[Signal, int]:
    """MP3 bytes → (mono samples at ±1, rate), decoded in-process by libsndfile (mpg123)."""
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise AudioError(f"cannot decode an MP3 clip: {exc}") from None
    return samples.mean(axis=1, dtype=np.float64), int(rate)


def _quantise(y: Signal) -> NDArray[np.int16]:
    """Samples already at 16-bit scale (±32768) rounded to 16 bits; `y` is overwritten."""
    np.round(y, out=y)
    np.clip(y, -32768, 32767, out=y)
    return y.astype(np.int16)


def encoder_gain_db(fmt: AudioFormat) -> float:
    """The gain LAME applies to what it encodes in this format, in dB (negative: quieter).

    LAME scales its input (0.95, −0.45 dB, at 22.05–48 kHz and 64 kbit/s;
    −0.26 dB at 44.1 kHz and 192 kbit/s; 0 from 256 kbit/s), the same on every
    clip of a format to 0.01 LU. It is measured once per format and process:
    5 s of noise band-limited to where speech is loudest (100 Hz–3 kHz) is
    encoded, decoded, aligned, and its middle projected on the original, which
    counts the scale and not the coding noise (that adds under 0.03 LU to
    speech at 32 kbit/s).
    """
    return _lame_gain_db(fmt.sample_rate, fmt.bitrate_kbps)


@functools.cache
def _lame_gain_db(rate: int, bitrate_kbps: int) -> float:
    fmt = AudioFormat(sample_rate=rate, bitrate_kbps=bitrate_kbps)
    size = 5 * rate
    spectrum = np.fft.rfft(np.random.default_rng(1770).standard_normal(size))
    frequencies = np.fft.rfftfreq(size, 1 / rate)
    spectrum[(frequencies < 100) | (frequencies > 4000)] = 0
    noise = np.fft.irfft(spectrum, size)
    original = _quantise(noise * (0.1 * 32768.0 / np.sqrt(np.mean(noise**2)))) / 32768.0
    decoded, _ = decode_mp3(_encode(_quantise(original * 32768.0), fmt))
    decoded = np.pad(decoded, (0, max(0, 2 * size - len(decoded))))[: 2 * size]
    correlation = np.fft.irfft(np.fft.rfft(decoded) * np.conj(np.fft.rfft(original, 2 * size)))
    lag = int(np.argmax(correlation[: 4 * ENCODER_DELAY]))
    middle = slice(rate, 4 * rate)
    scale = np.dot(decoded[lag:][middle], original[middle]) / np.dot(original[middle],
                                                                      original[middle])
    return 20 * math.log10(scale)
