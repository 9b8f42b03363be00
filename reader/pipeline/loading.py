"""A book read and paired: book.toml, both texts, and the recorded alignment if any."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..config import Book, inside, load_book
from ..errors import TextError
from ..text.align import read_alignment
from ..text.pairing import Pair, pair_aligned, pair_sections
from ..text.paragraphs import read_text, split_sections
from .voicing import check_voices


@dataclass(frozen=True)
class LoadedBook:
    """A book with its texts read and paired."""

    book: Book
    pairs: tuple[Pair, ...]
    #: Notes from loading, e.g. paragraphs a recorded alignment leaves unpaired.
    warnings: tuple[str, ...] = ()

    def where(self, pair: Pair, lang: str) -> str:
        """"texts/x/kk.txt:12 (paragraph 3)": where a paragraph comes from."""
        line = dict(pair.texts)[lang].line
        return f"{self.book.text_path(lang)}:{line} (paragraph {pair.index})"


def load(
    book_dir: Path,
    *,
    order: tuple[str, ...] | None = None,
    engine_chains: dict[str, tuple[str, ...]] | None = None,
) -> LoadedBook:
    """Read book.toml and both texts, apply CLI overrides, and pair the paragraphs.

    A recorded alignment (see reader.text.align) decides the pairs when the book has one.
    """
    book = load_book(Path(book_dir)).with_overrides(order=order, engines=engine_chains)
    check_voices(book)
    for lang in book.order:
        inside(book.root, book.text_path(lang).name, f"the {lang} text")
    sides = {lang: split_sections(read_text(book.text_path(lang)), lang) for lang in book.order}
    files = {lang: book.text_path(lang) for lang in book.order}
    alignment = read_alignment(book.root, sides, files)
    if alignment is None:
        loaded = LoadedBook(book, pair_sections(sides, files))
    else:
        pairs, notes = pair_aligned(sides, files, alignment,
                                    speak_unpaired=book.unpaired == "speak")
        loaded = LoadedBook(book, pairs, notes)
    if not loaded.pairs:
        raise TextError(f"{book.root}: the texts hold no paragraphs; nothing to build "
                        f"(write paragraphs in {' and '.join(str(p) for p in files.values())})")
    for pair in loaded.pairs:
        for lang, paragraph in pair.texts:
            if not speakable(paragraph.text):
                raise TextError(f"{loaded.where(pair, lang)}: nothing to speak (no letters or "
                                "digits, only punctuation or symbols); add words or remove it")
    return loaded


def speakable(text: str) -> bool:
    """Whether a paragraph holds something an engine can say: a letter or a digit."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)
