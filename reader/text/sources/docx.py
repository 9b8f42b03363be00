"""DOCX → a Document: heading styles open chapters, body paragraphs are the text.

Left out, and counted: tables, list paragraphs, table-of-contents paragraphs
and footnote markers (their notes live outside the body, which is all that is read).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ...errors import TextError
from ..document import Document, Heading, Metadata, Para, clean, is_page_number, structure, tally

_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _style(paragraph: Any) -> str:
    try:
        return str(paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):
        return ""


def read_docx(path: Path) -> Document:
    """Read a Word document; TextError for a file Word's format cannot be read from."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zip, XML and its own errors alike
        raise TextError(f"{path}: not a readable DOCX ({type(exc).__name__}); "
                        "save it again from the word processor as .docx") from None
    items: list[Heading | Para] = []
    dropped: list[str] = ["tables"] * len(document.tables)
    title = ""
    for paragraph in document.paragraphs:
        element = paragraph._p
        markers = len(element.findall(f".//{_W}footnoteReference")) + \
            len(element.findall(f".//{_W}endnoteReference"))
        dropped += ["footnote markers"] * markers
        text = clean(paragraph.text)
        if not text:
            continue
        style = _style(paragraph)
        level = _HEADING.match(style)
        if style.lower() == "title":
            title = title or text.replace("\n", " ")
        elif style.lower().startswith("toc"):
            dropped.append("tables of contents")
        elif style.lower().startswith("list") or element.find(f"{_W}pPr/{_W}numPr") is not None:
            dropped.append("lists")
        elif level:
            items.append(Heading(int(level.group(1)), text.replace("\n", " ")))
        elif is_page_number(text):
            dropped.append("page numbers")
        else:
            items.append(Para(text))
    first, chapters = structure(items)
    props = document.core_properties
    created = props.created.date().isoformat() if props.created else ""
    metadata = Metadata(title=clean(props.title or "") or title or first,
                        author=clean(props.author or ""), language=clean(props.language or ""),
                        date=created)
    if not chapters:
        raise TextError(f"{path}: no paragraphs of text in the document's body")
    return Document(str(path), "DOCX", metadata, chapters, tally(dropped))
