"""Splitting, joining and normalising text: tables of input → output."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.errors import TextError
from reader.text.paragraphs import join_lines, normalise, read_text, split_sections


@pytest.mark.parametrize(
    ("lines", "lang", "expected"),
    [
        (["Ең соңғы", "бір шақырым"], "kk", "Ең соңғы бір шақырым"),
        (["  Ең соңғы  ", "бір шақырым  "], "kk", "Ең соңғы бір шақырым"),
        (["最后一公里", "原指完成"], "zh", "最后一公里原指完成"),
        (["最后 ", " 一公里"], "zh-Hans", "最后一公里"),
        (["Hello", "world"], "en", "Hello world"),
        (["", "一", ""], "zh", "一"),
    ],
)
def test_join_lines(lines: list[str], lang: str, expected: str) -> None:
    assert join_lines(lines, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("里程,被引申为", "zh", "里程，被引申为"),
        ("要求,每个;以下:好!吗?", "zh", "要求，每个；以下：好！吗？"),
        ("截至2019年4月,全国", "zh", "截至2019年4月，全国"),
        ("20.6万人", "zh", "20.6万人"),  # a decimal point is not punctuation
        ("“最后一公里” ", "zh", "“最后一公里”"),
        ("3,5 миллион", "kk", "3,5 миллион"),  # Kazakh keeps ASCII commas
        ("бір  шақырым\u00a0 ", "kk", "бір шақырым"),
        ("e\u0301", "kk", "é"),  # NFC
    ],
)
def test_normalise(text: str, lang: str, expected: str) -> None:
    assert normalise(text, lang) == expected


def paragraphs(text: str, lang: str) -> list[tuple[str | None, list[tuple[str, int]]]]:
    return [(s.title, [(p.text, p.line) for p in s.paragraphs]) for s in split_sections(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Бір.\n\nЕкі.\n", "kk", [(None, [("Бір.", 1), ("Екі.", 3)])]),
        ("Бір\nжол.\n\n\n\nЕкі.", "kk", [(None, [("Бір жол.", 1), ("Екі.", 6)])]),
        ("一,\n二。\n\n三。", "zh", [(None, [("一，二。", 1), ("三。", 4)])]),
        ("  \n\nБір.  \n  \t\nЕкі.", "kk", [(None, [("Бір.", 3), ("Екі.", 5)])]),
        (
            "Кіріспе.\n\n# Бірінші бөлім\nБір.\n\nЕкі.\n# Екінші бөлім\n\nҮш.",
            "kk",
            [(None, [("Кіріспе.", 1)]), ("Бірінші бөлім", [("Бір.", 4), ("Екі.", 6)]),
             ("Екінші бөлім", [("Үш.", 9)])],
        ),
        ("# 第一章\n一。\n\n# 第二章\n二。", "zh", [("第一章", [("一。", 2)]), ("第二章", [("二。", 5)])]),
        ("#хэштег сөз", "kk", [(None, [("#хэштег сөз", 1)])]),  # not a heading: no space
        ("", "kk", []),
    ],
)
def test_split_sections(text: str, lang: str, expected: list) -> None:
    assert paragraphs(text, lang) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xef\xbb\xbf\xd0\x91\xd1\x96\xd1\x80.\r\n\r\n\xd0\x95.\r\n", "Бір.\n\nЕ.\n"),  # BOM + CRLF
        ("一\r二".encode(), "一\n二"),  # old Mac CR
        ("Бір.  \n".encode(), "Бір.  \n"),
    ],
)
def test_read_text_accepts_bom_and_line_endings(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "kk.txt"
    path.write_bytes(raw)
    assert read_text(path) == expected


def test_bom_crlf_and_trailing_spaces_split_like_clean_text(tmp_path: Path) -> None:
    clean = "Бір жол.\n\nЕкі.\n"
    messy = "\ufeffБір  \r\nжол.  \r\n  \r\nЕкі. \r\n"
    (tmp_path / "a.txt").write_text(clean, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(messy.encode("utf-8"))
    def texts(name: str) -> list[str]:
        sections = split_sections(read_text(tmp_path / name), "kk")
        return [p.text for section in sections for p in section.paragraphs]

    assert texts("b.txt") == texts("a.txt") == ["Бір жол.", "Екі."]


def test_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "zh.txt"
    path.write_bytes("第一行\n第二行\n".encode() + b"\xff\xfe bad\n")
    with pytest.raises(TextError, match=r"zh\.txt:3: not valid UTF-8.*save the file as UTF-8"):
        read_text(path)


def test_missing_file_is_a_text_error(tmp_path: Path) -> None:
    with pytest.raises(TextError, match="kk.txt: file not found"):
        read_text(tmp_path / "kk.txt")
