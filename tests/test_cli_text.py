"""`reader import` and `reader align` through CliRunner, and the seed end to end:
import → align --write → build."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.cli import text_commands as cli_text
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .conftest import write_book
from .test_importer import SEED, needs_seed

runner = CliRunner()
pytestmark = needs_seed  # most of these start from the seed document


def run(*args: object, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_import_prints_its_decisions_and_writes_the_book(tmp_path: Path) -> None:
    book = tmp_path / "seed"
    result = run("import", SEED, "--book", book)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{SEED}: 11 blocks"
    assert lines[1].startswith("  line    1  kk  Бас бет> КЕДЕЙЛІКТЕН")
    assert lines[1].endswith("Kazakh letters (іә)")
    assert "line    7  kk  08-01-2021 | russian.china.org.cn" in lines[4]
    assert lines[4].endswith("Latin letters (17); follows the block before")
    assert lines[8].startswith("  line   16  zh  “最后一公里”")
    assert f"wrote {book / 'kk.txt'} (7 paragraphs)" in lines
    assert f"wrote {book / 'zh.txt'} (4 paragraphs)" in lines
    assert f"wrote {book / 'book.toml'} (draft)" in lines
    assert lines[-1] == (f"the paragraph counts differ (kk 7, zh 4): run `reader align {book}` "
                         "to pair them")


def test_import_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    book = tmp_path / "seed"
    assert run("import", SEED, "--book", book).exit_code == 0
    (book / "zh.txt").write_text("改过的。\n", encoding="utf-8")
    again = run("import", SEED, "--book", book)
    assert again.exit_code == 2
    assert "already holds kk.txt, zh.txt, book.toml; pass --force" in again.output
    assert (book / "zh.txt").read_text(encoding="utf-8") == "改过的。\n"
    forced = run("import", SEED, "--book", book, "--force")
    assert forced.exit_code == 0, forced.output
    assert (book / "zh.txt").read_text(encoding="utf-8").startswith("“最后一公里”")


def test_import_of_latin_text_needs_lang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("The last mile.\n\n最后一公里。\n", encoding="utf-8")
    refused = run("import", doc, "--book", tmp_path / "b")
    assert refused.exit_code == 2
    assert "Latin-script text" in refused.output and "--lang" in refused.output
    given = run("import", doc, "--book", tmp_path / "b", "--lang", "en")
    assert given.exit_code == 0, given.output
    assert (tmp_path / "b" / "en.txt").read_text(encoding="utf-8") == "The last mile.\n"
    # At a terminal the language is asked for instead.
    terminal = SimpleNamespace(stdin=SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(cli_text, "sys", terminal)
    asked = run("import", doc, "--book", tmp_path / "c", input="en\n")
    assert asked.exit_code == 0, asked.output
    assert "line 1: The last mile." in asked.output
    assert (tmp_path / "c" / "en.txt").exists()
    bad = run("import", doc, "--book", tmp_path / "d", "--lang", "English")
    assert bad.exit_code == 2 and "not a language code" in bad.output


def test_import_of_a_missing_file_fails_cleanly(tmp_path: Path) -> None:
    result = run("import", tmp_path / "nope.txt", "--book", tmp_path / "b")
    assert result.exit_code == 2
    assert "nope.txt: file not found" in result.output


def test_align_shows_the_proposal_and_records_it_only_with_write(tmp_path: Path) -> None:
    book = tmp_path / "seed"
    run("import", SEED, "--book", book)
    before = run("check", book)
    assert before.exit_code == 2 and "run `reader align`" in before.output
    shown = run("align", book)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "seed: 7 kk and 4 zh paragraphs; length ratio zh/kk 0.54"
    assert lines[1].split() == ["#", "kk", "zh", "step", "conf"]
    assert [line.split()[-2] for line in lines[2:9]] == ["1–0", "1–1", "1–0", "1–0", "1–1",
                                                         "1–1", "1–1"]
    assert "«ЕҢ СОҢҒЫ БІР ШАҚЫРЫМ»" in lines[3] and "“最后一公里”" in lines[3]
    assert lines[9] == 'unpaired: 3 paragraphs, skipped at build (book.toml: unpaired = "skip")'
    assert lines[10:13] == [
        f"  {book / 'kk.txt'}:1  Бас бет> КЕДЕЙЛІКТЕН ДӘЛМЕ-ДӘЛ АРЫЛТУ",
        f"  {book / 'kk.txt'}:5  (КЕДЕЙЛІКТЕН ДӘЛМЕ-ДӘЛ АРЫЛТУ)",
        f"  {book / 'kk.txt'}:7  08-01-2021 | russian.china.org.cn",
    ]
    assert "--write" in lines[-1]
    assert not (book / "alignment.toml").exists()
    written = run("align", book, "--write")
    assert written.exit_code == 0, written.output
    assert f"wrote {book / 'alignment.toml'}" in written.output
    after = run("check", book)
    assert after.exit_code == 0, after.output
    assert "seed: 4 pairs" in after.output
    again = run("align", book)
    assert f"recorded in {book / 'alignment.toml'}: the same pairing" in again.output


def test_a_stale_alignment_stops_the_build_with_the_fix(tmp_path: Path) -> None:
    book = tmp_path / "seed"
    run("import", SEED, "--book", book)
    run("align", book, "--write")
    kk = book / "kk.txt"
    kk.write_text(kk.read_text(encoding="utf-8").replace("Бас бет", "Басты бет"), encoding="utf-8")
    result = run("build", book, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{kk} changed since the alignment was recorded" in result.output
    assert f"run `reader align {book} --write` again" in result.output
    shown = run("align", book)
    assert shown.exit_code == 0
    assert "out of date (the texts changed since), build refuses it" in shown.output


def test_align_says_when_nothing_needs_recording(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", "Бір сөз.\n\nЕкі сөз.", "一句话。\n\n两句话。")
    result = run("align", book)
    assert result.exit_code == 0, result.output
    assert "unpaired: none" in result.output
    assert "pair one to one by position; nothing to record" in result.output


@pytest.mark.parametrize(
    ("kk", "zh", "message"),
    [
        ("# А\nБір.\n\n# Б\nЕкі.", "# 甲\n一。", "has 2 sections"),
        ("Бір.", None, "zh.txt: file not found"),
    ],
)
def test_align_errors(tmp_path: Path, kk: str, zh: str | None, message: str) -> None:
    book = write_book(tmp_path / "b", kk, zh or "")
    if zh is None:
        (book / "zh.txt").unlink()
    result = run("align", book)
    assert result.exit_code == 2
    assert message in result.output


def test_the_seed_end_to_end(tmp_path: Path) -> None:
    book = tmp_path / "seed"
    assert run("import", SEED, "--book", book).exit_code == 0
    assert run("align", book, "--write").exit_code == 0
    loaded = load(book)
    assert [(p.text("kk")[:22], p.text("zh")[:7]) for p in loaded.pairs] == [
        ("«ЕҢ СОҢҒЫ БІР ШАҚЫРЫМ»", "“最后一公里”"),
        ("«Ең соңғы бір шақырым»", "“最后一公里”"),
        ("Көптеген орындарда Си ", "习近平在多个场"),
        ("Кедейлікпен күрестің б", "为加强脱贫攻坚"),
    ]
    assert [w.split(": ")[0] for w in loaded.warnings] == [
        f"{book / 'kk.txt'}:{line}" for line in (1, 5, 7)]
    assert all("has no zh partner; skipped" in w for w in loaded.warnings)
    report = build(loaded, BuildOptions(out=tmp_path / "out"))
    assert report.chapters == 4
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert [(p["lines"]["kk"], p["lines"]["zh"]) for p in manifest["pairs"]] == [
        (3, 1), (9, 3), (11, 5), (13, 7)]
