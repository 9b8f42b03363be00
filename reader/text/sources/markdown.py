"""Markdown → a Document: rendered by markdown-it-py, then read as HTML.

A YAML-style front matter block (``---`` … ``---``) gives the title, author,
language and date; headings open chapters as in HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import TextError
from ..document import Document, Metadata, structure, tally
from .html import Anchor, extract, parse

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_NOTE_MARK = re.compile(r"\[\^[^\]\s]+\](?!:)")
_NOTE_BODY = re.compile(r"^\[\^[^\]\s]+\]:.*(\n(?: {4}|\t).*)*", re.MULTILINE)


def _front(text: str) -> tuple[dict[str, str], str]:
    found = _FRONT.match(text)
    if not found:
        return {}, text
    fields = {}
    for line in found.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[found.end():]


def read_markdown(path: Path, text: str) -> Document:
    """Read a Markdown text (already decoded) into chapters."""
    from markdown_it import MarkdownIt

    fields, body = _front(text)
    notes = len(_NOTE_BODY.findall(body))
    body = _NOTE_BODY.sub("", body)
    markers = len(_NOTE_MARK.findall(body))
    body = _NOTE_MARK.sub("", body)
    html = MarkdownIt("commonmark").enable("table").render(body)
    found = extract(parse(html))
    title, chapters = structure([i for i in found.items if not isinstance(i, Anchor)])
    if not chapters:
        raise TextError(f"{path}: no paragraphs of text in the Markdown file")
    dropped = found.dropped + ["footnotes"] * notes + ["footnote markers"] * markers
    metadata = Metadata(title=fields.get("title", "") or title, author=fields.get("author", ""),
                        language=fields.get("lang", fields.get("language", "")),
                        date=fields.get("date", "")[:10])
    return Document(str(path), "Markdown", metadata, chapters, tally(dropped))
