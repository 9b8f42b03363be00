"""A shelf build on a local process pool against the same build on a local Dask cluster.

    python benchmarks/shelf.py [--books 10] [--pairs 40] [--workers 2] [--repeat 1]

Makes `--books` books of `--pairs` pairs (the sample's pairs cycled, every text
distinct across books, so nothing is cached or shared), then builds the folder
with `reader build BOOKS --jobs N` and with `reader build BOOKS --cluster local:N`,
each into a fresh output folder (so a fresh cache), alternating when repeated.
Prints wall seconds, × realtime and the cluster's overhead, and checks that
both made byte-identical MP3s and manifests. The cluster's time includes
starting the LocalCluster (scheduler and worker processes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bookgen import SAMPLE, measured, reader_command


def make_books(folder: Path, books: int, pairs: int) -> list[Path]:
    """`books` books of `pairs` pairs each; every paragraph carries its book and pair number."""
    from reader.pipeline.loading import load

    sample = load(SAMPLE)
    made = []
    for b in range(1, books + 1):
        book = folder / f"book{b:02d}"
        book.mkdir(parents=True)
        kk, zh = [], []
        for n in range(pairs):
            pair = sample.pairs[n % len(sample.pairs)]
            kk.append(f"{b}-кітап, {n + 1}. {pair.text('kk')}")
            zh.append(f"第{b}本书第{n + 1}段。{pair.text('zh')}")
        (book / "kk.txt").write_text("\n\n".join(kk) + "\n", encoding="utf-8")
        (book / "zh.txt").write_text("\n\n".join(zh) + "\n", encoding="utf-8")
        shutil.copy(SAMPLE / "book.toml", book / "book.toml")
        made.append(book)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        books = make_books(Path(tmp) / "books", args.books, args.pairs)
        ways = {"--jobs": ["--jobs", str(args.workers)],
                "--cluster": ["--cluster", f"local:{args.workers}"]}
        walls: dict[str, list[float]] = {name: [] for name in ways}
        audio = 0.0
        for run in range(args.repeat):
            order = list(ways) if run % 2 == 0 else list(reversed(ways))
            for name in order:
                out = Path(tmp) / f"out-{name.strip('-')}-{run}"
                row = measured(reader_command("build", str(books[0].parent), "--out", str(out),
                                              "--formats", "mp3", *ways[name]))
                walls[name].append(row["wall"])
                print(f"run {run + 1}, {name} {ways[name][1]}: {row['wall']:.1f} s wall, "
                      f"client peak {row['peak_mb']:.0f} MB", flush=True)
            audio = 0.0
            for book in books:
                files = [f"{book.name}/{book.name}.kk-zh.mp3",
                         f"{book.name}/{book.name}.manifest.json"]
                for name in files:
                    one, two = (Path(tmp) / f"out-{w}-{run}" / name for w in ("jobs", "cluster"))
                    if one.read_bytes() != two.read_bytes():
                        raise SystemExit(f"{name}: the two builds differ")
                manifest = Path(tmp) / f"out-jobs-{run}" / files[1]
                audio += json.loads(manifest.read_text())["audio"]["duration_ms"] / 1000
        print(f"\n{args.books} books × {args.pairs} pairs, {audio / 3600:.2f} h of audio, "
              f"{args.workers} workers; MP3s and manifests byte-identical")
        best = {name: min(values) for name, values in walls.items()}
        for name, wall in best.items():
            print(f"  {name:10} {ways[name][1]:8} best of {args.repeat}: {wall:7.1f} s "
                  f"({audio / wall:.0f}× realtime)")
        print(f"  cluster overhead: {100 * (best['--cluster'] / best['--jobs'] - 1):+.1f} %")


if __name__ == "__main__":
    main()
