"""Benchmark books: the sample's pairs cycled with distinct text, and a measured child run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "texts" / "last-mile"


def make_book(folder: Path, pairs: int) -> Path:
    """A book of `pairs` pairs: the sample's pairs in turn, each numbered so no text repeats."""
    from reader.pipeline.loading import load

    sample = load(SAMPLE)
    kk, zh = [], []
    for n in range(pairs):
        pair = sample.pairs[n % len(sample.pairs)]
        kk.append(f"{n + 1}. {pair.text('kk')}")
        zh.append(f"第{n + 1}段。{pair.text('zh')}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "kk.txt").write_text("\n\n".join(kk) + "\n", encoding="utf-8")
    (folder / "zh.txt").write_text("\n\n".join(zh) + "\n", encoding="utf-8")
    shutil.copy(SAMPLE / "book.toml", folder / "book.toml")
    return folder


def measured(command: list[str]) -> dict[str, float]:
    """Run a command; return its wall and CPU seconds (user + system: steadier than wall on a
    busy machine) and peak memory (MB, the child and its children)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024}


def reader_command(*args: str) -> list[str]:
    """`reader …` run with the interpreter running the benchmark."""
    return [sys.executable, "-m", "reader.cli", *args]
