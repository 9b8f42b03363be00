"""The naive baseline: what a first script with pydub does.

Every paragraph is synthesised with the same engine, appended to one
AudioSegment with its pauses, and the whole book exported once. No cache, no
loudness matching, no chapters.

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
    pause = AudioSegment.silent(duration=800, frame_rate=22050)
    gap = AudioSegment.silent(duration=1600, frame_rate=22050)
    book = AudioSegment.silent(duration=500, frame_rate=22050)
    for pair in loaded.pairs:
        for i, (lang, paragraph) in enumerate(pair.texts):
            audio = engine.synthesize(paragraph.text, lang=lang,
                                      voice=engine.default_voice(lang), options={})
            clip = AudioSegment(data=audio.samples, sample_width=2, frame_rate=audio.rate,
                                channels=1)
            book += (pause if i else AudioSegment.empty()) + clip
        book += gap
    book.export(out, format="mp3", bitrate="64k", parameters=["-ar", "24000"])


if __name__ == "__main__":
    main()
