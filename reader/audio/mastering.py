"""Engine audio → a mastered clip: trimmed, faded, loudness-normalised, CBR MP3.

Every clip of a book comes out in the same format (mono, one rate, one
bitrate, no Xing header, no tags), so the book is made by joining frames.

All of it runs in this process, on the samples the engine returned: trimming,
fades, resampling to the book's rate (libsoxr), loudness (BS.1770-4) and true
peak (loudness.py), and encoding with LAME through its binding (lameenc). What
the listener hears is the decoded MP3, and LAME scales its input (by 0.95 at
speech bit rates: −0.45 dB, uniform across the spectrum and the same on every
clip; less at high bit rates, not at all from 256 kbit/s), so the master is
levelled for the decoded clip: the encoder's gain is measured once per format
(encoder_gain_db) rather than decoding every clip.
"""

from __future__ import annotations

import numpy as np

from ..config import AudioFormat
from ..errors import AudioError
from . import blockwise, loudness, mastering_steps
from .mastering_steps import (  # the steps, named here too for the callers of mastering
    _CODING_OVERSHOOT_DB,
    _LOUD_MARGIN_DB,
    BLOCKWISE_FROM_S,
    ENCODER_DELAY,
    FADE_IN_MS,
    FADE_OUT_MS,
    LAME_QUALITY,
    MASTERING_VERSION,
    Levelling,
    Mastered,
    _edges,
    _encode,
    _fade,
    _quantise,
    _sound_bounds,
    decode_mp3,
    edged,
    encoder,
    encoder_gain_db,
    fitted,
    fitted_to_sound,
    heard_span,
    lame_encoder,
    levelling,
    sound_bounds,
)
from .pcm import Audio, moved_marks

__all__ = [
    "BLOCKWISE_FROM_S", "ENCODER_DELAY", "FADE_IN_MS", "FADE_OUT_MS", "LAME_QUALITY",
    "MASTERING_VERSION", "Levelling", "Mastered", "decode_mp3", "edged", "encoder",
    "encoder_gain_db", "fitted", "fitted_to_sound", "heard_span", "lame_encoder", "levelling",
    "master", "silence", "silence_frames", "silence_piece", "sound_bounds", "_fade",
    "_sound_bounds",
]


def master(audio: Audio, fmt: AudioFormat) -> Mastered:
    """Trim, fade, bring to the book's loudness under its true-peak ceiling, encode.

    The master is levelled so that the decoded MP3 lands on the target (the
    encoder's own gain, encoder_gain_db, allowed for) and its true peaks stay
    under the ceiling (with room for what MP3 coding adds to them). The audio's
    word marks follow the cut and the change of rate into the master. A long
    clip is mastered a block at a time (blockwise.py), to the same result.
    """
    if audio.frames > mastering_steps.BLOCKWISE_FROM_S * audio.rate:
        made = blockwise.master(audio, fmt)
        if made is not None:
            return made
    sound, cut = _edges(audio, fmt.silence_threshold_db)
    if len(sound) < 0.05 * audio.rate:
        raise AudioError("the engine produced silence")
    rate = fmt.sample_rate
    x = loudness.resample(sound, audio.rate, rate)
    marks = moved_marks(audio.marks, offset=cut, scale=rate / audio.rate, length=len(x))
    measured = loudness.integrated(x, rate)
    if measured < -70:
        raise AudioError("the engine produced silence")
    gain = encoder_gain_db(fmt)
    aim = fmt.loudness_lufs - gain
    ceiling_db = fmt.true_peak_db - _CODING_OVERSHOOT_DB - gain
    # Only the loudest stretches (within 6 dB of the ceiling once levelled) are
    # oversampled: the rest cannot reach it.
    floor = 10 ** ((ceiling_db - (aim - measured) - _LOUD_MARGIN_DB) / 20)
    envelope = loudness.peak_envelope(x, floor=floor)
    pcm = _quantise(levelling(x, envelope, measured, aim, ceiling_db, rate).applied(x, 32768.0))
    # Fitted to the levelled sound: what is heard.
    marks = fitted(marks, np.multiply(pcm, 1 / 32768.0, dtype=np.float64), rate,
                   fmt.silence_threshold_db)
    heard = heard_span(np.multiply(pcm, 1 / 32768.0, dtype=np.float64), rate,
                       fmt.silence_threshold_db)
    return Mastered(_encode(pcm, fmt), pcm, rate, marks, audio.timing, heard)


def silence_piece(seconds: float, fmt: AudioFormat) -> Mastered:
    """Digital silence of round(seconds × rate) samples, as MP3 frames in the book's format."""
    pcm = np.zeros(round(seconds * fmt.sample_rate), np.int16)
    return Mastered(_encode(pcm, fmt), pcm, fmt.sample_rate)


def silence_frames(count: int, fmt: AudioFormat) -> Mastered:
    """Digital silence exactly `count` MP3 frames long. LAME's delay and look-ahead take
    up to two frames, so the fewest it makes are 1–2 (AudioError below that)."""
    frame = round(fmt.frame_seconds * fmt.sample_rate)
    for lost in (2, 1, 0):  # frames of samples fewer than frames out: 2 at ≤ 24 kHz
        pcm = np.zeros(max(0, count - lost) * frame, np.int16)
        made = Mastered(_encode(pcm, fmt), pcm, fmt.sample_rate)
        if made.stream.count >= count:
            break
    if made.stream.count != count:
        raise AudioError(f"LAME makes no silence of {count} frames at {fmt.sample_rate} Hz")
    return made


def silence(seconds: float, fmt: AudioFormat) -> bytes:
    """Digital silence of about `seconds`, as MP3 frames in the book's format."""
    return silence_piece(seconds, fmt).mp3
