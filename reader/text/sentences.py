"""A paragraph → its sentences. Pure functions.

Languages written with spaces (Kazakh, Russian, English, …) end a sentence at
``. ! ? …`` (and runs such as ``?!`` or ``...``), with any closing quotes or
brackets after them, when whitespace and then a capital letter, a digit, an
opening quote or bracket, or a dash follow — or the paragraph ends. A
lower-case word after the stop means the stop was not the sentence's end
("2019 ж. сәуірде", "т.б. елдер"). Besides that:

- an initial is not an end: a single capital letter before the stop
  ("А.Б. Құнанбаев", "Си Ц. Пин");
- titles before a name are not an end ("проф. Абай");
- "ж." (year), "жж.", "ғ." (century), "ғғ.", "млн." and "млрд." after a number
  are not an end ("1845 ж. Қасым…" keeps going).

Chinese and Japanese end a sentence at ``。！？；…`` (runs such as ``！？`` or
``……`` included) with the closing quotes and brackets after them
(``“最后一公里”。`` and ``他说：“走吧！”`` end after the ``”``); whitespace
is not needed and an ASCII ``.`` (``20.6万``) never ends one.
"""

from __future__ import annotations

import re

from .paragraphs import is_unspaced

_CLOSING = "»”’\"')]）】」』》〉"
_OPENING = "«“„‘\"'([（【「『《〈"
_DASHES = "-–—"

# Spaced scripts: the stop, the closers after it, then the whitespace that must follow.
_SPACED_END = re.compile(rf"[.!?…]+[{re.escape(_CLOSING)}]*(?=\s|$)")
# Unspaced scripts: the stop and the closers after it.
_UNSPACED_END = re.compile(rf"[。！？；…!?]+[{re.escape(_CLOSING)}]*")

#: Words that stand before a name and never end a sentence.
TITLES = frozenset({"проф", "акад", "доц", "др", "мыр", "ген", "prof", "dr", "mr", "mrs", "ms",
                    "st", "г-н", "г-жа"})
#: Abbreviated units that follow a number ("2019 ж.", "XX ғ.", "3 млн.").
AFTER_NUMBER = frozenset({"ж", "жж", "ғ", "ғғ", "млн", "млрд", "г", "гг", "тг"})

_WORD_BEFORE = re.compile(r"(\S+)\s*$")
_NUMBER_THEN_WORD = re.compile(r"(?:\d+|[IVXLC]+)\s+(\S+)$")


def _is_final(text: str, stop: re.Match[str]) -> bool:
    """Whether a stop found in spaced text really ends the sentence."""
    following = text[stop.end():].lstrip()
    if not following:
        return True
    first = following[0]
    if not (first.isupper() or first.isdigit() or first in _OPENING or first in _DASHES):
        return False
    if not stop.group().startswith("."):
        return True  # ! ? … end a sentence before a capital whatever precedes them
    before = text[:stop.start()]
    word = _WORD_BEFORE.search(before)
    if word is None:
        return True
    last = word.group(1).lstrip(_OPENING)
    # The last dot-separated piece: "А.Б" → "Б", "т.б" → "б".
    piece = last.rsplit(".", 1)[-1]
    if len(piece) == 1 and piece.isupper():
        return False  # an initial
    if last.lower() in TITLES:
        return False
    # "ж." after a number is the year's abbreviation, whatever follows it.
    return not (last.lower() in AFTER_NUMBER and _NUMBER_THEN_WORD.search(before.rstrip()))


def split_sentences(text: str, lang: str) -> tuple[str, ...]:
    """A paragraph's sentences in order; joined back they give the paragraph.

    Spaced languages join their sentences with one space, unspaced ones with
    nothing; a paragraph without a stop is one sentence.
    """
    text = text.strip()
    if not text:
        return ()
    sentences: list[str] = []
    start = 0
    if is_unspaced(lang):
        for stop in _UNSPACED_END.finditer(text):
            sentences.append(text[start:stop.end()])
            start = stop.end()
    else:
        for stop in _SPACED_END.finditer(text):
            if _is_final(text, stop):
                sentences.append(text[start:stop.end()])
                start = stop.end()
    sentences.append(text[start:])
    return tuple(s for s in (part.strip() for part in sentences) if s)
