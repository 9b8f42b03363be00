"""The CLI through Typer's CliRunner: success, and exit code 2 for each kind of bad input."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader.cli import app

from .conftest import ROOT, SAMPLE, write_book

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args])


def test_check_prints_the_pairs_and_synthesises_nothing(tmp_path: Path) -> None:
    result = run("check", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "last-mile: 4 pairs" in result.output
    assert "«Ең соңғы бір шақырым» (22)" in result.output
    assert "“最后一公里” (7)" in result.output


def test_build_writes_the_book_and_a_summary(tmp_path: Path) -> None:
    book = write_book(tmp_path / "mini", "Бір сөз.\n\nЕкі сөз.", "一句话。\n\n两句话。")
    result = run("build", book, "--out", tmp_path / "out", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "mini" / "mini.kk-zh.mp3").exists()
    assert "engines: kk → espeak (kk), zh → espeak (cmn)" in result.output
    assert "2 chapters, 4 clips synthesised, 0 reused" in result.output
    again = run("build", book, "--out", tmp_path / "out")
    assert "0 clips synthesised, 4 reused" in again.output


def test_order_and_engine_options_reach_the_build(tmp_path: Path) -> None:
    book = write_book(tmp_path / "mini", "Бір сөз.", "一句话。")
    result = run("build", book, "--out", tmp_path / "out", "--order", "zh,kk",
                 "--engine", "zh=espeak", "--engine", "kk=espeak")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "mini" / "mini.zh-kk.mp3").exists()
    assert "engines: zh → espeak (cmn), kk → espeak (kk)" in result.output


def bad_books(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    unequal = write_book(tmp_path / "unequal", "Бір.\n\nЕкі.\n\nҮш.", "一。\n\n二。")
    bad_toml = write_book(tmp_path / "badtoml", "Бір.", "一。", 'order = ["kk", "zh"]\nx = \n')
    unknown_key = write_book(tmp_path / "key", "Бір.", "一。", 'order = ["kk", "zh"]\ncolor = 1\n')
    no_zh = write_book(tmp_path / "nozh", "Бір.", "一。")
    (no_zh / "zh.txt").unlink()
    latin1 = write_book(tmp_path / "latin1", "Бір.", "一。")
    (latin1 / "kk.txt").write_bytes("Bir.\n\nCaf\xe9.\n".encode("latin-1"))
    no_engine = write_book(tmp_path / "noengine", "Бір.", "一。",
                           'order = ["kk", "zh"]\n[language.kk]\nengine = ["nosuch"]\n')
    return {
        "missing folder": (["build", str(tmp_path / "nope")], "not a book folder"),
        "unequal counts": (["build", str(unequal)], "has 3 paragraphs in kk and 2 in zh"),
        "unequal counts (check)": (["check", str(unequal)], "has 3 paragraphs in kk and 2 in zh"),
        "bad toml": (["build", str(bad_toml)], "invalid TOML"),
        "unknown key": (["build", str(unknown_key)], "color: unknown key"),
        "missing text": (["build", str(no_zh)], "zh.txt: file not found"),
        "not utf-8": (["build", str(latin1)], "kk.txt:3: not valid UTF-8"),
        "bad order": (["build", str(unequal), "--order", "kk,en"], "must list exactly"),
        "bad engine option": (["build", str(unequal), "--engine", "zh"], "expected LANG=ENGINE"),
        "unknown engine": (["build", str(no_engine)], "unknown engine 'nosuch'"),
        "unknown format": (["build", str(unequal), "--formats", "wav"], "unknown format wav"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing folder", "unequal counts", "unequal counts (check)", "bad toml", "unknown key",
     "missing text", "not utf-8", "bad order", "bad engine option", "unknown engine",
     "unknown format"],
)
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    args, expected = bad_books(tmp_path)[case]
    out = tmp_path / "out"
    result = run(*args, "--out", out) if args[0] == "build" else run(*args)
    assert result.exit_code == 2, result.output
    first = result.output.strip().splitlines()[0]
    assert first.startswith("error: ") and expected in first, result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.rglob("*.mp3"))


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("--debug", "check", tmp_path / "nope")
    assert result.exit_code != 0
    assert result.exception is not None and "not a book folder" in str(result.exception)


def test_failed_build_keeps_the_previous_book_and_finished_clips(tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    out = tmp_path / "out"
    assert run("build", book, "--out", out).exit_code == 0
    final = out / "last-mile" / "last-mile.kk-zh.mp3"
    before = final.read_bytes()
    clips = sorted((out / ".cache").rglob("*.mp3"))
    with open(book / "zh.txt", "a", encoding="utf-8") as handle:
        handle.write("\n\n多出来的一段。\n")
    result = run("build", book, "--out", out)
    assert result.exit_code == 2
    assert final.read_bytes() == before
    assert sorted((out / ".cache").rglob("*.mp3")) == clips


def test_brackets_in_book_text_and_messages_are_shown_as_written(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", "[1] Бір сөз.", "[1] 一句话。",
                      'order = ["kk", "zh"]\n[language.kk]\nengine = ["gtts"]\n')
    shown = run("check", book)
    assert "[1] Бір сөз." in shown.output and "[1] 一句话。" in shown.output
    refused = run("build", book, "--out", tmp_path / "out")
    assert refused.exit_code == 2
    assert "set [language.kk] engine in book.toml" in refused.output


def test_offline_passes_over_network_engines_and_says_why(tmp_path: Path) -> None:
    book = write_book(tmp_path / "mini", "Бір сөз.", "一句话。")
    result = run("build", book, "--out", tmp_path / "out", "--engine", "zh=gtts,espeak",
                 "--offline")
    assert result.exit_code == 0, result.output
    assert "engines: kk → espeak (kk), zh → espeak (cmn)" in result.output
    assert "note: zh: gtts needs the network (--offline); using espeak" in result.output


def test_the_chosen_engine_gets_its_own_voice(tmp_path: Path) -> None:
    book = write_book(tmp_path / "mini", "Бір сөз.", "一句话。",
                      'order = ["kk", "zh"]\n[language.zh]\nengine = ["gtts", "espeak"]\n'
                      'voice = { gtts = "zh-TW", espeak = "yue" }\n')
    result = run("build", book, "--out", tmp_path / "out", "--offline")
    assert result.exit_code == 0, result.output
    assert "zh → espeak (yue)" in result.output


def test_paths_and_values_are_printed_as_written_not_as_emoji(tmp_path: Path) -> None:
    folder = tmp_path / "my:fire:book"
    folder.mkdir()
    result = run("check", folder)
    assert result.exit_code == 2
    assert f"no book.toml in {folder}" in result.output
    result = run("build", SAMPLE, "--out", tmp_path / "out", "--cluster", "local:-1")
    assert result.exit_code == 2 and "--cluster local:-1:" in result.output


@pytest.mark.parametrize("code", ["kz", "cn"])
@pytest.mark.parametrize("command", ["check", "build"])
def test_check_and_build_refuse_a_wrong_language_code_alike(tmp_path: Path, code: str,
                                                            command: str) -> None:
    book = write_book(tmp_path / "b", "Бір.", "一。", f'order = ["{code}", "zh"]\n')
    (book / "kk.txt").rename(book / f"{code}.txt")
    out = tmp_path / "out"
    result = run(command, book, *(["--out", out] if command == "build" else []))
    assert result.exit_code == 2, result.output
    meant = {"kz": "kk", "cn": "zh"}[code]
    assert f"'{code}' is not a language code; did you mean '{meant}'?" in result.output
    assert not out.exists()  # nothing synthesised


def test_output_flags_work_after_the_command_too(tmp_path: Path) -> None:
    book = write_book(tmp_path / "mini", "Бір сөз.", "一句話。")
    quiet = run("build", book, "--out", tmp_path / "out", "-q")
    assert quiet.exit_code == 0, quiet.output
    assert "engines:" not in quiet.output and "wrote" in quiet.output
    loud = run("build", book, "--out", tmp_path / "again", "--verbose")
    assert loud.exit_code == 0 and "made pair 1 kk" in loud.output
    both = run("-v", "build", book, "--out", tmp_path / "third", "--quiet")
    assert both.exit_code == 0 and "made pair" not in both.output
    debug = run("check", tmp_path / "nope", "--debug")
    assert debug.exception is not None and "not a book folder" in str(debug.exception)


#: Starts `reader` as its console script does, except that it stops when the command's
#: modules begin to load (the first import of typer) until its stdin says to go on.
_STOPS_WHILE_IMPORTING = """
import os, sys

class Stop:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            sys.meta_path.remove(self)
            os.write(int(sys.argv[1]), b"importing")
            sys.stdin.read(1)
        return None

sys.meta_path.insert(0, Stop())
from reader.cli import main
sys.argv[1:] = ["check", sys.argv[2]]
main()
"""


def test_ctrl_c_while_the_command_starts_is_one_line_and_exit_130(tmp_path: Path) -> None:
    ready, told = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _STOPS_WHILE_IMPORTING, str(told), str(SAMPLE)],
        pass_fds=(told,), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(told)
    assert os.read(ready, 16) == b"importing"
    os.close(ready)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate()
    assert child.returncode == 130, stderr
    assert stderr.decode() == "interrupted\n" and stdout == b""
