"""One definition of a control character, in a setting (one line) and in a text (lines)."""

from __future__ import annotations

import pytest

from reader.characters import control_character, shown


@pytest.mark.parametrize(("text", "setting", "text_line"), [
    ("a\tb", None, None),  # a tab is spacing
    ("a\nb", "U+000A", None),  # a line feed ends a text's line; a setting has one line
    ("a\rb", "U+000D", "U+000D"),  # read_text turns CR into line feeds before it looks
    ("a\x00b", "U+0000", "U+0000"),
    ("a\x7fb", "U+007F", "U+007F"),
    ("a\x85b", "U+0085", "U+0085"),  # C1: NEXT LINE
    ("a\u2028b", "U+2028", "U+2028"),
    ("a\u2029b", "U+2029", "U+2029"),
    ("қазақ 中文 \u00a0 \u200b", None, None),  # spaces and joiners are not control characters
])
def test_control_characters(text: str, setting: str | None, text_line: str | None) -> None:
    assert control_character(text) == setting
    assert control_character(text, lines=True) == text_line


def test_shown_writes_control_characters_as_escapes() -> None:
    assert shown("a\nb\x00c\u2028") == "a\\nb\\x00c\\u2028"
