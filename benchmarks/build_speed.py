"""Full builds against the naive pydub baseline, and a one-paragraph rebuild.

    python benchmarks/build_speed.py [--pairs 200 1000] [--naive-up-to 200] [--jobs N]

For each size: a fresh book (the sample's pairs cycled with distinct text, so
nothing is cached), the naive baseline (benchmarks/naive_pydub.py) and
`reader build`, each as audio seconds, wall seconds, × realtime and peak
memory of the child; then one paragraph is edited and the rebuild measured.
Figures are ratios within this run; absolute times on a shared machine mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bookgen import make_book, measured, reader_command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--naive-up-to", type=int, default=200,
                        help="run the (quadratic) baseline only up to this many pairs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, reader --jobs {args.jobs}")
    for pairs in args.pairs:
        with tempfile.TemporaryDirectory() as tmp:
            book = make_book(Path(tmp) / f"bench{pairs}", pairs)
            out = Path(tmp) / "out"
            rows = {}
            if pairs <= args.naive_up_to:
                rows["naive pydub"] = measured(
                    [sys.executable, "benchmarks/naive_pydub.py", str(book), str(Path(tmp) / "n.mp3")]
                )
            rows["reader build"] = measured(reader_command("build", str(book), "--out", str(out), "--formats", "mp3",
                                                           "--jobs", str(args.jobs)))
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
            full = rows["reader build"]
            if "naive pydub" in rows:
                naive = rows["naive pydub"]
                print(f"  speed-up over naive: {naive['wall'] / full['wall']:.1f}x; "
                      f"memory: {full['peak_mb'] / naive['peak_mb']:.2f} of naive")
            print(f"  rebuild / full build: "
                  f"{100 * rows['rebuild, 1 paragraph edited']['wall'] / full['wall']:.1f} %")


if __name__ == "__main__":
    main()
