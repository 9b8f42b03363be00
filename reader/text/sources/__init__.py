"""Reading a book's source file, whatever its format, into a `Document`.

`read_document` picks the reader by the file's first bytes and its suffix:
EPUB, DOCX, HTML (a page or a folder of pages) and Markdown. PDFs and
anything unknown are refused with one line.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from ...errors import TextError
from ..document import Document
from ..paragraphs import MAX_TEXT_BYTES, read_text

#: Sources larger than this are refused (an EPUB with images is rarely over 100 MB).
MAX_SOURCE_BYTES = 256 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")


def kind_of(path: Path) -> str:
    """"epub", "docx", "html", "markdown" or "text"; TextError for what cannot be read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TextError(f"{path}: file not found; check the path") from None
    except OSError as exc:
        raise TextError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        return "html"
    if not stat.S_ISREG(info.st_mode):
        raise TextError(f"{path}: not a regular file (a device or FIFO)")
    if info.st_size > MAX_SOURCE_BYTES:
        raise TextError(f"{path}: {info.st_size // 2**20} MB is more than a book's source "
                        "can be; split it")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF") or suffix == ".pdf":
        raise TextError(f"{path}: a PDF; reader does not read PDFs (their text order is not "
                        "reliable, and a scanned one has no text): convert it to EPUB, DOCX "
                        "or HTML first")
    if head.startswith(b"PK\x03\x04") or suffix in (".epub", ".docx"):
        if not zipfile.is_zipfile(path):
            raise TextError(f"{path}: not a zip archive, so not an {suffix[1:].upper() or 'EPUB'}; "
                            "export the book again")
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "mimetype" in names or "META-INF/container.xml" in names or suffix == ".epub":
            return "epub"
        raise TextError(f"{path}: a zip archive that is neither an EPUB nor a DOCX")
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "html"
    return "text"


def read_document(path: Path) -> Document:
    """Read a structured source (EPUB, DOCX, HTML, Markdown) into a Document."""
    kind = kind_of(path)
    if kind == "epub":
        from .epub import read_epub
        return read_epub(path)
    if kind == "docx":
        from .docx import read_docx
        return read_docx(path)
    if kind == "html":
        from .html import read_html
        return read_html(path)
    from .markdown import read_markdown
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise TextError(f"{path}: too large for a text")
    return read_markdown(path, read_text(path))
