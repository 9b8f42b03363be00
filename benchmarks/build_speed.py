"""Full builds against the naive pydub baseline, --jobs 1 against --jobs 2, and a profile.

    python benchmarks/build_speed.py [--pairs 60 200] [--naive-up-to 200] [--jobs N]
                                     [--profile-pairs 20]

For each size: a fresh book (the sample's pairs cycled with distinct text, so
nothing is cached); the naive baseline (benchmarks/naive_pydub.py) and
`reader build` with one worker and with `--jobs` workers, each run as a child
process from this one, one after the other, so the ratios compare runs on the
same machine under the same load; then one paragraph is edited and the
rebuild measured. Then a profile: a build of --profile-pairs pairs run in this
process with one worker, its CPU time split by stage.
Figures are ratios within this run; absolute times on a shared machine mean little.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
from pathlib import Path

from bookgen import ROOT, make_book, measured, reader_command

#: Stages of a clip's making, by the functions that do them (cumulative CPU time).
STAGES = {
    "synthesis (espeak, forked by its speaker process)": ("reader/speech/espeak.py", "synthesize"),
    "LAME encoding (lameenc)": ("reader/audio/mastering.py", "_encode"),
    "measuring the encoder's gain (once per format)": ("reader/audio/mastering.py", "encoder_gain_db"),
    "loudness (libebur128)": ("reader/audio/loudness.py", "integrated"),
    "resampling (libsoxr)": ("reader/audio/loudness.py", "resample"),
    "true peak (oversampled envelope)": ("reader/audio/loudness.py", "peak_envelope"),
    "limiter (gain where it acts)": ("reader/audio/mastering.py", "_limiter_gain"),
    "trimming and fades": ("reader/audio/mastering.py", "edged"),
    "quantising to 16 bits": ("reader/audio/mastering.py", "_quantise"),
    "cache writes": ("reader/pipeline/cache.py", "put"),
    "MP3 frames of each clip (parsed once)": ("reader/audio/frames.py", "audio_frames"),
    "writing the book (frames, tags)": ("reader/outputs/mp3.py", "write_mp3"),
}


def profile(pairs: int) -> None:
    """Build a book in this process with one worker; print CPU time per stage."""
    sys.path.insert(0, str(ROOT))
    from reader.pipeline.build import build
    from reader.pipeline.loading import load
    from reader.pipeline.options import BuildOptions

    with tempfile.TemporaryDirectory() as tmp:
        book = make_book(Path(tmp) / f"profile{pairs}", pairs)
        profiler = cProfile.Profile()
        profiler.enable()
        build(load(book), BuildOptions(out=Path(tmp) / "out", jobs=1))
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(row[3] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"\nprofile: {pairs} pairs, one worker, {total:.1f} s in the build "
          "(cumulative time per stage; the stages nest in nothing but the build)")
    for stage, (path, name) in STAGES.items():
        seconds = sum(row[3] for (file, _, func), row in stats.stats.items()  # type: ignore[attr-defined]
                      if file.endswith(path) and func == name)
        print(f"  {stage:50} {seconds:6.2f} s  {100 * seconds / total:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[60, 200])
    parser.add_argument("--naive-up-to", type=int, default=200,
                        help="run the (quadratic) baseline only up to this many pairs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--profile-pairs", type=int, default=20)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, reader --jobs {args.jobs}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for pairs in args.pairs:
        with tempfile.TemporaryDirectory() as tmp:
            book = make_book(Path(tmp) / f"bench{pairs}", pairs)
            rows = {}
            if pairs <= args.naive_up_to:
                rows["naive pydub"] = measured(
                    [sys.executable, "benchmarks/naive_pydub.py", str(book), str(Path(tmp) / "n.mp3")]
                )
            one = Path(tmp) / "one"
            rows["reader build --jobs 1"] = measured(reader_command(
                "build", str(book), "--out", str(one), "--formats", "mp3", "--jobs", "1"))
            out = Path(tmp) / "out"
            full_name = f"reader build --jobs {args.jobs}"
            rows[full_name] = measured(reader_command(
                "build", str(book), "--out", str(out), "--formats", "mp3", "--jobs", str(args.jobs)))
            manifest = json.loads((out / book.name / f"{book.name}.manifest.json").read_text())
            audio = manifest["audio"]["duration_ms"] / 1000
            zh = (book / "zh.txt").read_text(encoding="utf-8").split("\n\n")
            zh[len(zh) // 2] = zh[len(zh) // 2].rstrip("\n") + "（已修改）"
            (book / "zh.txt").write_text("\n\n".join(zh), encoding="utf-8")
            rows["rebuild, 1 paragraph edited"] = measured(
                reader_command("build", str(book), "--out", str(out), "--formats", "mp3",
                               "--jobs", str(args.jobs))
            )
            print(f"\n{pairs} pairs, {audio / 3600:.2f} h of audio, {len(manifest['pairs'])} chapters")
            print(f"  {'':30} {'wall s':>8} {'x realtime':>11} {'peak MB':>8}")
            for name, row in rows.items():
                print(f"  {name:30} {row['wall']:8.1f} {audio / row['wall']:11.0f} "
                      f"{row['peak_mb']:8.0f}")
            full = rows[full_name]
            print(f"  --jobs {args.jobs} over --jobs 1: "
                  f"{rows['reader build --jobs 1']['wall'] / full['wall']:.2f}x")
            if "naive pydub" in rows:
                naive = rows["naive pydub"]
                print(f"  speed-up over naive: {naive['wall'] / full['wall']:.2f}x; "
                      f"memory: {full['peak_mb'] / naive['peak_mb']:.2f} of naive")
            print(f"  rebuild / full build: "
                  f"{100 * rows['rebuild, 1 paragraph edited']['wall'] / full['wall']:.1f} %")
            print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.profile_pairs:
        profile(args.profile_pairs)


if __name__ == "__main__":
    main()
