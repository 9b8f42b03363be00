"""Cutting text for tables and messages: `fit` (display columns) and `truncate` (characters)."""

from __future__ import annotations

import pytest

from reader.text.shorten import fit, truncate


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("ab", 5, "ab   "),
    ("a  b\n c", 6, "a b c "),  # spaces and line breaks made one space
    ("Бірінші абзац", 8, "Бірінші…"),  # the longest start in 7 columns, then "…"
    ("最后一公里的路", 9, "最后一公…"),  # a Han character takes two columns
    ("最后一公里", 10, "最后一公里"),  # exactly the width: not cut
    ("最后 一公里", 6, "最后… "),  # the space before the cut dropped; padded to 6
    ("最后一公里", 4, "最… "),  # no half of a wide character
])
def test_fit(text: str, width: int, expected: str) -> None:
    assert fit(text, width) == expected


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("Бірінші абзац", 8, "Бірінші…"),  # seven characters and the "…"
    ("a\n b", 10, "a b"),
    ("最后一公里", 5, "最后一公里"),
    ("最后一公里", 4, "最后一…"),
])
def test_truncate(text: str, width: int, expected: str) -> None:
    assert truncate(text, width) == expected
