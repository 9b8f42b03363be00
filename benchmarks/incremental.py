"""Edit one paragraph of a 200-pair book and rebuild: how much of a full build it costs.

    python benchmarks/incremental.py [--pairs 200] [--jobs N]

Prints the full build, the rebuild after one edited paragraph, a rebuild with
nothing changed, and their ratios (aim: the one-paragraph rebuild ≤ 3 % of the
full build). Both builds write the default outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from bookgen import make_book, measured, reader_command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = make_book(Path(tmp) / "incremental", args.pairs)
        out = Path(tmp) / "out"
        command = reader_command("build", str(book), "--out", str(out), "--jobs", str(args.jobs))
        full = measured(command)
        kk = (book / "kk.txt").read_text(encoding="utf-8").split("\n\n")
        kk[len(kk) // 3] = kk[len(kk) // 3].rstrip("\n") + " Өзгертілді."
        (book / "kk.txt").write_text("\n\n".join(kk), encoding="utf-8")
        edited = measured(command)
        untouched = measured(command)
        manifest = json.loads((out / book.name / f"{book.name}.manifest.json").read_text())
        hours = manifest["audio"]["duration_ms"] / 3_600_000
        print(f"{args.pairs} pairs, {hours:.2f} h of audio, --jobs {args.jobs}")
        print(f"  full build                   {full['wall']:7.2f} s  peak {full['peak_mb']:.0f} MB")
        print(f"  one paragraph edited         {edited['wall']:7.2f} s  peak {edited['peak_mb']:.0f} MB")
        print(f"  nothing changed              {untouched['wall']:7.2f} s")
        print(f"  edited rebuild / full build: {100 * edited['wall'] / full['wall']:.1f} % (aim ≤ 3 %)")


if __name__ == "__main__":
    main()
