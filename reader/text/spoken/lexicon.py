"""The pronunciation lexicon step: whole words replaced by how they are said.

Keys match whole words (in unspaced scripts such as Chinese, wherever they
occur), longest key first, so "Си Цзиньпин" wins over "Си". What a lexicon
entry produces is protected: the later steps (numbers, acronyms) leave it as
the producer wrote it.
"""

from __future__ import annotations

import functools
import re

#: A piece of text and whether the lexicon produced it (True: leave it alone).
Segment = tuple[str, bool]
Lexicon = tuple[tuple[str, str], ...]


def _variants(key: str, value: str) -> list[tuple[str, str]]:
    """A lowercase key also matches at a sentence start: "шақырым" → "Шақырым"."""
    pairs = [(key, value)]
    if key[:1].islower() and key[:1].upper() != key[:1]:
        pairs.append((key[:1].upper() + key[1:], value[:1].upper() + value[1:]))
    return pairs


@functools.lru_cache(maxsize=64)
def _compiled(lexicon: Lexicon, unspaced: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, str] = {}
    for key, value in lexicon:
        for variant, said in _variants(key, value):
            table.setdefault(variant, said)  # the key as written wins over a made-up variant
    # Longest first: a regex alternation takes the first alternative that matches.
    keys = sorted(table, key=lambda k: (-len(k), k))
    body = "|".join(re.escape(k) for k in keys)
    pattern = body if unspaced else rf"(?<!\w)(?:{body})(?!\w)"
    return re.compile(pattern), table


def apply_lexicon(text: str, lexicon: Lexicon, *, unspaced: bool = False) -> list[Segment]:
    """Split `text` into segments, the lexicon's replacements marked as protected."""
    if not lexicon:
        return [(text, False)]
    pattern, table = _compiled(lexicon, unspaced)
    segments: list[Segment] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            segments.append((text[last : match.start()], False))
        segments.append((table[match.group(0)], True))
        last = match.end()
    if last < len(text):
        segments.append((text[last:], False))
    return segments


def occurs(key: str, text: str, *, unspaced: bool = False) -> bool:
    """Whether a lexicon key would match somewhere in `text`."""
    return any(protected for _, protected in apply_lexicon(text, ((key, key),), unspaced=unspaced))
