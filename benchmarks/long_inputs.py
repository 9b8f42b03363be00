"""Time and peak memory for inputs whose size the user chooses: long paragraphs.

    python benchmarks/long_inputs.py align --sentences 1000 2000 5000
    python benchmarks/long_inputs.py say --kb 10 20
    python benchmarks/long_inputs.py build --kb 10 20

Each case runs in a child process (cwd: the checkout given by --root, default
this one), so its peak resident memory (ru_maxrss) is its own:

- align: the sentence aligner (as `--unit sentence` runs it) on one paragraph
  pair of N sentences a side, made by repeating the sample book's sentences;
- say: `reader say --pair 1 --out x.wav` on a book whose one paragraph pair is
  the sample's text repeated to about KB kilobytes (UTF-8) a side;
- build: `reader build` of that book (MP3 only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "texts" / "last-mile"

_ALIGN = """
import sys
from pathlib import Path
from reader.text.align import UNPAIRED_SENTENCE, align_texts
from reader.text.sentences import split_sentences
n = int(sys.argv[1])
sample = Path(sys.argv[2])
sides = []
for lang in ("kk", "zh"):
    found = split_sentences(" ".join(sample.joinpath(f"{lang}.txt").read_text("utf-8").split()),
                            lang)
    sides.append([found[k % len(found)] for k in range(n)])
proposal = align_texts(sides[0], sides[1], "kk", "zh", unpaired=UNPAIRED_SENTENCE)
print(len(proposal.steps))
"""


def measured(command: list[str], cwd: Path) -> dict[str, float]:
    """Run a command; its wall seconds, peak memory (MB) and exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(cwd)})
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode() if process.stderr else ""
    return {"wall": time.perf_counter() - start, "peak_mb": usage.ru_maxrss / 1024,
            "code": os.waitstatus_to_exitcode(status), "said": stderr.strip()[-300:]}


def long_book(folder: Path, kb: int) -> Path:
    """A book of one paragraph pair, each side the sample's text repeated to `kb` KB."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang in ("kk", "zh"):
        words = " ".join(SAMPLE.joinpath(f"{lang}.txt").read_text("utf-8").split())
        text = words
        while len(text.encode("utf-8")) < kb * 1024:
            text += " " + words
        (folder / f"{lang}.txt").write_text(text + "\n", encoding="utf-8")
    (folder / "book.toml").write_text('album = "Long"\norder = ["kk", "zh"]\n', encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["align", "say", "build"])
    parser.add_argument("--sentences", type=int, nargs="*", default=[1000, 2000, 5000])
    parser.add_argument("--kb", type=int, nargs="*", default=[5, 10, 20])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    args = parser.parse_args()
    python = sys.executable
    if args.case == "align":
        for n in args.sentences:
            result = measured([python, "-c", _ALIGN, str(n), str(SAMPLE)], args.root)
            print(f"align {n} sentences: {result['wall']:.1f} s, {result['peak_mb']:.0f} MB peak"
                  f" (exit {result['code']})", flush=True)
        return
    for kb in args.kb:
        with tempfile.TemporaryDirectory() as temp:
            book = long_book(Path(temp) / "long", kb)
            out = Path(temp) / "out"
            command = ([python, "-m", "reader.cli", "say", str(book), "--pair", "1", "--out",
                        str(Path(temp) / "said.wav")] if args.case == "say" else
                       [python, "-m", "reader.cli", "build", str(book), "--out", str(out),
                        "--jobs", "1"])
            result = measured(command, args.root)
            print(f"{args.case} {kb} KB paragraph: {result['wall']:.1f} s, "
                  f"{result['peak_mb']:.0f} MB peak (exit {result['code']})"
                  + (f": {result['said']}" if result["code"] else ""), flush=True)


if __name__ == "__main__":
    main()
