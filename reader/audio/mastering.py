"""Engine audio → a mastered clip: trimmed, loudness-normalised, CBR MP3.

Every clip of a book comes out in the same format (mono, one rate, one
bitrate, no Xing header, no tags), so the book is made by joining frames.
"""

from __future__ import annotations

import math
import re

from ..config import AudioFormat
from ..errors import AudioError
from . import ffmpeg
from .pcm import Audio

#: Bump when mastering changes the sound: every cached clip is then re-made.
MASTERING_VERSION = 2
#: Silence kept at each end after trimming, so consonants are not clipped.
_MARGIN_MS = 30


def trim(audio: Audio, threshold_db: float) -> Audio:
    """Cut leading and trailing silence (quieter than threshold_db dBFS)."""
    segment = ffmpeg.pydub().AudioSegment(
        data=audio.samples, sample_width=2, frame_rate=audio.rate, channels=1
    )
    detect = ffmpeg.pydub().silence.detect_leading_silence
    start = max(0, detect(segment, silence_threshold=threshold_db, chunk_size=5) - _MARGIN_MS)
    end = len(segment) - detect(segment.reverse(), silence_threshold=threshold_db, chunk_size=5)
    end = min(len(segment), end + _MARGIN_MS)
    if end <= start:
        return Audio(b"", audio.rate)
    first, last = start * audio.rate // 1000, end * audio.rate // 1000
    return Audio(audio.samples[first * 2 : last * 2], audio.rate)


def _pcm_input(audio: Audio) -> list[str]:
    return ["-f", "s16le", "-ar", str(audio.rate), "-ac", "1", "-i", "pipe:0"]


def _mp3_output(fmt: AudioFormat) -> list[str]:
    return [
        "-ar", str(fmt.sample_rate), "-ac", "1",
        "-c:a", "libmp3lame", "-b:a", f"{fmt.bitrate_kbps}k",
        "-write_xing", "0", "-id3v2_version", "0", "-write_id3v1", "0",
        "-f", "mp3", "pipe:1",
    ]


_INTEGRATED = re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-inf) LUFS")
_PEAK = re.compile(r"Sample peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS")


def measure(audio: Audio) -> tuple[float, float]:
    """Integrated loudness (LUFS, ITU BS.1770) and sample peak (dBFS), by ffmpeg's ebur128.

    Integrated loudness needs 400 ms blocks, so a short clip (one word) is
    measured looped to 3 s, which leaves its loudness unchanged.
    """
    if 0 < audio.duration < 3:
        audio = Audio(audio.samples * math.ceil(3 / audio.duration), audio.rate)
    report = ffmpeg.run_stderr(
        [*_pcm_input(audio), "-af", "ebur128=framelog=quiet:peak=sample", "-f", "null", "-"],
        stdin=audio.samples,
    )
    loudness, peak = _INTEGRATED.findall(report), _PEAK.findall(report)
    if not loudness or not peak:
        raise AudioError("ffmpeg's ebur128 gave no measurement")
    return float(loudness[-1]), float(peak[-1])


def gain_filter(loudness: float, peak: float, fmt: AudioFormat) -> str:
    """The filter that brings a clip to the book's loudness without passing its ceiling.

    A plain gain (no pumping) when the peak stays under the ceiling; otherwise
    the same gain into a look-ahead limiter that holds the peaks there.
    """
    gain = fmt.loudness_lufs - loudness
    chain = f"volume={gain:.2f}dB"
    if peak + gain > fmt.true_peak_db:
        chain += f",alimiter=limit={10 ** (fmt.true_peak_db / 20):.4f}:level=false"
    return chain


def master(audio: Audio, fmt: AudioFormat) -> bytes:
    """Trim, normalise to the book's loudness and encode as CBR MP3 frames."""
    trimmed = trim(audio, fmt.silence_threshold_db)
    if trimmed.duration < 0.05:
        raise AudioError("the engine produced silence")
    loudness, peak = measure(trimmed)
    if loudness < -70:
        raise AudioError("the engine produced silence")
    chain = gain_filter(loudness, peak, fmt)
    return ffmpeg.run([*_pcm_input(trimmed), "-af", chain, *_mp3_output(fmt)],
                      stdin=trimmed.samples)


def silence(seconds: float, fmt: AudioFormat) -> bytes:
    """Digital silence of about `seconds`, as MP3 frames in the book's format."""
    samples = round(seconds * fmt.sample_rate)
    return ffmpeg.run([
        "-f", "lavfi", "-i", f"anullsrc=r={fmt.sample_rate}:cl=mono",
        "-t", f"{samples / fmt.sample_rate:.6f}", *_mp3_output(fmt),
    ])
