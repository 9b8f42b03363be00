"""The naive baseline: what a first script with pydub does.

Every paragraph is synthesised with the same engine (espeak, one call per
paragraph, through the same library as reader), each pair — first language,
pause, second language, gap — is appended with one `+=` to one AudioSegment,
and the whole book is exported once at 64 kbit/s at the engine's own rate. No
cache, no loudness matching, no chapters.

    python benchmarks/naive_pydub.py BOOK_DIR OUT.mp3
"""

from __future__ import annotations

import sys
from pathlib import Path

from reader import speech as engines
from reader.audio import ffmpeg
from reader.pipeline.loading import load


def main() -> None:
    book_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    AudioSegment = ffmpeg.pydub().AudioSegment
    loaded = load(book_dir)
    engine = engines.get("espeak")
    rate = 22050  # espeak's own rate: nothing is resampled
    pause = AudioSegment.silent(duration=800, frame_rate=rate)
    gap = AudioSegment.silent(duration=1600, frame_rate=rate)
    book = AudioSegment.silent(duration=500, frame_rate=rate)
    for pair in loaded.pairs:
        clips = []
        for lang, paragraph in pair.texts:
            audio = engine.synthesize(paragraph.text, lang=lang,
                                      voice=engine.default_voice(lang), options={})
            clips.append(AudioSegment(data=audio.samples, sample_width=2, frame_rate=audio.rate,
                                      channels=1))
        book += clips[0] + pause + clips[1] + gap if len(clips) == 2 else clips[0] + gap
    book.export(out, format="mp3", bitrate="64k")


if __name__ == "__main__":
    main()
