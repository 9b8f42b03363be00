"""Engine audio → a mastered clip: trimmed, faded, loudness-normalised, CBR MP3.

Every clip of a book comes out in the same format (mono, one rate, one
bitrate, no Xing header, no tags), so the book is made by joining frames.

All of it runs in this process, on the samples the engine returned: trimming,
resampling, fades, loudness (BS.1770-4) and true peak with numpy (loudness.py),
encoding with LAME through its binding (lameenc) and decoding the result back
with libsndfile (soundfile) to check it. The decoded clip is what is measured,
because LAME's quantisation removes 0.3–0.5 LU of what K-weighting counts:
the gain is corrected and the clip encoded again when it missed the target.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..config import AudioFormat
from ..errors import AudioError
from . import loudness
from .loudness import Signal
from .pcm import Audio

#: Bump when mastering changes the sound: every cached clip is then re-made.
MASTERING_VERSION = 3
#: LAME's quality setting (0 best … 9 fastest). 7 encodes about twice as fast
#: as LAME's default and scores no lower in PESQ-WB on the sample's speech at
#: 64 kbit/s (benchmarks/encoder_quality.py measures it).
LAME_QUALITY = 7
#: LAME's encoder delay: the samples it puts before the first input sample.
ENCODER_DELAY = 576
#: Silence kept at each end after trimming, so consonants are not clipped.
_MARGIN_MS = 30
_CHUNK_MS = 5
#: Fades inside the clip (no time moves): a short one in, against a click where
#: the trim cut; a long one out, since espeak stops mid-waveform.
FADE_IN_MS = 5
FADE_OUT_MS = 50
#: How close the decoded clip must come to the target before it is accepted;
#: the test allows ±0.2 LU, this leaves room for decoders' own rounding.
_TOLERANCE_LU = 0.15
#: What LAME's quantisation usually takes away at speech bit rates, added up
#: front so most clips need one encode.
_EXPECTED_LOSS_LU = 0.6
#: Headroom under the ceiling for the limiter: MP3 decoding overshoots a little.
_LIMIT_MARGIN_DB = 0.5
_ATTEMPTS = 4


@dataclass(frozen=True)
class Mastered:
    """One mastered piece: its MP3 frames and the PCM that was encoded (the master).

    The master keeps the engine's rate (`rate`); LAME resampled it to the
    book's (`out_rate`) as it encoded.
    """

    mp3: bytes
    master: NDArray[np.int16]
    rate: int
    out_rate: int

    @property
    def samples(self) -> int:
        """Samples of audio the MP3 decodes to (at the book's rate), less delay and padding.

        LAME's resampler gives round(n × out / in) samples, give or take one.
        """
        return round(len(self.master) * self.out_rate / self.rate)

    def flac(self) -> bytes:
        """The master as a FLAC file (lossless, about half the size of the PCM)."""
        import soundfile

        out = io.BytesIO()
        soundfile.write(out, self.master, self.rate, format="FLAC", subtype="PCM_16")
        return out.getvalue()

    @property
    def padding(self) -> int:
        """Samples LAME appended after the audio (for the gapless header)."""
        from .frames import audio_frames

        stream = audio_frames(self.mp3)
        return stream.count * stream.samples_per_frame - ENCODER_DELAY - self.samples


@functools.cache
def encoder() -> str:
    """The encoder and its settings; part of every clip's cache key (encoders change)."""
    from importlib.metadata import version

    import soundfile

    return (f"lameenc {version('lameenc')} q{LAME_QUALITY}, "
            f"libsndfile {soundfile.__libsndfile_version__}")


def _signal(audio: Audio) -> Signal:
    return np.frombuffer(audio.samples, "<i2").astype(np.float64) / 32768.0


def _sound_bounds(x: Signal, rate: int, threshold_db: float) -> tuple[int, int] | None:
    """First and one-past-last sample of the chunks louder than threshold (RMS, dBFS)."""
    chunk = max(1, rate * _CHUNK_MS // 1000)
    count = len(x) // chunk + (len(x) % chunk > 0)
    padded = np.zeros(count * chunk)
    padded[: len(x)] = x
    rms = np.sqrt((padded.reshape(count, chunk) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms >= 10 ** (threshold_db / 20))
    if not len(loud):
        return None
    return int(loud[0]) * chunk, min(len(x), (int(loud[-1]) + 1) * chunk)


def trim(audio: Audio, threshold_db: float) -> Audio:
    """Cut leading and trailing silence (quieter than threshold_db dBFS), keeping a margin."""
    x = _signal(audio)
    bounds = _sound_bounds(x, audio.rate, threshold_db)
    if bounds is None:
        return Audio(b"", audio.rate)
    margin = audio.rate * _MARGIN_MS // 1000
    start, end = max(0, bounds[0] - margin), min(len(x), bounds[1] + margin)
    return Audio(audio.samples[start * 2 : end * 2], audio.rate)


def faded(x: Signal, rate: int, threshold_db: float) -> Signal:
    """Raised-cosine fades: in over the first ms, out over the last ms of sound.

    The fade-out ends where the sound ends (the last chunk above the silence
    threshold); the quiet margin after it becomes digital silence, so the clip
    keeps its length and no step is left between speech and silence.
    """
    y = x.copy()
    bounds = _sound_bounds(y, rate, threshold_db)
    if bounds is None:
        return np.zeros_like(y)
    fade_in = min(len(y), rate * FADE_IN_MS // 1000)
    y[:fade_in] *= np.sin(0.5 * np.pi * (np.arange(fade_in) + 0.5) / fade_in) ** 2
    end = bounds[1]
    fade_out = min(end, rate * FADE_OUT_MS // 1000)
    ramp = np.cos(0.5 * np.pi * (np.arange(fade_out) + 0.5) / fade_out) ** 2
    y[end - fade_out : end] *= ramp
    y[end:] = 0.0
    return y


def limited(x: Signal, envelope: Signal, ceiling_db: float, rate: int) -> Signal:
    """The signal with its true peaks held at `ceiling_db` by a smooth look-ahead gain.

    `envelope` is x's oversampled peak envelope (loudness.peak_envelope).

    The gain needed per sample (from the 4× oversampled envelope) is taken as
    the minimum over ±2 blocks of 2.5 ms and interpolated between block
    centres, so it never exceeds what any sample needs and moves in ~10 ms
    ramps (no clicks). Quiet stretches are not touched.
    """
    ceiling = 10 ** (ceiling_db / 20)
    if envelope.max() <= ceiling:
        return x
    need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    block = max(1, rate // 400)
    count = -(-len(x) // block)
    padded = np.ones(count * block)
    padded[: len(x)] = need
    per_block = padded.reshape(count, block).min(axis=1)
    wide = per_block.copy()
    for shift in (1, 2):
        wide[shift:] = np.minimum(wide[shift:], per_block[:-shift])
        wide[:-shift] = np.minimum(wide[:-shift], per_block[shift:])
    # Only blocks near one that needs gain are touched: most of a clip is not.
    touched = np.flatnonzero(wide < 1.0)
    if not len(touched):
        return x
    near = np.unique(np.clip(touched[:, None] + np.arange(-1, 2)[None, :], 0, count - 1))
    centres = near * block + (block - 1) / 2
    samples = (near[:, None] * block + np.arange(block)[None, :]).ravel()
    samples = samples[samples < len(x)]
    out = x.copy()
    out[samples] *= np.interp(samples, centres, wide[near])
    return out


def _encode(pcm: NDArray[np.int16], fmt: AudioFormat, rate: int | None = None) -> bytes:
    import lameenc

    rate = rate or fmt.sample_rate
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(fmt.bitrate_kbps)
    # LAME resamples (a windowed-sinc filter) when the engine's rate differs
    # from the book's: cheaper than doing it here, and PESQ scores it as high.
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(fmt.sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    data = bytes(encoder.encode(pcm.astype("<i2").tobytes())) + bytes(encoder.flush())
    if not data:
        raise AudioError("LAME produced no MP3 frames")
    return data


def decode_mp3(data: bytes) -> tuple[Signal, int]:
    """MP3 bytes → (mono samples at ±1, rate), decoded in-process by libsndfile (mpg123)."""
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float64", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise AudioError(f"cannot decode an MP3 clip: {exc}") from None
    return samples.mean(axis=1), int(rate)


def _quantise(x: Signal) -> NDArray[np.int16]:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def master(audio: Audio, fmt: AudioFormat) -> Mastered:
    """Trim, fade, bring to the book's loudness under its true-peak ceiling, encode.

    The decoded MP3 is measured; when it misses the target by more than
    0.15 LU (or passes the ceiling) the gain is corrected and the clip encoded
    again, at most a few times.
    """
    trimmed = trim(audio, fmt.silence_threshold_db)
    if trimmed.duration < 0.05:
        raise AudioError("the engine produced silence")
    rate = trimmed.rate
    x = faded(_signal(trimmed), rate, fmt.silence_threshold_db)
    measured = loudness.integrated(x, rate)
    if measured < -70:
        raise AudioError("the engine produced silence")
    gain_db = fmt.loudness_lufs - measured + _EXPECTED_LOSS_LU
    ceiling_db = fmt.true_peak_db - _LIMIT_MARGIN_DB
    # Gain scales the envelope too, so it is computed once; only the loudest
    # blocks (within 6 dB of the peak) are oversampled, the rest cannot reach it.
    floor = 10 ** ((ceiling_db - gain_db - 6) / 20)
    envelope = loudness.peak_envelope(x, floor=floor)
    best: tuple[float, Mastered] | None = None
    for _ in range(_ATTEMPTS):
        scale = 10 ** (gain_db / 20)
        shaped = limited(x * scale, envelope * scale, ceiling_db, rate)
        pcm = _quantise(shaped)
        data = _encode(pcm, fmt, rate)
        decoded, decoded_rate = decode_mp3(data)
        got = loudness.integrated(decoded, decoded_rate)
        peak = loudness.true_peak(decoded, floor_db=fmt.true_peak_db - 3)
        miss = abs(got - fmt.loudness_lufs)
        result = Mastered(data, pcm, rate, fmt.sample_rate)
        if peak <= fmt.true_peak_db and (best is None or miss < best[0]):
            best = (miss, result)
        if peak > fmt.true_peak_db:
            ceiling_db -= peak - fmt.true_peak_db + 0.1
        elif miss <= _TOLERANCE_LU:
            break
        gain_db += fmt.loudness_lufs - got
    if best is None:
        raise AudioError(f"cannot hold the clip under {fmt.true_peak_db} dBTP")
    return best[1]


def silence_piece(seconds: float, fmt: AudioFormat) -> Mastered:
    """Digital silence of round(seconds × rate) samples, as MP3 frames in the book's format."""
    pcm = np.zeros(round(seconds * fmt.sample_rate), np.int16)
    return Mastered(_encode(pcm, fmt), pcm, fmt.sample_rate, fmt.sample_rate)


def silence(seconds: float, fmt: AudioFormat) -> bytes:
    """Digital silence of about `seconds`, as MP3 frames in the book's format."""
    return silence_piece(seconds, fmt).mp3


def measure(audio: Audio) -> tuple[float, float]:
    """Integrated loudness (LUFS, BS.1770-4) and true peak (dBTP) of a clip."""
    x = _signal(audio)
    return loudness.integrated(x, audio.rate), loudness.true_peak(x)
