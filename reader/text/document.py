"""A book read from a file: metadata and chapters of paragraphs. Pure functions.

The format readers in `reader.text.sources` turn an EPUB, an HTML page, a DOCX
or a Markdown file into a `Document`; everything after that (pairing the
chapters of two editions, writing the book folder) works on documents alone.
Readers produce a flat stream of `Heading`s and `Para`s; `structure` decides
which headings open chapters.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..characters import TEXT_CONTROL

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
#: Control characters (a line feed aside: lines are kept) and stray byte-order marks.
_CONTROL = re.compile(f"[{TEXT_CONTROL}\ufeff]")
#: A paragraph that is only a page number: "12", "— 12 —", "[xiv]", "p. 7", "- 3 -".
_PAGE_NUMBER = re.compile(r"^[\s\-–—\[\](){}.|]*(p\.?\s*)?(\d{1,4}|[ivxlcdm]{1,7})[\s\-–—\[\](){}.|]*$",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Heading:
    """A heading as the source marks it: level 1 (top) to 6."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph of running text; lines are kept (a poem's line breaks)."""

    text: str


@dataclass(frozen=True)
class Chapter:
    """One chapter: its title (None when the source gives none) and its paragraphs."""

    title: str | None
    paragraphs: tuple[str, ...]

    @property
    def chars(self) -> int:
        """Characters of text, a measure of its length."""
        return sum(len(p) for p in self.paragraphs)


@dataclass(frozen=True)
class Metadata:
    """What a source says about itself; empty strings where it says nothing."""

    title: str = ""
    author: str = ""
    language: str = ""
    date: str = ""
    #: The cover image's bytes and its file suffix (".jpg", ".png"), if the source has one.
    cover: bytes = b""
    cover_suffix: str = ""


@dataclass(frozen=True)
class Document:
    """A source read into chapters, with what was left out on the way (reason → count)."""

    path: str
    kind: str  # "EPUB 3", "HTML", "DOCX", "Markdown", …
    metadata: Metadata
    chapters: tuple[Chapter, ...]
    dropped: tuple[tuple[str, int], ...] = field(default=())

    def paragraphs(self) -> int:
        """How many paragraphs the chapters hold."""
        return sum(len(c.paragraphs) for c in self.chapters)

    def sample(self, limit: int = 20000) -> str:
        """The start of the text, for guessing its language."""
        out: list[str] = []
        size = 0
        for chapter in self.chapters:
            for paragraph in chapter.paragraphs:
                out.append(paragraph)
                size += len(paragraph)
                if size >= limit:
                    return "\n\n".join(out)
        return "\n\n".join(out)


def clean(text: str) -> str:
    """NFC, control characters removed, runs of spaces made one; lines kept, blank ones dropped."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def is_page_number(text: str) -> bool:
    """True for a paragraph that is only a page number ("12", "— 12 —", "xiv")."""
    return bool(_PAGE_NUMBER.match(text)) and len(text) <= 16


def structure(items: Sequence[Heading | Para]) -> tuple[str, tuple[Chapter, ...]]:
    """Cut a stream of headings and paragraphs into chapters; return (document title, chapters).

    A heading of the document's top level that occurs once, first, is the
    document's title. Headings of the top level that remains open chapters;
    deeper headings are text (a subtitle, a scene heading) and stay paragraphs.
    Paragraphs before the first chapter heading form an untitled chapter.
    """
    items = list(items)
    title = ""
    levels = Counter(i.level for i in items if isinstance(i, Heading))
    if items and isinstance(items[0], Heading) and levels[items[0].level] == 1 \
            and items[0].level == min(levels) and len(levels) > 1:
        title = items[0].text
        items = items[1:]
        levels[min(levels)] -= 1
        levels = +levels
    top = min(levels) if levels else 0
    chapters: list[Chapter] = []
    current_title: str | None = None
    current: list[str] = []
    started = False
    for item in items:
        if isinstance(item, Heading) and item.level == top:
            if current or started:
                chapters.append(Chapter(current_title, tuple(current)))
            current_title, current, started = item.text, [], True
        else:
            current.append(item.text)
    if current or started:
        chapters.append(Chapter(current_title, tuple(current)))
    return title, tuple(c for c in chapters if c.paragraphs)


def tally(reasons: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Reasons for dropping, counted, in order of first appearance."""
    return tuple(Counter(reasons).items())
