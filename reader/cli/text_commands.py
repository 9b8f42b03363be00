"""The text commands: `reader import` and `reader align`.

Thin, like the book commands: parse options, call reader.text.importer /
reader.text.align, print.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..config import load_book
from ..errors import PairingError
from ..text import align, importer
from ..text.paragraphs import Section, read_text, split_sections
from ..text.shorten import snippet
from .common import app, err, out, reported

_BookDir = Annotated[
    Path, typer.Argument(help="Book folder: book.toml and one <lang>.txt per language.")
]


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A document holding both languages.")],
    book: Annotated[
        Path, typer.Option("--book", help="Book folder to write, e.g. texts/<id>.")
    ],
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language code of Latin-script text, e.g. en "
                     "(asked for when needed and not given)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite the texts and book.toml of an existing book."),
    ] = False,
) -> None:
    """Split a mixed-language document into <lang>.txt files and a draft book.toml.

    Example: reader import article.txt --book texts/article
    """
    with reported():
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
        out.print(align.side_by_side(proposal), markup=False)
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
        if (book.root / align.ALIGNMENT_FILE).exists():
            out.print(f"recorded in {book.root / align.ALIGNMENT_FILE}: "
                      f"{_recorded(book.root, sides, files, proposal)}", markup=False)
        if write:
            path = align.write_alignment(book.root, proposal)
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
    try:
        beads = align.read_alignment(root, sides, files)
    except PairingError:
        return "out of date (the texts changed since), build refuses it"
    if beads == proposal.beads():
        return "the same pairing"
    return "a different pairing (edited by hand, or other settings); build uses that one"
