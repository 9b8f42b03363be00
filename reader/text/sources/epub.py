"""EPUB 2 and 3 → a Document: chapters from the table of contents and the spine.

The archive is checked before ebooklib opens it: entry names that climb out
(``../``), absolute names and symbolic links are refused, and so is DRM
(META-INF/rights.xml, or encryption.xml encrypting more than fonts). Nothing
is extracted: ebooklib reads members from the zip into memory.

A chapter starts where a table-of-contents entry points (a page, or an id in
it); a page the table does not name continues the chapter before it, unless
it starts with a heading. Headings at a chapter's start are its title.
"""

from __future__ import annotations

import posixpath
import stat
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from ...errors import TextError
from ...images import HEAD_BYTES, image_kind
from ..document import Chapter, Document, Heading, Metadata, Para, clean, tally
from .html import Anchor, extract, parse

#: Encryption algorithms that only obfuscate fonts (IDPF and Adobe): not DRM.
FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding",
                              "http://ns.adobe.com/pdf/enc#RC"})
#: An EPUB whose members unpack to more than this is refused (a zip bomb).
MAX_UNPACKED = 512 * 1024 * 1024
_ENC = "{http://www.w3.org/2001/04/xmlenc#}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True)
class _Entry:
    file: str
    fragment: str
    title: str


def check_archive(path: Path) -> None:
    """Refuse a file that is not a safe, DRM-free zip (TextError, one line each)."""
    if not zipfile.is_zipfile(path):
        raise TextError(f"{path}: not an EPUB (an EPUB is a zip archive and this is not one); "
                        "export the book as EPUB again")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        total = 0
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise TextError(f"{path}: the archive entry {name!r} points outside the book; "
                                "refusing it (a damaged or malicious EPUB)")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise TextError(f"{path}: the archive entry {name!r} is a symbolic link; "
                                "refusing it (a damaged or malicious EPUB)")
            total += info.file_size
        if total > MAX_UNPACKED:
            raise TextError(f"{path}: unpacks to {total // 2**20} MB, more than a book can be; "
                            "refusing it")
        if "META-INF/rights.xml" in names:
            raise TextError(f"{path}: DRM-protected (META-INF/rights.xml); reader cannot read "
                            "it: use a DRM-free edition")
        if "META-INF/encryption.xml" in names:
            try:
                root = etree.fromstring(archive.read("META-INF/encryption.xml"), _XML)
            except etree.XMLSyntaxError:
                root = None
            methods = [] if root is None else [
                m.get("Algorithm", "") for m in root.iter(f"{_ENC}EncryptionMethod")]
            if root is None or not methods or any(m not in FONT_OBFUSCATION for m in methods):
                raise TextError(f"{path}: DRM-protected (META-INF/encryption.xml encrypts "
                                "the text); reader cannot read it: use a DRM-free edition")


def _flatten(toc: Any, out: list[tuple[str, str]]) -> None:
    """ebooklib's toc (Links, and (Section, children) tuples) → (href, title) in order."""
    for node in toc:
        if isinstance(node, tuple):
            section, children = node
            if getattr(section, "href", None):
                out.append((section.href, section.title or ""))
            _flatten(children, out)
        elif getattr(node, "href", None):
            out.append((node.href, node.title or ""))


def _entries(book: Any) -> list[_Entry]:
    flat: list[tuple[str, str]] = []
    _flatten(book.toc, flat)
    entries = []
    for href, title in flat:
        file, _, fragment = unquote(href).partition("#")
        entries.append(_Entry(posixpath.normpath(file), fragment, clean(title).replace("\n", " ")))
    return entries


def _first(book: Any, namespace: str, name: str) -> str:
    found = book.get_metadata(namespace, name)
    return clean(str(found[0][0] or "")) if found else ""


def _cover(book: Any) -> tuple[bytes, str]:
    import ebooklib

    candidates = list(book.get_items_of_type(ebooklib.ITEM_COVER))
    for _, attrs in book.get_metadata("OPF", "cover"):
        item = book.get_item_with_id(attrs.get("content", "")) if attrs else None
        if item is not None:
            candidates.append(item)
    for item in candidates:
        data = item.get_content()
        kind = image_kind(data[:HEAD_BYTES])
        if kind is not None:
            return data, ".png" if kind == "png" else ".jpg"
    return b"", ""


def _page(path: Path, name: str, content: bytes,
          anchors: frozenset[str]) -> tuple[list[Any], list[str]]:
    try:
        etree.fromstring(content, _XML)
    except etree.XMLSyntaxError as exc:
        raise TextError(f"{path}: {name}:{exc.lineno}: broken XHTML ({exc.msg}); repair the "
                        "EPUB (e.g. open and save it in Sigil or Calibre)") from None
    found = extract(parse(content), anchors)
    return found.items, found.dropped


def read_epub(path: Path) -> Document:
    """Read an EPUB (2 or 3) into chapters; TextError for a bad, unsafe or DRM-locked file."""
    check_archive(path)
    import ebooklib
    from ebooklib import epub

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises KeyError, lxml errors, its own EpubException
        raise TextError(f"{path}: not a readable EPUB ({type(exc).__name__}: "
                        f"{str(exc)[:80]}); export the book as EPUB again") from None
    entries = _entries(book)
    by_file: dict[str, list[_Entry]] = {}
    for entry in entries:
        by_file.setdefault(entry.file, []).append(entry)
    dropped: list[str] = []
    chapters: list[Chapter] = []
    title: str | None = None
    parts: list[str] = []  # headings at the chapter's start: its title if the TOC gives none
    paragraphs: list[str] = []
    leading = True
    opened = False

    def start(new_title: str | None) -> None:
        nonlocal title, parts, paragraphs, leading, opened
        close()
        title, parts, paragraphs, leading, opened = new_title, [], [], True, True

    def close() -> None:
        if not opened:
            return
        name = title or " — ".join(parts) or None
        if paragraphs:
            chapters.append(Chapter(name, tuple(paragraphs)))
        elif name:
            dropped.append("chapters with a title only")

    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            continue
        if isinstance(item, epub.EpubNav):
            dropped.append("tables of contents")
            continue
        if isinstance(item, epub.EpubCoverHtml):
            dropped.append("cover pages")
            continue
        if item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        if str(linear).lower() == "no":
            dropped.append("pages outside the reading order")
            continue
        name = posixpath.normpath(item.get_name())
        mine = by_file.get(name, [])
        wanted = frozenset(e.fragment for e in mine if e.fragment)
        items, why = _page(path, name, item.content, wanted)  # as stored, not re-serialised
        dropped += why
        found = {i.id for i in items if isinstance(i, Anchor)}
        at_start = [e for e in mine if not e.fragment or e.fragment not in found]
        titles = {e.fragment: e.title for e in mine if e.fragment in found}
        if at_start:
            start(at_start[0].title or None)
        elif not mine and (not opened or (items and isinstance(items[0], Heading))):
            start(None)
        for piece in items:
            if isinstance(piece, Anchor):
                if piece.id in titles:
                    start(titles.pop(piece.id) or None)
            elif isinstance(piece, Heading) and leading:
                parts.append(piece.text)
            elif isinstance(piece, Heading | Para):
                if not opened:
                    start(None)
                leading = False
                paragraphs.append(piece.text)
    close()
    version = str(book.version or "")
    cover, suffix = _cover(book)
    date = _first(book, "DC", "date")
    metadata = Metadata(
        title=_first(book, "DC", "title"),
        author=_first(book, "DC", "creator"),
        language=_first(book, "DC", "language"),
        date=date[:10],
        cover=cover,
        cover_suffix=suffix,
    )
    if not chapters:
        raise TextError(f"{path}: no text found in the EPUB's pages (an image-only book?); "
                        "reader needs a book with text")
    kind = "EPUB 3" if version.startswith("3") else "EPUB 2"
    return Document(str(path), kind, metadata, tuple(chapters), tally(dropped))

