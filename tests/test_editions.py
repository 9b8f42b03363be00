"""Two editions → one book: chapter pairing (tables), `reader import A B`, re-import."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.config import load_book
from reader.text.chapters import han_number, pair_chapters, title_numbers
from reader.text.paragraphs import read_text, split_sections
from tests.book_sources import Src, chapter, write_docx, write_epub, write_html

runner = CliRunner()

# Kazakh chapters ~2.5× the characters of the Chinese ones (Han weighs 2.5 a character).
KK = [("1-тарау", 5000.0), ("2-тарау", 7000.0), ("3-тарау", 4000.0), ("4-тарау", 6000.0)]
ZH = [("第一章", 5100.0), ("第二章", 6900.0), ("第三章", 4100.0), ("第四章", 5900.0)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # the same chapters
        (KK, ZH, [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))]),
        # a preface only the original has
        ([("Алғы сөз", 600.0), *KK], ZH,
         [((0,), ()), ((1,), (0,)), ((2,), (1,)), ((3,), (2,)), ((4,), (3,))]),
        # chapter 2 split in two in the translation
        (KK, [ZH[0], ("第二章（上）", 3400.0), ("第二章（下）", 3500.0), *ZH[2:]],
         [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), (4,))]),
        # notes at the end of the translation only
        (KK, [*ZH, ("注释", 900.0)],
         [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((), (4,))]),
        # chapters 3 and 4 merged in the original
        (KK[:2] + [("3-тарау", 10000.0)], ZH,
         [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3))]),
    ],
)
def test_pair_chapters(a: list[tuple[str, float]], b: list[tuple[str, float]],
                       expected: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> None:
    assert [(s.a, s.b) for s in pair_chapters(a, b)] == expected


def test_title_numbers_decide_between_equal_lengths() -> None:
    """Equal lengths say nothing: the numbers in the titles show which chapter is missing."""
    a = [("1-тарау", 5000.0), ("2-тарау", 5000.0), ("3-тарау", 5000.0)]
    b = [("第一章", 5000.0), ("第三章", 5000.0)]
    assert [(s.a, s.b) for s in pair_chapters(a, b)] == [((0,), (0,)), ((1,), ()), ((2,), (1,))]
    b = [("第二章", 5000.0), ("第三章", 5000.0)]
    assert [(s.a, s.b) for s in pair_chapters(a, b)] == [((0,), ()), ((1,), (0,)), ((2,), (1,))]


@pytest.mark.parametrize(
    ("title", "numbers"),
    [("第十二章", ("12",)), ("二十", ("20",)), ("Chapter XIV", ("14",)), ("IV. Storm", ("4",)),
     ("I am here", ()), ("3-тарау", ("3",)), ("Алғы сөз", ()), (None, ())],
)
def test_title_numbers(title: str | None, numbers: tuple[str, ...]) -> None:
    assert title_numbers(title) == numbers


def test_han_number() -> None:
    assert [han_number(t) for t in ("三", "十", "十二", "二十", "一百零五")] == [3, 10, 12, 20, 105]


FRONT = Src("Алғы сөз", ("Бұл кітап туралы бірер сөз айтайын.", "Оқырманға алғыс."))


def editions(tmp_path: Path) -> tuple[Path, Path]:
    """A Kazakh EPUB with a preface, residue and a cover; a Chinese DOCX with chapter 2 split."""
    kk = [FRONT, *(chapter("kk", n, 6) for n in range(1, 5))]
    two = chapter("zh", 2, 6)
    zh = [chapter("zh", 1, 6), Src("第2章（上）", two.paragraphs[:3]),
          Src("第2章（下）", two.paragraphs[3:]), chapter("zh", 3, 6), chapter("zh", 4, 6)]
    return (write_epub(tmp_path / "kk.epub", kk, "kk", title="Жол", author="Автор",
                       cover=True, residue=True),
            write_docx(tmp_path / "zh.docx", zh, title="路"))


def test_import_two_editions(tmp_path: Path) -> None:
    kk, zh = editions(tmp_path)
    book = tmp_path / "texts" / "road"
    result = runner.invoke(app, ["import", str(kk), str(zh), "--book", str(book)])
    assert result.exit_code == 0, result.output
    assert "EPUB 3, kk" in result.output and "DOCX, zh" in result.output
    assert "footnote markers 5" in result.output  # one per chapter page
    assert "kk chapter 1 'Алғы сөз': 2 paragraphs" in result.output
    loaded = load_book(book)
    assert loaded.order == ("kk", "zh")
    assert dict(loaded.titles) == {"kk": "Жол", "zh": "路"}
    assert (loaded.author, loaded.date, loaded.cover) == ("Автор", "2020-05-01", "cover.jpg")
    sides = {lang: split_sections(read_text(book / f"{lang}.txt"), lang) for lang in ("kk", "zh")}
    # preface alone; chapter 2's halves together
    assert [s.title for s in sides["kk"]] == ["Алғы сөз", "1-тарау", "2-тарау", "3-тарау",
                                              "4-тарау"]
    assert [s.title for s in sides["zh"]] == ["Алғы сөз", "第1章", "第2章（上） / 第2章（下）",
                                              "第3章", "第4章"]
    assert [len(s.paragraphs) for s in sides["zh"]] == [0, 6, 6, 6, 6]
    assert (book / "alignment.toml").exists()
    check = runner.invoke(app, ["check", str(book)])
    assert check.exit_code == 0, check.output
    assert "24 pairs" in check.output
    assert "has no zh partner; skipped" in check.output


def test_unpaired_speak(tmp_path: Path) -> None:
    kk, zh = editions(tmp_path)
    book = tmp_path / "road"
    assert runner.invoke(app, ["import", str(kk), str(zh), "--book", str(book)]).exit_code == 0
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('unpaired = "skip"',
                                                             'unpaired = "speak"'),
                    encoding="utf-8")
    check = runner.invoke(app, ["check", str(book)])
    assert check.exit_code == 0, check.output
    assert "26 pairs" in check.output  # the preface's two paragraphs spoken alone


def test_reimport_changes_only_the_changed_chapter(tmp_path: Path) -> None:
    kk, zh = editions(tmp_path)
    book = tmp_path / "road"
    assert runner.invoke(app, ["import", str(kk), str(zh), "--book", str(book)]).exit_code == 0
    before = (book / "kk.txt").read_text(encoding="utf-8")
    refused = runner.invoke(app, ["import", str(kk), str(zh), "--book", str(book)])
    assert refused.exit_code == 2 and "--force" in refused.output
    # a corrected edition: one word of chapter 3 changes
    chapters = [FRONT, *(chapter("kk", n, 6) for n in range(1, 5))]
    fixed = list(chapters[3].paragraphs)
    fixed[2] = "Түзетілген: " + fixed[2]
    chapters[3] = Src(chapters[3].title, tuple(fixed))
    write_epub(kk, chapters, "kk", title="Жол", author="Автор", cover=True, residue=True)
    result = runner.invoke(app, ["import", str(kk), str(zh), "--book", str(book), "--force"])
    assert result.exit_code == 0, result.output
    after = (book / "kk.txt").read_text(encoding="utf-8")
    old_blocks, new_blocks = before.split("\n\n"), after.split("\n\n")
    changed = [i for i, (x, y) in enumerate(zip(old_blocks, new_blocks)) if x != y]
    assert len(old_blocks) == len(new_blocks)
    assert [new_blocks[i] for i in changed] == [fixed[2]]


def test_nothing_outside_the_book_folder(tmp_path: Path) -> None:
    kk, zh = editions(tmp_path)
    before = {p for p in tmp_path.rglob("*")}
    book = tmp_path / "road"
    assert runner.invoke(app, ["import", str(kk), str(zh), "--book", str(book)]).exit_code == 0
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p == book or p.parent == book for p in new)
    assert not [p for p in book.iterdir() if p.name.endswith(".part")]


def test_html_original_and_languages(tmp_path: Path) -> None:
    page = write_html(tmp_path / "kk.html", [chapter("kk", 1, 3), chapter("kk", 2, 3)], "kk",
                      title="Жол")
    docx = write_docx(tmp_path / "zh.docx", [chapter("zh", 1, 3), chapter("zh", 2, 3)])
    book = tmp_path / "b"
    result = runner.invoke(app, ["import", str(page), str(docx), "--book", str(book)])
    assert result.exit_code == 0, result.output
    assert not (book / "alignment.toml").exists()  # one to one: nothing to record
    # --lang names both; a wrong count of codes is refused
    again = runner.invoke(app, ["import", str(page), str(docx), "--book", str(tmp_path / "c"),
                                "--lang", "kk"])
    assert again.exit_code == 2 and "two codes" in again.output
    named = runner.invoke(app, ["import", str(page), str(docx), "--book", str(tmp_path / "d"),
                                "--lang", "kk,cmn"])
    assert named.exit_code == 0, named.output
    assert load_book(tmp_path / "d").order == ("kk", "cmn")


@pytest.mark.parametrize("make", ["pdf", "drm"])
def test_bad_edition_exits_2(tmp_path: Path, make: str) -> None:
    _, zh = editions(tmp_path)
    bad = tmp_path / ("x.pdf" if make == "pdf" else "x.epub")
    if make == "pdf":
        bad.write_bytes(b"%PDF-1.4\n")
    else:
        import zipfile
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr("META-INF/rights.xml", "<rights/>")
    result = runner.invoke(app, ["import", str(bad), str(zh), "--book", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()


def test_one_edition_alone_is_refused(tmp_path: Path) -> None:
    kk, _ = editions(tmp_path)
    result = runner.invoke(app, ["import", str(kk), "--book", str(tmp_path / "b")])
    assert result.exit_code == 2 and "pass the translation too" in result.output
