"""Spoken forms: a paragraph as its language's readers say it, made between the text and the engine.

The written text is what the page, the subtitles and the chapters show; the
spoken form is what the engine is given (and what a clip's key is made of).
Steps, in order: the pronunciation lexicon (whole words, longest first; what it
produces is left alone), then the language's normaliser — numbers, dates,
percent, units, acronyms (see `kk` and `zh`). Pure functions, no I/O.
"""

from __future__ import annotations

import re

from ..paragraphs import is_unspaced
from . import kk, zh
from .letters import latin_segments
from .lexicon import Lexicon, Segment, apply_lexicon, occurs

__all__ = ["Lexicon", "leftovers", "normaliser_for", "occurs", "spoken_form"]

_NORMALISERS = {"kk": kk.normalise, "zh": zh.normalise, "cmn": zh.normalise}
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.;:!?，。；：！？])")
# What espeak says badly or in another voice: Latin words, digits, letters mixed with
# digits, and signs that are neither letters nor punctuation.
_LEFTOVER = re.compile(r"[A-Za-z0-9]+(?:[-'.][A-Za-z0-9]+)*|[^\w\s,.;:!?«»\"“”„'’()\[\]\-–—―…/"
                       r"，。；：！？、（）《》〈〉「」『』·]")


def normaliser_for(lang: str) -> str | None:
    """The normaliser's language for a BCP-47 code (zh-Hans → "zh"), None when there is none."""
    base = lang.split("-")[0].lower()
    return base if base in _NORMALISERS else None


def _unshout(text: str) -> str:
    """A paragraph written all in capitals (a heading) is read as words, not as acronyms."""
    if text.upper() != text or text.lower() == text:  # some lower case, or no letters
        return text
    if len(text.split()) >= 3:
        lowered = text.lower()
        return lowered[:1].upper() + lowered[1:]
    return text


def spoken_form(text: str, lang: str, *, lexicon: Lexicon = (), keep_latin: bool = False) -> str:
    """How `text` in `lang` is spoken: the lexicon's words, then the language's rules.

    With `keep_latin`, Latin-script acronyms stay as written (the engine decides).
    Languages without a normaliser get the lexicon only.
    """
    said = "".join(piece for piece, _ in _spoken_segments(text, lang, lexicon, keep_latin))
    if not is_unspaced(lang):
        said = _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", said))
    return said


def leftovers(text: str, lang: str, *, lexicon: Lexicon = (), keep_latin: bool = False
              ) -> list[str]:
    """What the rules left as written that espeak may not say well, in order.

    Latin words, digits, letters mixed with digits, and signs; what the lexicon
    produced is the producer's choice and is not listed.
    """
    return [found.group(0)
            for piece, protected in _spoken_segments(text, lang, lexicon, keep_latin)
            if not protected for found in _LEFTOVER.finditer(piece)]


def _spoken_segments(text: str, lang: str, lexicon: Lexicon, keep_latin: bool
                     ) -> list[Segment]:
    unspaced = is_unspaced(lang)
    base = normaliser_for(lang)
    normalise = _NORMALISERS[base] if base else None
    text = _unshout(text) if not unspaced else text
    segments: list[Segment] = apply_lexicon(text, lexicon, unspaced=unspaced)
    if keep_latin:  # acronyms kept for the engine: their digits are not read either
        segments = [part for piece, protected in segments
                    for part in ([(piece, True)] if protected else latin_segments(piece))]
    return [(piece, True) if protected or normalise is None
            else (normalise(piece, keep_latin=keep_latin), False)
            for piece, protected in segments]
