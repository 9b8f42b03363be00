"""LAME's quality setting: PESQ-WB of the sample's clips at the book's bit rate.

    python benchmarks/encoder_quality.py [--bitrate 64]

Each paragraph of the sample book (both languages) is synthesised and
mastered (trim, fades, loudness) to a master at espeak's rate (22.05 kHz, the
book's default rate); the master is encoded four ways, decoded back to
22.05 kHz and scored against it with PESQ-WB (ITU-T P.862.2, the `pesq`
package, at 16 kHz) and by SNR:

- ffmpeg's libmp3lame with its default settings, resampling to 24 kHz (what
  reader first did);
- ffmpeg's libmp3lame with `-compression_level 7` (LAME -q 7), to 24 kHz;
- lameenc at quality 7, LAME resampling to 24 kHz (the previous version);
- lameenc at quality 7 at 22.05 kHz, nothing resampled (what reader does now);

with the encoding CPU time of each. Needs `pip install pesq` (the test extra).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.audio import ffmpeg, loudness, mastering
from reader.config import AudioFormat
from reader.pipeline.loading import load
from reader.speech import get

SAMPLE = Path(__file__).resolve().parent.parent / "texts" / "last-mile"


def ffmpeg_lame(master: bytes, rate: int, fmt: AudioFormat, *extra: str) -> bytes:
    """The master encoded by ffmpeg's libmp3lame (one process; ffmpeg resamples)."""
    return ffmpeg.run(["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                       "-ar", str(fmt.sample_rate),
                       "-c:a", "libmp3lame", "-b:a", f"{fmt.bitrate_kbps}k", *extra,
                       "-f", "mp3", "pipe:1"], stdin=master)


def lameenc_q7(master: bytes, rate: int, fmt: AudioFormat) -> bytes:
    """The master encoded in-process at quality 7 (LAME resamples when the rates differ)."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(fmt.bitrate_kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(fmt.sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(mastering.LAME_QUALITY)
    return bytes(encoder.encode(master)) + bytes(encoder.flush())


def aligned(reference: np.ndarray, test: np.ndarray) -> np.ndarray:
    """`test` shifted to line up with `reference` (decoders add the codec's delay)."""
    n = min(48000, len(reference), len(test) - 2400)
    lag = max(range(2400), key=lambda d: float(np.dot(reference[:n], test[d : d + n])))
    out = test[lag : lag + len(reference)]
    return np.pad(out, (0, len(reference) - len(out)))


def score(master: np.ndarray, mp3: bytes, rate: int) -> tuple[float, float]:
    """(PESQ-WB, SNR dB) of a decoded MP3 against the master."""
    from pesq import pesq

    decoded = np.frombuffer(ffmpeg.run(["-i", "pipe:0", "-f", "s16le", "-ac", "1",
                                        "-ar", str(rate), "pipe:1"], stdin=mp3),
                            "<i2").astype(np.float64)
    test = aligned(master, decoded)
    snr = 10 * np.log10(np.sum(master ** 2) / np.sum((master - test) ** 2))
    ref16 = loudness.resample(master, rate, 16000)
    test16 = loudness.resample(test, rate, 16000)
    return float(pesq(16000, ref16 / 32768, test16 / 32768, "wb")), float(snr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bitrate", type=int, default=64)
    args = parser.parse_args()
    fmt = AudioFormat(bitrate_kbps=args.bitrate)
    at24 = AudioFormat(sample_rate=24000, bitrate_kbps=args.bitrate)
    espeak = get("espeak")
    ways = {
        "ffmpeg default, 24k": lambda m, r: ffmpeg_lame(m, r, at24),
        "ffmpeg q7, 24k": lambda m, r: ffmpeg_lame(m, r, at24, "-compression_level", "7"),
        "lameenc q7, 24k": lambda m, r: lameenc_q7(m, r, at24),
        "lameenc q7, 22.05k (reader)": lambda m, r: lameenc_q7(m, r, fmt),
    }
    totals = {name: [0.0, 0.0, 0.0] for name in ways}
    print(f"PESQ-WB / SNR dB at {args.bitrate} kbit/s against the {fmt.sample_rate} Hz master")
    print(f"{'clip':6} " + " ".join(f"{name:>28}" for name in ways))
    count = 0
    for pair in load(SAMPLE).pairs:
        for lang, paragraph in pair.texts:
            audio = espeak.synthesize(paragraph.text, lang=lang,
                                      voice=espeak.default_voice(lang), options={})
            made = mastering.master(audio, fmt)
            master = made.master.astype("<i2").tobytes()
            reference = made.master.astype(np.float64)
            cells = []
            for name, encode in ways.items():
                started = time.process_time()
                mp3 = encode(master, made.rate)
                cpu = time.process_time() - started
                quality, snr = score(reference, mp3, made.rate)
                totals[name][0] += quality
                totals[name][1] += snr
                totals[name][2] += cpu
                cells.append(f"{quality:5.2f} / {snr:5.1f}")
            count += 1
            print(f"{pair.index}-{lang:3} " + " ".join(f"{cell:>28}" for cell in cells))
    print(f"{'mean':6} " + " ".join(f"{t[0] / count:5.2f} / {t[1] / count:5.1f}".rjust(28)
                                    for t in totals.values()))
    print("(ffmpeg's CPU time is in its own process and not counted above; lameenc's is "
          f"{totals['lameenc q7, 22.05k (reader)'][2]:.2f} s for all {count} clips)")


if __name__ == "__main__":
    main()
