"""HTML (a saved page, a folder of pages, an EPUB's XHTML) → headings and paragraphs.

Paragraphs come from block elements (p, div, blockquote, li, …); inline
markup is flattened and ``<br>`` kept as a line break. Left out, and counted:
navigation (nav, header, footer, role=navigation, link-only lines), lists and
tables, tables of contents, footnote markers and the notes themselves, page
numbers, scripts and styles.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag, XMLParsedAsHTMLWarning

from ...errors import TextError
from ..document import Document, Heading, Metadata, Para, clean, is_page_number, structure, tally

#: Elements that end a paragraph and start another.
BLOCKS = frozenset({
    "p", "div", "blockquote", "section", "article", "main", "body", "pre", "figure",
    "figcaption", "dd", "dt", "dl", "address", "center", "hgroup", "li", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6",
})
#: Elements whose content is never text to read.
SILENT = frozenset({"head", "svg", "math", "iframe", "object", "embed", "form", "button",
                    "select", "textarea", "input", "img", "audio", "video", "canvas", "map"})
SCRIPTS = frozenset({"script", "style", "noscript", "template"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_NOTE_MARKER = re.compile(r"^[\[(]?(\d{1,3}|[*†‡§]+|[a-z])[\])]?$")
_NAVIGATION_WORDS = re.compile(r"(^|[-_\s])(nav|navbar|navigation|menu|breadcrumbs?|toc|"
                               r"sidebar|pagination|skip-link)($|[-_\s])", re.IGNORECASE)
_FOOTNOTE_KINDS = {"footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes",
                   "note", "doc-footnote", "doc-endnote", "doc-endnotes"}
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class Anchor:
    """Where an element with one of the wanted ids starts (an EPUB TOC target)."""

    id: str


@dataclass
class Extract:
    """What reading one page gave: items in order, and the reasons things were dropped."""

    items: list[Heading | Para | Anchor] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _types(tag: Tag) -> set[str]:
    """The element's epub:type and role values."""
    values = f"{tag.get('epub:type') or ''} {tag.get('role') or ''}"
    return set(str(values).lower().split())


def _classes(tag: Tag) -> str:
    value: Any = tag.get("class") or []
    names = value if isinstance(value, list) else str(value).split()
    return " ".join([*names, str(tag.get("id") or "")])


def _left_out(tag: Tag) -> str | None:
    """Why an element is left out whole, or None to read it."""
    name = tag.name
    types = _types(tag)
    classes = _classes(tag).lower()
    if name in SCRIPTS:
        return "scripts and styles"
    if "toc" in types or "doc-toc" in types or "landmarks" in types or "page-list" in types:
        return "tables of contents"
    if name in ("nav", "footer") or "navigation" in types:
        return "navigation"
    if name == "header" and tag.find(list(_HEADINGS)) is None:
        return "navigation"  # a site's banner; an EPUB's <header> holds the chapter heading
    if types & {"pagebreak", "doc-pagebreak"} or re.search(r"page-?(num|number|break)", classes):
        return "page numbers"
    if types & {"noteref", "doc-noteref"}:
        return "footnote markers"
    if types & _FOOTNOTE_KINDS or re.search(r"(^|\s)(foot|end)notes?(\s|$)", classes):
        return "footnotes"
    if name == "aside":
        return "asides"
    if name in ("ul", "ol"):
        return "lists"
    if name == "table":
        return "tables"
    if name in BLOCKS and _NAVIGATION_WORDS.search(classes):
        return "navigation"
    if name in ("sup", "a") and _is_note_marker(tag):
        return "footnote markers"
    return None


def _is_note_marker(tag: Tag) -> bool:
    """A superscript or a link whose text is a note number or mark ("3", "[12]", "*")."""
    text = tag.get_text().strip()
    if not _NOTE_MARKER.match(text):
        return False
    if tag.name == "sup":
        return True
    href = str(tag.get("href") or "")
    return href.startswith("#") or "#" in href and "note" in href.lower()


class _Walker:
    def __init__(self, anchors: frozenset[str]) -> None:
        self.anchors = anchors
        self.out = Extract()
        self.buffer: list[str] = []
        self.link_letters = 0
        self.letters = 0

    def flush(self) -> None:
        text = clean("".join(self.buffer))
        link_only = self.letters > 0 and self.link_letters == self.letters
        self.buffer, self.link_letters, self.letters = [], 0, 0
        if not text:
            return
        if is_page_number(text):
            self.out.dropped.append("page numbers")
        elif link_only:
            self.out.dropped.append("navigation")
        else:
            self.out.items.append(Para(text))

    def text(self, node: NavigableString, in_link: bool) -> None:
        value = str(node)
        letters = sum(1 for c in value if c.isalnum())
        self.letters += letters
        if in_link:
            self.link_letters += letters
        self.buffer.append(value.replace("\n", " "))

    def walk(self, tag: Tag, in_link: bool = False) -> None:
        for child in tag.children:
            if isinstance(child, Comment) or (isinstance(child, NavigableString)
                                              and type(child) is not NavigableString):
                continue  # comments, CDATA, doctype, processing instructions
            if isinstance(child, NavigableString):
                self.text(child, in_link)
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            ident = child.get("id")
            if ident and str(ident) in self.anchors:
                self.flush()
                self.out.items.append(Anchor(str(ident)))
            reason = _left_out(child)
            if reason is not None:
                self.out.dropped.append(reason)
                if name in BLOCKS or name in ("ul", "ol", "table", "nav", "aside"):
                    self.flush()
                continue
            if name in SILENT:
                continue
            if name == "br":
                self.buffer.append("\n")
            elif name in _HEADINGS:
                self.flush()
                inner = _Walker(self.anchors)
                inner.walk(child)
                inner.flush()
                self.out.dropped += inner.out.dropped
                for item in inner.out.items:
                    if isinstance(item, Anchor):
                        self.out.items.append(item)
                words = " ".join(i.text.replace("\n", " ") for i in inner.out.items
                                 if isinstance(i, Para))
                if words:
                    self.out.items.append(Heading(_HEADINGS[name], words))
            elif name in BLOCKS:
                self.flush()
                self.walk(child, in_link)
                self.flush()
            else:
                self.walk(child, in_link or (name == "a" and child.get("href") is not None))


def parse(markup: str | bytes) -> BeautifulSoup:
    """Parse HTML leniently with lxml, as browsers do."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # an EPUB's XHTML, read as HTML
        return BeautifulSoup(markup, "lxml")


def extract(soup: BeautifulSoup, anchors: frozenset[str] = frozenset()) -> Extract:
    """A page's headings and paragraphs in order (with `anchors` marked), and what was dropped."""
    walker = _Walker(anchors)
    root = soup.body or soup
    walker.walk(root)
    walker.flush()
    return walker.out


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"name": name}) or soup.find("meta",
                                                                   attrs={"property": name})
        if isinstance(tag, Tag) and tag.get("content"):
            return clean(str(tag["content"]))
    return ""


def _metadata(soup: BeautifulSoup) -> Metadata:
    title = clean(soup.title.get_text()) if soup.title else ""
    html = soup.find("html")
    lang = str(html.get("lang") or html.get("xml:lang") or "") if isinstance(html, Tag) else ""
    return Metadata(
        title=_meta(soup, "dc.title", "og:title") or title,
        author=_meta(soup, "author", "dc.creator", "article:author"),
        language=lang.strip(),
        date=_meta(soup, "dc.date", "article:published_time", "date")[:10],
    )


def _natural(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


def page_files(folder: Path) -> list[Path]:
    """The HTML pages of a folder, in natural name order (2 before 10); links out refused."""
    root = folder.resolve()
    pages = []
    for path in sorted(folder.iterdir(), key=_natural):
        if path.suffix.lower() not in HTML_SUFFIXES:
            continue
        if not path.resolve().is_relative_to(root) or not path.is_file():
            raise TextError(f"{path}: a link out of the folder {folder} (or not a file); "
                            "copy the page into the folder")
        pages.append(path)
    if not pages:
        raise TextError(f"{folder}: holds no .html, .htm or .xhtml page; "
                        "pass a saved page or a folder of them")
    return pages


def read_html(path: Path, raw: bytes | None = None) -> Document:
    """Read a saved page, or a folder of pages in name order, into a Document."""
    files = page_files(path) if path.is_dir() else [path]
    items: list[Heading | Para] = []
    dropped: list[str] = []
    metadata = Metadata()
    for number, page in enumerate(files):
        soup = parse(raw if raw is not None and number == 0 and not path.is_dir()
                     else page.read_bytes())
        if number == 0:
            metadata = _metadata(soup)
        found = extract(soup)
        items += [i for i in found.items if not isinstance(i, Anchor)]
        dropped += found.dropped
    title, chapters = structure(items)
    if title and not metadata.title:
        metadata = Metadata(title, metadata.author, metadata.language, metadata.date)
    if not chapters:
        raise TextError(f"{path}: no paragraphs of text found in the page(s); "
                        "is it a page of a book?")
    kind = "HTML" if not path.is_dir() else f"HTML ({len(files)} pages)"
    return Document(str(path), kind, metadata, chapters, tally(dropped))
