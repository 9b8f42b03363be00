"""Control characters: the one definition, used wherever a book's words or settings are read.

A control character is shown as nothing (or as a break) but never spoken, so what is
shown and what is spoken would differ: C0 controls but the tab, DEL, C1 controls, and
the Unicode line and paragraph separators (U+2028, U+2029). A setting (book.toml, a
lexicon file, a folder's name, a podcast option) holds none of them; a text
(`<lang>.txt`) holds none but the line feed that ends its lines; an imported
document has them replaced by spaces (reader.text.document).
"""

from __future__ import annotations

import re

#: The control characters of a text, as the body of a regular-expression class.
TEXT_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
_TEXT = re.compile(f"[{TEXT_CONTROL}]")
#: The same and the line feed: the control characters of a one-line setting.
_SETTING = re.compile(f"[\n{TEXT_CONTROL}]")


def control_at(text: str, *, lines: bool = False) -> int | None:
    """Where the first control character is (with `lines`, a line feed is not one), or None."""
    found = (_TEXT if lines else _SETTING).search(text)
    return found.start() if found else None


def control_character(text: str, *, lines: bool = False) -> str | None:
    """"U+000D" when a text holds a control character (a tab aside), else None."""
    at = control_at(text, lines=lines)
    return None if at is None else f"U+{ord(text[at]):04X}"


def shown(text: str | object) -> str:
    """A text for a one-line message: control characters written as escapes (\\n, \\x00)."""
    return _SETTING.sub(lambda m: repr(m.group())[1:-1], str(text))
