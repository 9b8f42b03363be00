"""Shared fixtures: the sample book, built once per session, and small generated books."""

from __future__ import annotations

import json
import math
import shutil
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pytest

from reader.audio import ffmpeg
from reader.audio.frames import DECODER_DELAY
from reader.audio.mastering import ENCODER_DELAY
from reader.config import AudioFormat
from reader.outputs import DEFAULT_FORMATS
from reader.pipeline.build import BuildReport, build
from reader.pipeline.loading import LoadedBook, load
from reader.pipeline.options import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "texts" / "last-mile"
#: A book's rate when book.toml names none.
RATE = AudioFormat().sample_rate
#: How much earlier than written ffmpeg reads an MP3's chapter times when the file
#: carries gapless fields: the samples they make it skip (LAME's delay + the
#: decoder's), which it subtracts from the chapters though the audio does not move.
GAPLESS_MS = math.ceil(1000 * (ENCODER_DELAY + DECODER_DELAY) / RATE)


def clear_proxies(monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]) -> None:
    """Unset proxy variables (lower and upper case): online engines' clients obey them."""
    for name in names:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def book_copy(tmp_path: Path) -> Path:
    """The sample book in a temporary folder (builds never write under texts/)."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "last-mile"))


def write_book(folder: Path, kk: str, zh: str, toml: str = "") -> Path:
    """A book folder with the given texts and a minimal book.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kk.txt").write_text(kk, encoding="utf-8")
    (folder / "zh.txt").write_text(zh, encoding="utf-8")
    (folder / "book.toml").write_text(
        toml or 'album = "Test"\norder = ["kk", "zh"]\n'
        '[pauses]\nparagraph = 0.3\npair = 0.6\nlead_in = 0.2\n',
        encoding="utf-8",
    )
    return folder


def ffmetadata(path: Path) -> str:
    """What ffmpeg's own reader sees in a file, as FFMETADATA text."""
    done = subprocess.run(
        [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-f", "ffmetadata", "-"],
        capture_output=True, check=True,
    )
    return done.stdout.decode("utf-8")


def ffmpeg_chapters(path: Path) -> list[dict[str, str]]:
    """Chapters as ffmpeg reads them: START, END (ms) and title, in file order."""
    chapters: list[dict[str, str]] = []
    for line in ffmetadata(path).splitlines():
        if line == "[CHAPTER]":
            chapters.append({})
        elif chapters and "=" in line:
            key, _, value = line.partition("=")
            chapters[-1][key] = value
    return chapters


def decode_pcm(path: Path, rate: int = RATE) -> bytes:
    """Decode a whole file with ffmpeg to mono 16-bit PCM."""
    return ffmpeg.run(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"])


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedBook, BuildReport]:
    """The sample book built once with the default (espeak) engine."""
    out = tmp_path_factory.mktemp("sample-out")
    book = tmp_path_factory.mktemp("books") / "last-mile"
    shutil.copytree(SAMPLE, book)
    loaded = load(book)
    return loaded, build(loaded, BuildOptions(out=out, jobs=2))


@pytest.fixture(scope="session")
def sample_sentences(tmp_path_factory: pytest.TempPathFactory
                     ) -> tuple[LoadedBook, BuildReport, dict[str, Any]]:
    """The sample built by sentence with the learn pattern, and its outputs."""
    out = tmp_path_factory.mktemp("learn-out")
    book = tmp_path_factory.mktemp("learn-books") / "last-mile"
    shutil.copytree(SAMPLE, book)
    loaded = load(book, unit="sentence", pattern="learn")
    options = BuildOptions(out=out, jobs=2)
    report = build(loaded, options, formats=("mp3", "vtt", "lrc", "apkg", "html"))
    return loaded, report, json.loads(report.manifest.read_text(encoding="utf-8"))


#: The shelf: the sample and a small two-section book built into one output folder, for
#: the feed and the catalogue (tests/test_feed.py, tests/test_publish.py).
BASE = "https://example.org/audio books/"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
#: Book two: two sections (so two section files with --split sections) and a title that
#: needs escaping everywhere.
TWO_TITLE = 'Two <b>&amp; "quotes"'
TWO_TOML = (f'album = "{TWO_TITLE.replace(chr(34), chr(92) + chr(34))}"\n'
            'author = "A & B"\norder = ["kk", "zh"]\n'
            "[pauses]\nparagraph = 0.3\npair = 0.6\nlead_in = 0.2\n")


def build_into(book: Path, out: Path, split: str | None = None) -> None:
    """Build a book with one worker and the default outputs (as `reader build` does)."""
    loaded = load(book)
    options = BuildOptions(out=out, jobs=1)
    build(loaded, options, formats=DEFAULT_FORMATS, split=split)


@pytest.fixture(scope="session")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(books folder, output folder) with the sample and a small two-section book built."""
    books = tmp_path_factory.mktemp("books")
    shutil.copytree(SAMPLE, books / "last-mile")
    write_book(books / "two", "# Бірінші\n\nБір.\n\n# Екінші\n\nЕкі.\n",
               "# 第一\n\n一。\n\n# 第二\n\n二。\n", TWO_TOML)
    out = tmp_path_factory.mktemp("out")
    build_into(books / "last-mile", out)
    build_into(books / "two", out, split="sections")
    return books, out


@pytest.fixture()
def fresh(shelf: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shelf a test may change (the clip cache comes along, so rebuilds are cheap)."""
    books, out = shelf
    shutil.copytree(books, tmp_path / "books")
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    for origin in (tmp_path / "out" / ".books").glob("*/origin"):  # built from the copies now
        origin.write_text(str((tmp_path / "books" / origin.parent.name).resolve()),
                          encoding="utf-8")
    return tmp_path / "books", tmp_path / "out"


def local_file(out: Path, url: str) -> Path:
    assert url.startswith("https://example.org/audio%20books/")
    path = url.removeprefix("https://example.org/audio%20books/").partition("?")[0]
    return out / unquote(path)


def heard_bounds(x: np.ndarray, rate: int, start: float, end: float,
                 threshold_db: float = -50.0) -> tuple[float, float] | None:
    """Where sound is heard in x[start s : end s]: the first and last moment (s) whose 10 ms
    window around it has an RMS of threshold_db dBFS or more (found at every sample);
    None if silent."""
    window = rate // 100
    lo, hi = max(0, int(start * rate)), min(len(x), int(end * rate))
    power = np.concatenate(([0.0], np.cumsum(x[lo:hi] ** 2)))
    mean = (power[window:] - power[:-window]) / window
    loud = np.flatnonzero(mean >= 10 ** (threshold_db / 10))
    if not len(loud):
        return None
    return (lo + loud[0] + window / 2) / rate, (lo + loud[-1] + window / 2) / rate
