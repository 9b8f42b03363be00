"""A book read and paired: book.toml, both texts, and the recorded alignment if any."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..config import UNITS, Book, load_book
from ..errors import ConfigError, TextError
from ..paths import inside
from ..text.alignment_file import read_alignment
from ..text.pairing import Pair, pair_aligned, pair_sections
from ..text.paragraphs import is_unspaced, read_text, split_sections
from ..text.patterns import Step, is_plain, parse_pattern
from ..text.spoken import occurs, spoken_form
from .voicing import check_voices


@dataclass(frozen=True)
class LoadedBook:
    """A book with its texts read and paired."""

    book: Book
    pairs: tuple[Pair, ...]
    #: Notes from loading, e.g. paragraphs a recorded alignment leaves unpaired.
    warnings: tuple[str, ...] = ()
    #: What is spoken per unit (book.toml `pattern`, `--pattern`); () = the book's order.
    steps: tuple[Step, ...] = ()

    @property
    def learning(self) -> bool:
        """True when the book is spoken by sentence or with a pattern other than its order.

        Such books are built by reader.pipeline.learning; the plain book keeps its
        classic path (and its output byte for byte).
        """
        return self.book.unit == "sentence" or bool(
            self.steps and not is_plain(self.steps, self.book.order))

    def where(self, pair: Pair, lang: str) -> str:
        """"texts/x/kk.txt:12 (paragraph 3)": where a paragraph comes from."""
        line = dict(pair.texts)[lang].line
        return f"{self.book.text_path(lang)}:{line} (paragraph {pair.index})"

    def spoken(self, text: str, lang: str) -> str:
        """How the book says `text` in `lang`: its lexicon, then the language's rules."""
        said = self.book.pronounce
        return spoken_form(text, lang, lexicon=said.lexicon(lang), keep_latin=said.keep_latin)


def _unused_entries(book: Book, pairs: tuple[Pair, ...]) -> tuple[str, ...]:
    """A warning for each of book.toml's own lexicon keys that no paragraph contains.

    Entries from shared lexicon files are meant for many books, so they are not checked.
    """
    notes = []
    for lang in book.order:
        # One search per key over the whole text (paragraphs apart, so no key spans two).
        whole = "\n\n".join(dict(pair.texts)[lang].text for pair in pairs
                             if lang in dict(pair.texts))
        for key in book.pronounce.own(lang):
            if not occurs(key, whole, unspaced=is_unspaced(lang)):
                notes.append(f"{book.toml_path}: pronounce.{lang}: {key!r} occurs nowhere in "
                             f"{book.text_path(lang).name}; check its spelling or remove it")
    return tuple(notes)


def load(
    book_dir: Path,
    *,
    order: tuple[str, ...] | None = None,
    engine_chains: dict[str, tuple[str, ...]] | None = None,
    unit: str | None = None,
    pattern: str | None = None,
    preset: str | None = None,
) -> LoadedBook:
    """Read book.toml and both texts, apply CLI overrides, and pair the paragraphs.

    A recorded alignment (see reader.text.align) decides the pairs when the book has one.
    The pattern is checked here, so a bad one stops the command before any synthesis.
    """
    book = load_book(Path(book_dir)).with_overrides(order=order, engines=engine_chains,
                                                       preset=preset)
    if unit is not None:
        if unit not in UNITS:
            raise ConfigError(f"--unit {unit}: not a choice; use {' or '.join(UNITS)}")
        book = dataclasses.replace(book, unit=unit)
    if pattern is not None:
        book = dataclasses.replace(book, pattern=pattern)
    where = "--pattern" if pattern is not None else f"{book.toml_path}: pattern"
    steps = parse_pattern(book.pattern or "listen", book.order, where)
    check_voices(book)
    for lang in book.order:
        inside(book.root, book.text_path(lang).name, f"the {lang} text")
    sides = {lang: split_sections(read_text(book.text_path(lang)), lang) for lang in book.order}
    files = {lang: book.text_path(lang) for lang in book.order}
    alignment = read_alignment(book.root, sides, files)
    if alignment is None:
        pairs = pair_sections(sides, files)
        loaded = LoadedBook(book, pairs, _unused_entries(book, pairs), steps)
    else:
        pairs, notes = pair_aligned(sides, files, alignment,
                                    speak_unpaired=book.unpaired == "speak")
        loaded = LoadedBook(book, pairs, tuple(notes) + _unused_entries(book, pairs), steps)
    if not loaded.pairs:
        raise TextError(f"{book.root}: the texts hold no paragraphs; nothing to build "
                        f"(write paragraphs in {' and '.join(str(p) for p in files.values())})")
    for pair in loaded.pairs:
        for lang, paragraph in pair.texts:
            if not speakable(paragraph.text):
                raise TextError(f"{loaded.where(pair, lang)}: nothing to speak (no letters or "
                                "digits, only punctuation or symbols); add words or remove it")
            if book.unit == "paragraph":  # by sentence, each clip is one sentence
                check_length(paragraph.text, lang, loaded.where(pair, lang))
    return loaded


#: Characters per second of speech, for a length estimate before anything is spoken.
SPEECH_RATE = {"unspaced": 4.0, "spaced": 13.0}
#: The longest clip, in estimated seconds of speech. A clip is synthesised whole and
#: mastered a block at a time (audio/blockwise.py): its 16-bit samples and master are held
#: whole, about 0.15 MB per second of speech with the engine's copies; a 30-minute
#: paragraph peaks near 400 MB (benchmarks/long_inputs.py).
MAX_CLIP_SECONDS = 1800


def check_length(text: str, lang: str, where: str) -> None:
    """Refuse (TextError) a text that would make a clip longer than MAX_CLIP_SECONDS."""
    seconds = len(text) / SPEECH_RATE["unspaced" if is_unspaced(lang) else "spaced"]
    if seconds > MAX_CLIP_SECONDS:
        raise TextError(
            f"{where}: {len(text):,} characters, about {seconds / 60:.0f} minutes of speech in "
            f"one clip (at most {MAX_CLIP_SECONDS // 60} are spoken at once); split the "
            "paragraph with a blank line, or speak the book by sentence (--unit sentence)")


def speakable(text: str) -> bool:
    """Whether a paragraph holds something an engine can say: a letter or a digit."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)
