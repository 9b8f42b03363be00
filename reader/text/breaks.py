"""Where a line of text may break: its words. Pure functions (jieba loaded on first use).

Spaced languages break at whitespace. Chinese is cut into words by jieba
(its dictionary ships with it; loading it takes about a second, once per
process and only when a Chinese line needs breaking); other unspaced scripts
break between characters, a run of Latin letters or digits kept whole.
Punctuation stays with its word: closing marks with the word before,
opening quotes and brackets with the word after.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from .paragraphs import is_unspaced

#: Marks that must not start a line: they stay with the word before.
CLOSING = "，。！？；：、”’）》」』〉】…,.;:!?)»"
#: Marks that must not end a line: they stay with the word after.
OPENING = "“‘（《「『〈【«("
_SPACED_WORD = re.compile(r"\S+")
_UNSPACED_RUN = re.compile(r"[A-Za-z0-9.%]+|\S", re.DOTALL)


@functools.cache
def _jieba() -> Any:
    """jieba's tokenizer, loaded once; its progress messages kept off stderr."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _raw_spans(text: str, lang: str) -> list[tuple[int, int]]:
    if not is_unspaced(lang):
        return [m.span() for m in _SPACED_WORD.finditer(text)]
    if lang.split("-")[0].lower() == "zh":
        return [(start, end) for word, start, end in _jieba().tokenize(text) if word.strip()]
    return [m.span() for m in _UNSPACED_RUN.finditer(text)]


def word_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the pieces a line may break between, in order."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None  # start of opening marks waiting for their word
    for start, end in _raw_spans(text, lang):
        piece = text[start:end]
        if spans and opened is None and all(c in CLOSING for c in piece):
            spans[-1] = (spans[-1][0], end)
        elif all(c in OPENING for c in piece):
            opened = start if opened is None else opened
        else:
            spans.append((start if opened is None else opened, end))
            opened = None
    if opened is not None:
        spans.append((opened, len(text.rstrip())))
    return spans
