"""A book read and paired: book.toml, both texts, and the recorded alignment if any."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Book, load_book
from ..text.align import read_alignment
from ..text.pairing import Pair, pair_aligned, pair_sections
from ..text.paragraphs import read_text, split_sections


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
    preset: str | None = None,
) -> LoadedBook:
    """Read book.toml and both texts, apply CLI overrides, and pair the paragraphs.

    A recorded alignment (see reader.text.align) decides the pairs when the book has one.
    """
    book = load_book(Path(book_dir)).with_overrides(order=order, engines=engine_chains,
                                                       preset=preset)
    sides = {lang: split_sections(read_text(book.text_path(lang)), lang) for lang in book.order}
    files = {lang: book.text_path(lang) for lang in book.order}
    alignment = read_alignment(book.root, sides, files)
    if alignment is None:
        return LoadedBook(book, pair_sections(sides, files))
    pairs, notes = pair_aligned(sides, files, alignment, speak_unpaired=book.unpaired == "speak")
    return LoadedBook(book, pairs, notes)
