"""Pairing by position within sections, and the error when counts differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.errors import PairingError
from reader.text.pairing import pair_sections
from reader.text.paragraphs import split_sections

FILES = {"kk": Path("texts/b/kk.txt"), "zh": Path("texts/b/zh.txt")}


def pair(kk: str, zh: str) -> list[tuple[int, int, str, str]]:
    sides = {"kk": split_sections(kk, "kk"), "zh": split_sections(zh, "zh")}
    return [(p.index, p.section, p.text("kk"), p.text("zh")) for p in pair_sections(sides, FILES)]


@pytest.mark.parametrize(
    ("kk", "zh", "expected"),
    [
        ("Бір.\n\nЕкі.", "一。\n\n二。", [(1, 0, "Бір.", "一。"), (2, 0, "Екі.", "二。")]),
        (
            "# А\nБір.\n\n# Б\nЕкі.\n\nҮш.",
            "# 甲\n一。\n\n# 乙\n二。\n\n三。",
            [(1, 0, "Бір.", "一。"), (2, 1, "Екі.", "二。"), (3, 1, "Үш.", "三。")],
        ),
        ("", "", []),
    ],
)
def test_pairs_by_position_within_sections(kk: str, zh: str, expected: list) -> None:
    assert pair(kk, zh) == expected


def test_pair_keeps_book_order_and_titles() -> None:
    sides = {"zh": split_sections("# 甲\n一。", "zh"), "kk": split_sections("# А\nБір.", "kk")}
    (only,) = pair_sections(sides, FILES)
    assert [lang for lang, _ in only.texts] == ["zh", "kk"]
    assert only.section_title == "甲"


def test_unequal_counts_name_section_counts_and_first_mismatch() -> None:
    kk = (
        "Бас бет> КЕДЕЙЛІКТЕН\n\n«Ең соңғы бір шақырым»\n\n"
        + "Ұзақ уақыт бойы кедейлерді сүйемелдеу, өркендету қызметі мәселесіне тап болып келді. " * 3
        + "\n\n" + "Көптеген орындарда Си Цзиньпин кедей ауылдарды жаңарту жобасын атқару. " * 6
    )
    zh = "“最后一公里”\n\n" + "长期以来,扶贫开发工作就受困于最后一公里的问题。" * 3 + "\n\n" + "习近平在多个场合指出。" * 12
    with pytest.raises(PairingError) as caught:
        pair(kk, zh)
    message = str(caught.value)
    first_line = message.splitlines()[0]
    assert "texts/b/kk.txt" in first_line and "texts/b/zh.txt" in first_line
    assert "section 1 has 4 paragraphs in kk and 3 in zh" in first_line
    # Lengths agree at position 1 (breadcrumb vs title); position 2 is the first
    # place where a short line faces a long paragraph.
    assert "stop matching at paragraph 2" in first_line
    table = message.splitlines()[1:]
    assert table[0].split() [:2] == ["#", "kk"]
    marked = [row for row in table if row.startswith("→")]
    assert len(marked) == 1
    assert "«Ең соңғы бір шақырым» (l.3, 22)" in marked[0]
    assert "长期以来，扶贫开发工作就受困于最后一公里的问题。长期以…" in marked[0] and "(l.3, 72)" in marked[0]
    assert "Бас бет> КЕДЕЙЛІКТЕН (l.1, 20)" in table[1]  # one row of context before


def test_mismatch_found_by_length_after_matching_start() -> None:
    kk = "Қысқа.\n\n" + "Ұзын сөйлем мұнда тұр. " * 10 + "\n\nҚосымша жол.\n\n" + "Тағы ұзын сөйлем. " * 10
    zh = "短。\n\n" + "这是一个很长的句子。" * 8 + "\n\n" + "又一个很长的句子。" * 8
    with pytest.raises(PairingError, match="stop matching at paragraph 3") as caught:
        pair(kk, zh)
    assert "has 4 paragraphs in kk and 3 in zh" in str(caught.value)
    assert "—" in str(caught.value)  # the missing fourth zh paragraph is shown as a gap


def test_section_title_is_named_and_section_counts_must_match() -> None:
    with pytest.raises(PairingError, match='section 2 "Б" has 1 paragraphs in kk and 2 in zh'):
        pair("# А\nБір.\n\n# Б\nЕкі.", "# 甲\n一。\n\n# 乙\n二。\n\n三。")
    with pytest.raises(PairingError, match="has 2 sections and .* has 1"):
        pair("# А\nБір.\n\n# Б\nЕкі.", "# 甲\n一。\n\n二。")
