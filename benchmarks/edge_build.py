"""The sample book built with Edge for both languages, against the local Edge endpoint.

    python benchmarks/edge_build.py [--latency 0.3] [--refuse 0.15] [--drop 0.15] [--jobs 4]

tests/edge_server.py answers edge-tts's real Communicate (a tone per request,
`--latency` seconds late); `--refuse` of the handshakes are answered 429 or 503
with Retry-After 0.2 s and `--drop` of the accepted requests are cut off
mid-stream, reproducibly. `reader build --engine kk=edge --engine zh=edge` runs
in this process, into a temporary folder; then the MP3 is checked as a listener
would: its chapters, its length, and its loudness by ffmpeg's ebur128.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402 - after the path is set

from reader.audio import ffmpeg  # noqa: E402
from reader.cli import app  # noqa: E402
from tests.edge_server import FakeEdge, pointed  # noqa: E402


def loudness(path: Path) -> str:
    """Integrated loudness and true peak, as ffmpeg's ebur128 filter measures them."""
    done = subprocess.run(
        [ffmpeg.executable(), "-hide_banner", "-nostats", "-i", str(path),
         "-af", "ebur128=peak=true", "-f", "null", "-"], check=False, capture_output=True,
        text=True)
    tail = done.stderr[done.stderr.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", tail)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", tail)
    return f"{integrated[1] if integrated else '?'} LUFS, true peak {peak[1] if peak else '?'} dBFS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--refuse", type=float, default=0.15)
    parser.add_argument("--drop", type=float, default=0.15)
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    chance, lock = random.Random(11), threading.Lock()

    def gate(_n: int) -> str:
        with lock:
            roll = chance.random()
        if roll < args.refuse / 2:
            return "429:0.2"
        return "503:0.2" if roll < args.refuse else "ok"

    def plan(_text: str) -> str:
        with lock:
            return "drop" if chance.random() < args.drop else "ok"

    with tempfile.TemporaryDirectory() as folder, \
            FakeEdge(latency=args.latency, gate=gate, plan=plan) as fake, pointed(fake.url):
        book = Path(shutil.copytree(ROOT / "texts" / "last-mile", Path(folder) / "last-mile"))
        out = Path(folder) / "out"
        started = time.perf_counter()
        result = CliRunner().invoke(app, [
            "build", str(book), "--out", str(out), "--jobs", str(args.jobs),
            "--engine", "kk=edge", "--engine", "zh=edge"])
        seconds = time.perf_counter() - started
        print(result.output.strip())
        print(f"exit {result.exit_code} in {seconds:.2f} s; {len(fake.queries)} connections: "
              f"{len(fake.refused)} refused "
              f"({', '.join(sorted({mode for mode, _ in fake.refused})) or 'none'}), "
              f"{sum(1 for s in fake.sent if s.answer == 'drop')} cut mid-stream, "
              f"{len(fake.ok_texts())} answered whole")
        mp3 = out / "last-mile" / "last-mile.kk-zh.mp3"
        if mp3.exists():
            probe = subprocess.run(
                [ffmpeg.executable(), "-hide_banner", "-i", str(mp3)],
                check=False, capture_output=True, text=True).stderr
            chapters = probe.count("Chapter #")
            duration = re.search(r"Duration: ([\d:.]+)", probe)
            digest = hashlib.sha256(mp3.read_bytes()).hexdigest()[:12]
            print(f"{mp3.name}: {mp3.stat().st_size} bytes, sha256 {digest}…, "
                  f"{duration[1] if duration else '?'}, {chapters} chapters; {loudness(mp3)}")


if __name__ == "__main__":
    main()
