"""Two editions of a book (an original and a translation) → one bilingual book folder.

Each edition is a `Document` (see reader.text.sources). Its language is taken
from ``--lang``, else guessed from its letters, else from what the file says.
The chapters are paired (reader.text.chapters); each chapter pair becomes one
``# `` section of both texts, and its paragraphs are paired by the paragraph
aligner (reader.text.align), whose proposal is recorded as alignment.toml when
pairing by position would not do. A chapter without a partner becomes a
section whose other side is empty: its paragraphs are unpaired, so book.toml's
``unpaired`` decides whether they are skipped or spoken alone.

Everything but `write_edition_book` is pure; the same sources always give the
same files, so re-importing a corrected source changes only the chapters whose
text changed (and the build re-makes only their clips).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import fsutil
from ..errors import ConfigError, InputError
from . import align, alignment_file
from .chapters import ChapterStep, pair_chapters
from .document import Chapter, Document
from .importer import guess_language
from .pairing import weight
from .paragraphs import Section, split_sections

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Edition:
    """A source read into chapters, with its language and why that language."""

    document: Document
    lang: str
    reason: str


@dataclass(frozen=True)
class EditionBook:
    """What import writes: the texts, book.toml, the alignment, and how chapters paired."""

    editions: tuple[Edition, Edition]
    steps: tuple[ChapterStep, ...]
    texts: dict[str, str]
    proposal: align.Proposal
    toml: str

    @property
    def order(self) -> tuple[str, str]:
        """The two languages, original first."""
        return self.editions[0].lang, self.editions[1].lang

    def needs_alignment(self) -> bool:
        """Whether pairing paragraphs by position would differ from the proposal."""
        la, lb = self.order
        same = all(len(x.paragraphs) == len(y.paragraphs) for x, y in
                   zip(self.proposal.sides[la], self.proposal.sides[lb], strict=True))
        return not (same and self.proposal.one_to_one())

    def unpaired_chapters(self) -> list[tuple[str, int, Chapter]]:
        """Chapters without a partner, as (lang, 0-based position, chapter)."""
        found = []
        for step in self.steps:
            if step.a and step.b:
                continue
            edition = self.editions[0] if step.a else self.editions[1]
            for i in step.a or step.b:
                found.append((edition.lang, i, edition.document.chapters[i]))
        return found


def language_of(document: Document, given: str | None) -> tuple[str, str]:
    """An edition's language and why: `given`, else its letters, else what the file says."""
    declared = document.metadata.language.split("-")[0].lower()
    says = f"; the file says {declared}" if declared else ""
    if given:
        if not _LANG.match(given):
            raise ConfigError(f"--lang {given}: not a language code; use one such as kk, zh, en")
        return given, f"--lang{says}"
    guess, reason = guess_language(document.sample())
    if guess not in (None, "latin"):
        return str(guess), f"{reason}{says}"
    if _LANG.match(declared):
        return declared, f"the file says {declared} ({reason})"
    raise InputError(f"{document.path}: cannot tell its language ({reason}) and the file does "
                     "not say; pass it with --lang, e.g. --lang kk,en")


def _title(chapters: list[Chapter]) -> str:
    return " / ".join(c.title for c in chapters if c.title)


def _line(text: str) -> str:
    """A paragraph line that would read as a heading is kept as text."""
    if text == "#" or text.startswith("# "):
        return "#\u00a0" + text[2:]
    return text


def render(sections: list[tuple[str, list[str]]]) -> str:
    """A language's text file: ``# title`` and its paragraphs, blocks separated by blank lines."""
    blocks = []
    for title, paragraphs in sections:
        blocks.append(f"# {title}")
        blocks += ["\n".join(_line(line) for line in p.split("\n")) for p in paragraphs]
    return "\n\n".join(blocks) + "\n"


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def draft_toml(a: Edition, b: Edition, cover: str) -> str:
    """book.toml for two editions: languages, titles, author, date, cover."""
    ma, mb = a.document.metadata, b.document.metadata
    name_a, name_b = Path(a.document.path).name, Path(b.document.path).name
    lines = [
        f"# Drafted by `reader import` from {name_a} ({a.document.kind}, {a.lang}) and",
        f"# {name_b} ({b.document.kind}, {b.lang}): check the titles, then `reader check`.",
    ]
    author = ma.author or mb.author
    if author:
        lines.append(f"author = {_toml(author)}")
    if mb.author and mb.author != author:
        lines.append(f"# the translation names {_toml(mb.author)}")
    date = ma.date or mb.date
    if re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", date):
        lines.append(f"date = {_toml(date)}")
    lines += [
        f"source = {_toml(f'{name_a}; {name_b}')}",
        f"order = [{_toml(a.lang)}, {_toml(b.lang)}]",
        "# Chapters or paragraphs without a partner (see alignment.toml): \"skip\" them",
        "# (a warning at build time names each) or \"speak\" them alone.",
        'unpaired = "skip"',
    ]
    if cover:
        lines.append(f"cover = {_toml(cover)}")
    for edition in (a, b):
        title = edition.document.metadata.title
        lines += ["", f"[language.{edition.lang}]"]
        lines.append(f"title = {_toml(title)}" if title else '# title = ""')
    return "\n".join(lines) + "\n"


def cover_name(a: Edition, b: Edition) -> tuple[str, bytes]:
    """The cover's file name in the book folder and its bytes (the original's first)."""
    for edition in (a, b):
        meta = edition.document.metadata
        if meta.cover:
            return f"cover{meta.cover_suffix}", meta.cover
    return "", b""


def pair_editions(a: Edition, b: Edition, folder: Path) -> EditionBook:
    """Pair two editions chapter by chapter, then paragraph by paragraph within each pair."""
    if a.lang == b.lang:
        raise InputError(f"{a.document.path} and {b.document.path} are both in {a.lang}; "
                         "a book needs two languages (set them with --lang, e.g. --lang kk,zh)")
    ca, cb = a.document.chapters, b.document.chapters
    steps = pair_chapters(
        [(c.title, sum(weight(p, a.lang) for p in c.paragraphs)) for c in ca],
        [(c.title, sum(weight(p, b.lang) for p in c.paragraphs)) for c in cb])
    sections: dict[str, list[tuple[str, list[str]]]] = {a.lang: [], b.lang: []}
    for number, step in enumerate(steps, start=1):
        xa, xb = [ca[i] for i in step.a], [cb[j] for j in step.b]
        ta, tb = _title(xa), _title(xb)
        sections[a.lang].append((ta or tb or str(number), [p for c in xa for p in c.paragraphs]))
        sections[b.lang].append((tb or ta or str(number), [p for c in xb for p in c.paragraphs]))
    texts = {lang: render(items) for lang, items in sections.items()}
    sides: dict[str, tuple[Section, ...]] = {
        lang: split_sections(text, lang) for lang, text in texts.items()}
    files = {lang: folder / f"{lang}.txt" for lang in texts}
    proposal = align.propose(sides, files)
    cover, _ = cover_name(a, b)
    return EditionBook((a, b), steps, texts, proposal, draft_toml(a, b, cover))


def write_edition_book(book: EditionBook, folder: Path, *, force: bool = False) -> list[Path]:
    """Write the texts, book.toml, alignment.toml (when needed) and cover; return the paths.

    Each file is written to a temporary name in the folder and renamed into
    place; a file whose bytes would not change is left alone. An existing
    book is kept unless `force`.
    """
    folder = Path(folder)
    la, lb = book.order
    cover, image = cover_name(*book.editions)
    files: dict[str, bytes] = {
        f"{la}.txt": book.texts[la].encode("utf-8"),
        f"{lb}.txt": book.texts[lb].encode("utf-8"),
        "book.toml": book.toml.encode("utf-8"),
    }
    if cover:
        files[cover] = image
    existing = [name for name in [*files, alignment_file.ALIGNMENT_FILE] if (folder / name).exists()]
    if existing and not force:
        raise InputError(f"{folder}: already holds {', '.join(existing)}; pass --force to "
                         "overwrite, or choose another --book folder")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder; choose another --book path")
    for name in files:
        if (folder / name).is_symlink():
            raise InputError(f"{folder / name}: a symbolic link; remove it before importing "
                             "(reader writes only inside the book folder)")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = folder / name
        if not (path.is_file() and path.read_bytes() == data):
            fsutil.write_bytes(path, data)
        written.append(path)
    alignment = folder / alignment_file.ALIGNMENT_FILE
    if book.needs_alignment():
        written.append(alignment_file.write_alignment(folder, book.proposal))
    else:
        alignment.unlink(missing_ok=True)
    return written
