"""Robustness: outputs that change together, clashes, links, damaged records, hostile input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .builds import digests, one_error_line, run
from .conftest import write_book

KK = "Бірінші абзац.\n\nЕкінші абзац.\n"
ZH = "第一段。\n\n第二段。\n"


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


def test_an_outputs_record_naming_other_files_removes_none_of_them(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    precious = out / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    record_path = (out / "b" / ".outputs.json").resolve()
    record = json.loads(record_path.read_text(encoding="utf-8"))
    # a job this build does not ask for, naming files it must keep and one outside
    record["planted"] = {"digest": "0", "files": [
        "b.manifest.json", "b.kk-zh.mp3", "index.html", "../../../precious.txt"]}
    record_path.unlink()
    record_path.write_text(json.dumps(record), encoding="utf-8")
    before = digests(out / "b")
    result = runner.invoke(app, ["build", str(book), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert digests(out / "b") == before
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert "planted" not in json.loads((out / "b" / ".outputs.json").read_text(encoding="utf-8"))


# --- bad input: one line, exit 2, before any synthesis, and check agrees with build -------

GOOD_TOML = 'order = ["kk", "zh"]\n'


@pytest.mark.parametrize(("toml", "expected"), [
    ('[language.kk]\noptions = { rate = "fast" }\n', "rate: expected a whole number"),
    ("[language.kk]\noptions = { rate = 5000 }\n", "rate: 5000 is out of range"),
    ("[language.kk]\noptions = { speed = 1 }\n", "reads 'speed'"),
    ('[language.kk]\nvoice = ""\n', "voice: is empty"),
    ('[language.kk]\nvoice = "klingon"\n', "espeak has no voice 'klingon'"),
    ('[language.zh]\nvoice = { espeak = "" }\n', "expected a voice name"),
    ("[audio]\nsilence_threshold_db = 0\n", "silence_threshold_db: 0 is out of range"),
    ("[audio]\ntrue_peak_db = 100\n", "true_peak_db: 100 dBTP is out of range"),
    ("[audio]\nloudness_lufs = nan\n", "loudness_lufs: nan is not a number"),
    ('album = "A\\rB"\n', "album: holds the control character U+000D"),
    ('[language.zh]\ntitle = "最后\\u0000一公里"\n', "title: holds the control character U+0000"),
    ('cover = "../../../etc/passwd"\n', "must be inside the book folder"),
    ('cover = "/etc/shadow"\n', "must be inside the book folder"),
    ('cover = "notes.jpg"\n', "is not a JPEG or PNG image"),
])
def test_bad_settings_stop_check_and_build_before_synthesis(
    tmp_path: Path, toml: str, expected: str
) -> None:
    book = write_book(tmp_path / "b", KK, ZH, GOOD_TOML + toml)
    (book / "notes.jpg").write_text("not an image", encoding="utf-8")
    out = tmp_path / "out"
    for command in (["check", str(book)], ["build", str(book), "--out", str(out)]):
        code, output = run(*command)
        assert code == 2, output
        line = one_error_line(output)
        assert expected in line and "book.toml" in line, line
    assert not (out / ".cache").exists()  # nothing was synthesised


def test_a_book_toml_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    (book / "book.toml").unlink()
    (book / "book.toml").mkdir()
    code, output = run("check", str(book))
    assert code == 2 and "not a regular file" in one_error_line(output)
    (book / "book.toml").rmdir()
    os.symlink(book / "missing.toml", book / "book.toml")  # dangling: not silently defaults
    code, output = run("check", str(book))
    assert code == 2 and "not a regular file" in one_error_line(output)


@pytest.mark.parametrize(("kk", "expected"), [
    ("Бірінші.\n\n!!! … ?\n", "kk.txt:3 (paragraph 2): nothing to speak"),
    ("Бірінші.\n\n\u200e\u200f 😀\n", "kk.txt:3 (paragraph 2): nothing to speak"),
    ("Бірінші абзац.\n\nЕкінші\x00 жасырын.\n", "kk.txt:3: holds the control character U+0000"),
    # C1 controls and the Unicode separators count as in book.toml: one definition.
    ("Бірінші абзац.\nЕкінші\x85 жол.\n", "kk.txt:2: holds the control character U+0085"),
    ("Бірінші\u2028абзац.\n", "kk.txt:1: holds the control character U+2028"),
    ("", "the texts hold no paragraphs"),
])
def test_bad_texts_stop_check_and_build_alike(tmp_path: Path, kk: str, expected: str) -> None:
    zh = "" if not kk else ZH
    book = write_book(tmp_path / "b", kk, zh)
    out = tmp_path / "out"
    for command in (["check", str(book)], ["build", str(book), "--out", str(out)]):
        code, output = run(*command)
        assert code == 2, output
        assert expected in one_error_line(output)
    assert not (out / ".cache").exists()


def test_a_text_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    (book / "kk.txt").unlink()
    os.mkfifo(book / "kk.txt")  # reading it would wait forever
    code, output = run("check", str(book))
    assert code == 2 and "kk.txt: not a regular file" in one_error_line(output)
    (book / "kk.txt").unlink()
    os.symlink("/dev/zero", book / "kk.txt")  # outside the book, and endless
    code, output = run("check", str(book))
    assert code == 2 and "must be inside the book folder" in one_error_line(output)


@pytest.mark.parametrize(("name", "expected"), [
    ("к" * 115, "folder name is 230 bytes long"),
    ("two\nlines", "folder name holds the control character U+000A"),
])
def test_folder_names_that_outputs_cannot_carry_are_refused(
    tmp_path: Path, name: str, expected: str
) -> None:
    book = write_book(tmp_path / name, KK, ZH)
    code, output = run("build", str(book), "--out", str(tmp_path / "out"))
    assert code == 2 and expected in one_error_line(output)


def test_an_out_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker, blocker / "below"):
        code, output = run("build", str(book), "--out", str(out))
        assert code == 2 and "is a file" in one_error_line(output)
    assert blocker.read_text(encoding="utf-8") == "x"


# --- the cache: everything a build takes from it is verified ---------------------------


def test_a_full_disk_stops_with_one_line_and_keeps_the_previous_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from reader.outputs import mp3

    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    assert run("build", str(book), "--out", str(out))[0] == 0
    before = digests(out / "b")
    (book / "kk.txt").write_text("Бірінші абзац.\n\nЖаңа екінші абзац.\n", encoding="utf-8")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "b" / "b.kk-zh.mp3"))

    real = shutil.copyfileobj
    monkeypatch.setattr(mp3.shutil, "copyfileobj", full)
    code, output = run("build", str(book), "--out", str(out), "--jobs", "1")
    monkeypatch.setattr(mp3.shutil, "copyfileobj", real)
    assert code == 1
    assert "the disk is full" in one_error_line(output)
    assert digests(out / "b") == before
    result = build(load(book), BuildOptions(out=out, jobs=1))
    assert result.synthesised == 0  # the new clip was made before the disk filled: kept
