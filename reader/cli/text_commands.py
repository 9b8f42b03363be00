"""The text commands: `reader import` and `reader align`.

Thin, like the book commands: parse options, call reader.text.importer /
reader.text.align and reader.text.alignment_file, print (the proposal as a table too).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..config import load_book
from ..errors import InputError, PairingError
from ..text.paragraphs import Section, read_text, split_sections
from ..text.shorten import fit, snippet
from .common import app, err, out, reported

if TYPE_CHECKING:
    from ..text import align, editions
    from ..text.document import Chapter

# Importers and the aligner load with the command that uses them: `reader --help` waits for
# neither.

_BookDir = Annotated[
    Path, typer.Argument(help="Book folder: book.toml and one <lang>.txt per language.")
]


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(
        help="A text holding both languages; or ORIGINAL TRANSLATION: two editions, each an "
             "EPUB, a DOCX, an HTML page (or folder of pages) or a Markdown file.")],
    book: Annotated[
        Path, typer.Option("--book", help="Book folder to write, e.g. texts/<id>.")
    ],
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="One file: the language code of Latin-script text, e.g. en "
                     "(asked for when needed). Two files: their codes, e.g. kk,en "
                     "(leave one empty to guess it: ,en)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite the texts and book.toml of an existing book."),
    ] = False,
) -> None:
    """Make a book folder: <lang>.txt per language and a draft book.toml.

    One mixed-language text is split by language; two editions are paired
    chapter by chapter, then paragraph by paragraph.

    Examples: reader import article.txt --book texts/article;
    reader import novel.kk.epub novel.zh.docx --book texts/novel
    """
    from ..text import importer, sources

    with reported():
        if len(files) == 2:
            _import_editions(files[0], files[1], book, lang, force)
            return
        if len(files) != 1:
            raise InputError(f"{len(files)} files given; pass one mixed-language text, or an "
                             "original and its translation")
        (file,) = files
        if sources.kind_of(file) != "text":
            raise InputError(f"{file}: one edition alone; pass the translation too: "
                             f"reader import {file} TRANSLATION --book {book}")
        try:
            split = importer.import_document(file, latin=lang)
        except importer.LanguageNeeded as exc:
            if not sys.stdin.isatty():
                raise
            err.print(f"line {exc.line}: {snippet(exc.sample, 60)}", markup=False)
            lang = typer.prompt("Latin-script text found; its language code (e.g. en)")
            split = importer.import_document(file, latin=lang)
        out.print(f"{file}: {len(split.blocks)} blocks", markup=False)
        for block in split.blocks:
            out.print(f"  line {block.line:>4}  {block.lang:<3} {snippet(block.text, 36):<38}"
                      f" {block.reason}", markup=False)
        paths = importer.write_book(split, book, source=file.name, force=force)
        for path in paths:
            what = "draft" if path.name == "book.toml" else \
                f"{split.count(path.stem)} paragraphs"
            out.print(f"wrote {path} ({what})", markup=False)
        a, b = split.order
        if split.count(a) != split.count(b):
            out.print(f"the paragraph counts differ ({a} {split.count(a)}, {b} "
                      f"{split.count(b)}): run `reader align {book}` to pair them",
                      markup=False)
        else:
            out.print(f"next: check the titles in book.toml, then `reader check {book}`",
                      markup=False)


def _import_editions(original: Path, translation: Path, book: Path, lang: str | None,
                     force: bool) -> None:
    """Read two editions, show what was read and how the chapters pair, write the book."""
    from ..text import align, editions, sources

    given: list[str | None] = [None, None]
    if lang is not None:
        if "," not in lang:
            raise InputError(f"--lang {lang}: with two files give two codes, e.g. --lang kk,en "
                             "(leave one empty to guess it: --lang ,en)")
        given = [code.strip() or None for code in lang.split(",", 1)]
    found = []
    for path, code in zip((original, translation), given, strict=True):
        document = sources.read_document(path)
        language, reason = editions.language_of(document, code)
        found.append(editions.Edition(document, language, reason))
        out.print(f"{path}: {document.kind}, {language} ({reason}); "
                  f"{len(document.chapters)} chapters, {document.paragraphs()} paragraphs",
                  markup=False)
        if document.dropped:
            out.print("  dropped: " + ", ".join(f"{why} {n}" for why, n in document.dropped),
                      markup=False)
    result = editions.pair_editions(found[0], found[1], book)
    out.print(_chapter_table(result), markup=False)
    left = result.unpaired_chapters()
    if left:
        out.print(f"unpaired chapters: {len(left)}, skipped at build unless book.toml says "
                  'unpaired = "speak":', markup=False)
        for language, position, chapter in left:
            out.print(f"  {language} chapter {position + 1} {chapter.title or '(untitled)'!r}: "
                      f"{len(chapter.paragraphs)} paragraphs", markup=False)
    paired = align.unpaired(result.proposal)
    out.print(f"paragraphs: {len(paired)} without a partner after pairing within chapters",
              markup=False)
    for path in editions.write_edition_book(result, book, force=force):
        out.print(f"wrote {path}", markup=False)
    out.print(f"next: check the titles in book.toml and the pairs with `reader align {book}`, "
              f"then `reader check {book}`", markup=False)


def _chapter_table(result: editions.EditionBook, width: int = 34) -> str:
    """The chapter pairing side by side: titles, paragraphs and characters, step, confidence."""
    la, lb = result.order
    ca, cb = (e.document.chapters for e in result.editions)

    def cell(chapters: tuple[Chapter, ...], positions: tuple[int, ...]) -> str:
        if not positions:
            return fit("—", width)
        title = " + ".join(chapters[i].title or "(untitled)" for i in positions)
        paras = sum(len(chapters[i].paragraphs) for i in positions)
        chars = sum(chapters[i].chars for i in positions)
        return fit(f"{title} ({paras} ¶, {chars})", width)

    rows = [f"{'#':>4}  {fit(la + ' chapters', width)}  {fit(lb + ' chapters', width)}  "
            "step  conf"]
    for number, step in enumerate(result.steps, start=1):
        rows.append(f"{number:>4}  {cell(ca, step.a)}  {cell(cb, step.b)}  "
                    f"{step.kind:<4}  {step.confidence:.2f}")
    return "\n".join(rows)


def _cell(section: Section, positions: tuple[int, ...], width: int) -> str:
    """One side of a step: its paragraphs' line numbers and the start of their text."""
    if not positions:
        return fit("—", width)
    lines = "+".join(str(section.paragraphs[i].line) for i in positions)
    text = " ".join(section.paragraphs[i].text for i in positions)
    return fit(f"l.{lines} {text}", width)


def side_by_side(proposal: align.Proposal, width: int = 34) -> str:
    """The proposal as a table: step number, the start of each side, kind, confidence."""
    la, lb = proposal.order
    rows = [f"{'#':>4}  {fit(la, width)}  {fit(lb, width)}  step  conf"]
    number = 0
    for k, section in enumerate(proposal.sections):
        xa, xb = proposal.sides[la][k], proposal.sides[lb][k]
        if xa.title or xb.title:
            rows.append(f"{'':>4}  {fit('# ' + (xa.title or ''), width)}  "
                        f"{fit('# ' + (xb.title or ''), width)}")
        for step in section.steps:
            number += 1
            rows.append(f"{number:>4}  {_cell(xa, step.a, width)}  {_cell(xb, step.b, width)}  "
                        f"{step.kind:<4}  {step.confidence:.2f}")
    return "\n".join(rows)


@app.command("align")
def align_command(
    book_dir: _BookDir,
    write: Annotated[
        bool, typer.Option("--write", help="Record the pairing so that `reader build` uses it.")
    ] = False,
) -> None:
    """Propose a pairing of paragraphs by length and show it; --write records it.

    Example: reader align texts/article --write
    """
    from ..text import align
    from ..text.alignment_file import ALIGNMENT_FILE, write_alignment

    with reported():
        book = load_book(book_dir)
        sides = {lang: split_sections(read_text(book.text_path(lang)), lang)
                 for lang in book.order}
        files = {lang: book.text_path(lang) for lang in book.order}
        proposal = align.propose(sides, files)
        a, b = proposal.order
        counts = {lang: sum(len(s.paragraphs) for s in sides[lang]) for lang in proposal.order}
        ratios = ", ".join(f"{s.ratio:.2f}" for s in proposal.sections)
        out.print(f"{book.id}: {counts[a]} {a} and {counts[b]} {b} paragraphs; "
                  f"length ratio {b}/{a} {ratios}", markup=False)
        out.print(side_by_side(proposal), markup=False)
        left = align.unpaired(proposal)
        fate = "spoken alone" if book.unpaired == "speak" else "skipped"
        if left:
            out.print(f"unpaired: {len(left)} paragraphs, {fate} at build "
                      f'(book.toml: unpaired = "{book.unpaired}")', markup=False)
            for lang, paragraph in left:
                out.print(f"  {files[lang]}:{paragraph.line}  {snippet(paragraph.text, 60)}",
                          markup=False)
        else:
            out.print("unpaired: none", markup=False)
        if (book.root / ALIGNMENT_FILE).exists():
            out.print(f"recorded in {book.root / ALIGNMENT_FILE}: "
                      f"{_recorded(book.root, sides, files, proposal)}", markup=False)
        if write:
            path = write_alignment(book.root, proposal)
            out.print(f"wrote {path}: `reader build {book_dir}` now pairs as shown",
                      markup=False)
        elif proposal.one_to_one() and counts[a] == counts[b]:
            out.print("the paragraphs pair one to one by position; nothing to record",
                      markup=False)
        else:
            out.print(f"check the pairs above, then `reader align {book_dir} --write` "
                      "to record them (or edit the texts)", markup=False)


def _recorded(root: Path, sides: dict[str, tuple[Section, ...]], files: dict[str, Path],
              proposal: align.Proposal) -> str:
    """How the book's recorded alignment compares with a fresh proposal."""
    from ..text.alignment_file import read_alignment

    try:
        beads = read_alignment(root, sides, files)
    except PairingError:
        return "out of date (the texts changed since), build refuses it"
    if beads == proposal.beads():
        return "the same pairing"
    return "a different pairing (edited by hand, or other settings); build uses that one"
