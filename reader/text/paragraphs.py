"""Text → sections → paragraphs. Pure functions; no I/O except `read_text`.

A text file holds one language. Paragraphs are blocks separated by blank lines;
the lines of a block are joined (with a space, or with nothing for scripts that
do not separate words); a line starting with ``# `` opens a section.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..characters import control_at
from ..errors import TextError

#: Languages whose script does not put spaces between words.
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "yue", "cmn", "th", "lo", "km", "my"})

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’"
# ASCII punctuation touching Han text becomes its full-width form: the seed's
# Chinese uses "," where "，" is meant, and both engines pause better on the latter.
_FULLWIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_ASCII_PUNCT_AFTER_HAN = re.compile(rf"(?<=[{_HAN}])\s*([,;:!?()])\s*")
_ASCII_PUNCT_BEFORE_HAN = re.compile(rf"\s*([,;:!?()])\s*(?=[{_HAN}])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f]+")


@dataclass(frozen=True)
class Paragraph:
    """One block of text, ready to speak, with the line it starts on (1-based)."""

    text: str
    line: int


@dataclass(frozen=True)
class Section:
    """Paragraphs under one ``# `` heading (title None before the first heading)."""

    title: str | None
    line: int
    paragraphs: tuple[Paragraph, ...]


def is_unspaced(lang: str) -> bool:
    """True for languages whose lines join without a space (Chinese, Japanese, …)."""
    return lang.split("-")[0].lower() in UNSPACED_LANGUAGES


#: Texts larger than this are refused: a book's text is a few MB at most, and a
#: device or a huge file must not exhaust memory.
MAX_TEXT_BYTES = 32 * 1024 * 1024


def read_text(path: Path) -> str:
    """Read a UTF-8 text file; a BOM and CRLF/CR line endings are accepted.

    Only a regular file of at most MAX_TEXT_BYTES is read (never a device or a
    FIFO), and a control character refuses the file: what is shown and what is
    spoken must be the same text.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TextError(f"{path}: file not found; create it or check the book folder") from None
    except OSError as exc:
        raise TextError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise TextError(f"{path}: not a regular file (a device, FIFO or folder); "
                        "make it a UTF-8 text file")
    if info.st_size > MAX_TEXT_BYTES:
        raise TextError(f"{path}: {info.st_size // 1024 // 1024} MB is more than a text can be "
                        f"({MAX_TEXT_BYTES // 1024 // 1024} MB); split the book")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise TextError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TextError(
            f"{path}:{line}: not valid UTF-8 (byte {raw[exc.start]:#04x}); "
            "save the file as UTF-8"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    at = control_at(text, lines=True)
    if at is not None:
        line = text.count("\n", 0, at) + 1
        raise TextError(f"{path}:{line}: holds the control character U+{ord(text[at]):04X}, "
                        "which would be shown but not spoken; remove it")
    return text


def normalise(text: str, lang: str) -> str:
    """Normalise a paragraph for display and speech: NFC, single spaces, and for
    unspaced languages full-width punctuation where ASCII touches Han text."""
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text).strip()
    if is_unspaced(lang):
        text = _ASCII_PUNCT_AFTER_HAN.sub(lambda m: _FULLWIDTH[m.group(1)], text)
        text = _ASCII_PUNCT_BEFORE_HAN.sub(lambda m: _FULLWIDTH[m.group(1)], text)
    return text


def join_lines(lines: list[str], lang: str) -> str:
    """Join the lines of one block: with nothing for unspaced languages, else a space."""
    parts = [line.strip() for line in lines if line.strip()]
    return ("" if is_unspaced(lang) else " ").join(parts)


def split_sections(text: str, lang: str) -> tuple[Section, ...]:
    """Split a language's text into sections of normalised paragraphs.

    Paragraphs before the first heading form an untitled section, which is
    omitted when empty.
    """
    sections: list[Section] = []
    title: str | None = None
    title_line = 1
    paragraphs: list[Paragraph] = []
    block: list[str] = []
    block_line = 0

    def close_block() -> None:
        nonlocal block
        if block:
            joined = normalise(join_lines(block, lang), lang)
            if joined:
                paragraphs.append(Paragraph(joined, block_line))
            block = []

    def close_section() -> None:
        nonlocal paragraphs
        close_block()
        if paragraphs or title is not None:
            sections.append(Section(title, title_line, tuple(paragraphs)))
        paragraphs = []

    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("# ") or stripped == "#":
            close_section()
            title = normalise(stripped[1:], lang) or None
            title_line = number
        elif not stripped:
            close_block()
        else:
            if not block:
                block_line = number
            block.append(stripped)
    close_section()
    return tuple(sections)
