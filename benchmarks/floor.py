"""How fast a build could be if it did nothing but speak and encode: the floor under reader.

    python benchmarks/floor.py [--pairs 200] [--jobs 2]

For a fresh book (as build_speed.py makes them), three child runs one after
the other: the naive pydub baseline; this floor, every paragraph spoken by
espeak (through reader's engine, as both others do) and encoded by LAME
(lameenc, q7, 64 kbit/s, as reader does) in `--jobs` processes with nothing
else — no trimming, loudness, limiter, cache or book; and `reader build`.
The ratio of the naive time to the floor's is the most any build made of
these two libraries can reach against the baseline on this machine.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import sys
import tempfile
from pathlib import Path

from bookgen import ROOT, make_book, measured, reader_command


def _speak_and_encode(lang: str, text: str) -> int:
    import lameenc

    from reader import speech

    engine = speech.get("espeak")
    audio = engine.synthesize(text, lang=lang, voice=engine.default_voice(lang), options={})
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(audio.rate)
    encoder.set_out_sample_rate(audio.rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return len(encoder.encode(audio.samples)) + len(encoder.flush())


def floor(book: Path, jobs: int) -> None:
    """Speak and encode every paragraph of the book, longest first, in `jobs` processes."""
    from reader.pipeline.loading import load

    texts = sorted(((lang, paragraph.text) for pair in load(book).pairs
                    for lang, paragraph in pair.texts), key=lambda item: -len(item[1]))
    with concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        sizes = list(pool.map(_speak_and_encode, *zip(*texts, strict=True)))
    assert all(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--run-floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_floor:
        floor(args.run_floor, args.jobs)
        return
    print(f"cores: {os.cpu_count()}, --jobs {args.jobs}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        book = make_book(Path(tmp) / f"floor{args.pairs}", args.pairs)
        rows = {
            "naive pydub": measured([sys.executable, "benchmarks/naive_pydub.py", str(book),
                                     str(Path(tmp) / "n.mp3")]),
            "espeak + LAME only": measured([sys.executable, str(Path(__file__)), "--jobs",
                                            str(args.jobs), "--run-floor", str(book)]),
            f"reader build --jobs {args.jobs}": measured(reader_command(
                "build", str(book), "--out", str(Path(tmp) / "out"), "--formats", "mp3",
                "--jobs", str(args.jobs))),
        }
    naive = rows["naive pydub"]["wall"]
    print(f"\n{args.pairs} pairs")
    for name, row in rows.items():
        print(f"  {name:28} {row['wall']:7.1f} s   {naive / row['wall']:5.2f}x the naive script")
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
