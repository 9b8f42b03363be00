"""What is spoken for each unit (sentence or paragraph pair): a pattern of steps. Pure.

A pattern is a line of steps separated by spaces, e.g. ``"kk zh zh@0.8 _"``:

- ``kk`` — the unit in that language (a language written twice is a repeat,
  and reuses the same clip);
- ``zh@0.8`` — the same at 0.8× speed (0.5 to 2.0), its own clip;
- ``_`` — a gap for shadowing: silence as long as the clip just heard;
  ``_1.5`` — 1.5 times as long (up to 10).

Named presets take the languages from the book's order (first, second):
``listen`` = "first second", ``learn`` = "first second second@0.8 _",
``shadow`` = "second _ second _".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError

MIN_SPEED, MAX_SPEED = 0.5, 2.0
#: The longest gap, as a multiple of the clip just heard: a learner repeats a
#: sentence in that time, and a larger factor only makes a huge file of silence.
MAX_GAP = 10.0
PRESETS = {
    "listen": "{a} {b}",
    "learn": "{a} {b} {b}@0.8 _",
    "shadow": "{b} _ {b} _",
}
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+|-\d+(?:\.\d*)?)"
_SPEECH = re.compile(rf"^(?P<lang>[A-Za-z][A-Za-z0-9-]*)(?:@(?P<speed>{_NUMBER}))?$")
_GAP = re.compile(rf"^_(?P<factor>{_NUMBER})?$")


@dataclass(frozen=True)
class Step:
    """One step of a pattern: a language (at a speed), or a gap (`lang` None)."""

    lang: str | None
    speed: float = 1.0
    #: For a gap: its length as a multiple of the clip just heard.
    gap: float = 0.0

    @property
    def is_gap(self) -> bool:
        """True for a silence step."""
        return self.lang is None

    def __str__(self) -> str:
        if self.lang is None:
            return "_" if self.gap == 1 else f"_{self.gap:g}"
        return self.lang if self.speed == 1 else f"{self.lang}@{self.speed:g}"


def expand(pattern: str, order: tuple[str, ...]) -> str:
    """A preset's name → its steps in the book's languages; anything else unchanged."""
    name = pattern.strip()
    if name in PRESETS:
        return PRESETS[name].format(a=order[0], b=order[1])
    return pattern


def parse_pattern(pattern: str, order: tuple[str, ...], where: str = "pattern") -> tuple[Step, ...]:
    """Read a pattern (or a preset's name) for a book whose languages are `order`.

    Raises ConfigError naming `where` and the step for an unknown language or
    modifier, a speed outside 0.5–2.0, a gap factor of 0 or less or over 10, a gap
    before any speech, or a pattern without a language.
    """
    text = expand(pattern, order)
    tokens = text.split()
    presets = ", ".join(PRESETS)
    if not tokens:
        raise ConfigError(f'{where}: the pattern is empty; write e.g. "{" ".join(order)}" '
                          f"or a preset ({presets})")
    steps: list[Step] = []
    for number, token in enumerate(tokens, start=1):
        def fail(problem: str, fix: str, number: int = number, token: str = token) -> ConfigError:
            return ConfigError(f'{where}: step {number} "{token}" of "{text}": {problem}; {fix}')

        if token.startswith("_"):
            gap = _GAP.match(token)
            if gap is None:
                raise fail("unknown gap", 'write "_" (as long as the clip just heard) or e.g. "_1.5"')
            factor = float(gap.group("factor") or 1)
            if factor <= 0:
                raise fail(f"a gap factor of {factor:g} is not more than 0",
                           'use a positive factor, e.g. "_" or "_1.5"')
            if factor > MAX_GAP:
                raise fail(f"a gap factor of {factor:g} is over {MAX_GAP:g} (the gap would last "
                           f"{factor:g} times the clip just heard)",
                           f'use at most "_{MAX_GAP:g}"')
            if not any(step.lang for step in steps):
                raise fail("a gap needs a language step before it (it lasts as long as what was "
                           "just heard)", "put a language first")
            steps.append(Step(None, gap=factor))
            continue
        speech = _SPEECH.match(token)
        if speech is None:
            raise fail("unknown modifier",
                       f'write a language ({", ".join(order)}), optionally with "@speed" '
                       'such as "@0.8", or a gap "_"')
        lang = speech.group("lang")
        if lang not in order:
            raise fail(f"unknown language {lang!r}",
                       f"use the book's languages ({', '.join(order)}) or a preset ({presets})")
        speed = float(speech.group("speed") or 1)
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise fail(f"speed {speed:g} is outside {MIN_SPEED}–{MAX_SPEED}",
                       "use e.g. @0.8 to slow down or @1.2 to speed up")
        steps.append(Step(lang, speed))
    return tuple(steps)


def is_plain(steps: tuple[Step, ...], order: tuple[str, ...]) -> bool:
    """True for the book's plain order at normal speed ("kk zh"): the classic book."""
    return steps == tuple(Step(lang) for lang in order)
