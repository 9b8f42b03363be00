"""Robustness: outputs that change together, clashes, links, damaged records, hostile input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .conftest import ROOT, write_book

KK = "Бірінші абзац.\n\nЕкінші абзац.\n"
ZH = "第一段。\n\n第二段。\n"


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file a reader of the output folder sees (dotfiles aside)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_a_kill_after_the_new_mp3_leaves_the_old_outputs_together(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    before = digests(out / "b")
    assert {"b.kk-zh.mp3", "b.manifest.json", "b.kk-zh.vtt", "index.html"} <= set(before)
    (book / "zh.txt").write_text("第一段。\n\n第二段，改了。\n", encoding="utf-8")
    killed = subprocess.run(
        [sys.executable, "-m", "tests.crash_driver", "after-mp3", "0", str(book), str(out)],
        cwd=ROOT, capture_output=True, timeout=120, check=False)
    assert killed.returncode == -9, killed.stderr.decode()
    # The new MP3 was complete when the build died, but nobody sees it beside the old files.
    assert digests(out / "b") == before
    rebuilt = runner.invoke(app, ["build", str(book), "--out", str(out)])
    assert rebuilt.exit_code == 0, rebuilt.output
    after = digests(out / "b")
    assert after["b.kk-zh.mp3"] != before["b.kk-zh.mp3"]
    assert after["b.manifest.json"] != before["b.manifest.json"]
    manifest = json.loads((out / "b" / "b.manifest.json").read_text(encoding="utf-8"))
    assert manifest["pairs"][1]["texts"]["zh"] == "第二段，改了。"
    assert "改了" in (out / "b" / "b.kk-zh.vtt").read_text(encoding="utf-8")
    # One generation stays behind the link; the killed build's is gone.
    generations = [p for p in (out / ".books" / "b").iterdir() if p.is_dir()]
    assert generations == [(out / "b").resolve()]


def test_an_unchanged_rebuild_swaps_nothing(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    build(load(book), options, formats=("mp3", "vtt"))
    live = (options.out / "b").resolve()
    stamp = (options.out / "b" / "b.kk-zh.mp3").stat().st_mtime_ns
    report = build(load(book), options, formats=("mp3", "vtt"))
    assert report.unchanged and report.written == []
    assert (options.out / "b").resolve() == live
    assert (options.out / "b" / "b.kk-zh.mp3").stat().st_mtime_ns == stamp


def test_two_books_with_one_folder_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    first = write_book(tmp_path / "a" / "same", KK, ZH)
    second = write_book(tmp_path / "b" / "same", "Басқа кітап.\n", "另一本书。\n")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(first), "--out", str(out)]).exit_code == 0
    before = digests(out / "same")
    result = runner.invoke(app, ["build", str(second), "--out", str(out)])
    assert result.exit_code == 2
    assert "same folder name" in result.output and str(first.resolve()) in result.output
    assert digests(out / "same") == before
    cleaned = runner.invoke(app, ["clean", str(second), "--out", str(out)])
    assert cleaned.exit_code == 2 and "same folder name" in cleaned.output


def test_the_lock_file_never_follows_a_link(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me", encoding="utf-8")
    store = out / ".books" / "b"
    store.mkdir(parents=True)
    os.symlink(victim, store / ".lock")
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(out)])
    assert result.exit_code != 0 and "symbolic link" in result.output
    assert victim.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("damage", [
    '{"format": "reader-manifest/1"}',
    '{"format": "reader-manifest/1", "book": [], "audio": {}, "pairs": {}}',
    "[1, 2, 3]",
    "{broken",
])
def test_a_damaged_manifest_or_outputs_record_is_rebuilt_with_a_warning(
    tmp_path: Path, damage: str
) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    good = (out / "b" / "b.manifest.json").read_bytes()
    for name in ("b.manifest.json", ".outputs.json"):
        target = (out / "b" / name).resolve()
        target.unlink()  # a file shared with nothing else: replace, don't edit in place
        target.write_text(damage, encoding="utf-8")
        result = runner.invoke(app, ["build", str(book), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output and "warning:" in result.output
        assert name in result.output
        assert (out / "b" / "b.manifest.json").read_bytes() == good
