"""Characters a book's settings may not hold: control characters (a tab aside).

Shared by book.toml and the lexicon files it names, so both refuse the same
characters with the same words.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(text: str) -> str | None:
    """"U+000D" when a text holds a control character (a tab aside), else None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def shown(text: str | object) -> str:
    """A text for a one-line message: control characters written as escapes (\\n, \\x00)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))
