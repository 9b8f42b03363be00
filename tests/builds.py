"""Helpers shared by the build tests: a four-paragraph book, checks of its outputs, the CLI
and a build killed at a chosen point (tests/crash_driver.py)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from mutagen.id3 import ID3
from typer.testing import CliRunner

from reader.cli import app

from .conftest import RATE, ROOT, decode_pcm, ffmpeg_chapters, write_book

KK_PARAGRAPHS = ["Бірінші абзац.", "Екінші абзац, ұзынырақ.", "Үшінші абзац.", "Төртінші абзац."]
ZH_PARAGRAPHS = ["第一段。", "第二段,长一点。", "第三段。", "第四段。"]


def make_book(folder: Path, kk: list[str] = KK_PARAGRAPHS, zh: list[str] = ZH_PARAGRAPHS
              ) -> Path:
    return write_book(folder, "\n\n".join(kk), "\n\n".join(zh))


def assert_valid_book(out: Path, book_id: str, pairs: int) -> None:
    mp3 = out / book_id / f"{book_id}.kk-zh.mp3"
    manifest = json.loads((out / book_id / f"{book_id}.manifest.json").read_text("utf-8"))
    assert len(manifest["pairs"]) == pairs
    assert len(ffmpeg_chapters(mp3)) == pairs
    assert len(ID3(mp3).getall("CHAP")) == pairs
    duration = manifest["audio"]["duration_ms"] / 1000
    # The duration is what gapless decoding plays (LAME's delay and the tail's padding off).
    assert abs(duration - len(decode_pcm(mp3)) / 2 / RATE) <= 0.001
    assert not list((out / book_id).glob(".*.part"))


def run_driver(point: str, n: int, book: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.crash_driver", point, str(n), str(book), str(out)],
        check=False, cwd=ROOT, capture_output=True, timeout=120,
    )


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file a reader of the output folder sees (dotfiles aside)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def one_error_line(output: str) -> str:
    """The output's single error line (and nothing that looks like a traceback)."""
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output
