"""The reading page: index.html with both texts side by side and a player that follows them.

The page is made from the manifest alone. Every piece of book text is
HTML-escaped here; times travel as data-* attributes (milliseconds) so the
script needs no fetch and the page works when opened from file://. Where the
manifest times words, each word is a span with the times it is heard. Its CSS
and script are package data (beside this module), copied beside it, never a CDN.
"""

from __future__ import annotations

import hashlib
import html
import string
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ... import fsutil
from ...manifest_types import Manifest, PairEntry
from ...text.paragraphs import is_unspaced

ASSETS = ("reader.css", "reader.js")
#: Sentence books (a manifest with units) also get these, linked from the body so the
#: classic page stays as it was; reader.js follows sentences wherever it finds them.
SENTENCE_ASSETS = ("sentences.css",)
ASSET_FOLDER = "assets"
#: The book's cover as the build copies it into the assets (by its kind, whatever its name).
COVER_FILES = ("cover.jpg", "cover.png")


def _asset(name: str) -> bytes:
    return resources.files(__name__).joinpath(name).read_bytes()


def assets_digest(*, sentences: bool = False) -> str:
    """A hash of the template and assets: a new page design rebuilds every page."""
    digest = hashlib.sha256()
    for name in ("index.html", *ASSETS, *(SENTENCE_ASSETS if sentences else ())):
        digest.update(_asset(name))
    return digest.hexdigest()


def has_units(document: Manifest) -> bool:
    """True for a manifest of a book spoken by sentences or a pattern."""
    return any("units" in pair for pair in document["pairs"])


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def words_html(text: str, heard: dict[tuple[int, int], list[tuple[int, int]]]) -> str:
    """Escaped text with each timed word (a character range) in a span listing when it is heard.

    Ranges that fall outside the text, are empty, or overlap a word already placed
    are left as plain text: a timing mistake must not garble what is written.
    """
    parts = []
    done = 0
    for (first, last), times in sorted(heard.items()):
        if first < done or not first < last <= len(text):
            continue
        spans = " ".join(f"{start}-{end}" for start, end in sorted(times))
        parts.append(_e(text[done:first]))
        parts.append(f'<span class="w" data-spans="{spans}">{_e(text[first:last])}</span>')
        done = last
    parts.append(_e(text[done:]))
    return "".join(parts)


def _timed(words: list[list[int]] | None, into: dict[tuple[int, int], list[tuple[int, int]]]
           ) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Add manifest word rows [start_ms, end_ms, char_start, char_end] to a range → times map."""
    for start, end, first, last in words or ():
        into.setdefault((first, last), []).append((start, end))
    return into


def pair_html(pair: PairEntry, order: list[str]) -> str:
    """One row: the pair's number and its paragraphs in book order (a gap where one is missing)."""
    number = pair["index"]
    chapter = pair["chapter"]
    cells = [f'<a class="num" href="#p{number}" title="{_e(chapter["title"])}">{number}</a>']
    for lang in order:
        if "units" in pair and lang in pair["texts"]:
            cells.append(f'<p class="text" lang="{_e(lang)}">{sentences_html(pair, lang)}</p>')
        elif lang in pair["texts"]:
            cells.append(
                f'<p class="text" lang="{_e(lang)}" data-start-ms="{pair["start"][lang]}" '
                f'data-end-ms="{pair["end"][lang]}">'
                f'{words_html(pair["texts"][lang], _timed(pair.get("words", {}).get(lang), {}))}</p>'
            )
        else:
            cells.append(f'<p class="text missing" lang="{_e(lang)}"></p>')
    return (f'<div class="pair" id="p{number}" data-pair="{number}" '
            f'data-start-ms="{chapter["start"]}" data-end-ms="{chapter["end"]}">\n  '
            + "\n  ".join(cells) + "\n</div>")


def sentences_html(pair: PairEntry, lang: str) -> str:
    """A paragraph as its units' sentences, each with the times it is heard ("start-end …")."""
    spans = []
    for unit in pair["units"]:
        if lang not in unit["texts"]:
            continue
        steps = [step for step in unit["spoken"] if step.get("lang") == lang]
        heard = " ".join(f'{step["start"]}-{step["end"]}' for step in steps)
        words: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for step in steps:
            _timed(step.get("words"), words)
        spans.append(f'<span class="sentence" data-unit="{pair["index"]}.{unit["number"]}" '
                     f'data-spans="{heard}">{words_html(unit["texts"][lang], words)}</span>')
    return ("" if is_unspaced(lang) else " ").join(spans)


def body_html(document: Manifest) -> str:
    """Every pair, with a heading wherever a titled section begins."""
    order = document["book"]["order"]
    parts = []
    section = None
    for pair in document["pairs"]:
        if pair["section"] != section:
            section = pair["section"]
            if pair["section_title"]:
                parts.append(f'<h2 class="section">{_e(pair["section_title"])}</h2>')
        parts.append(pair_html(pair, order))
    if has_units(document):
        parts.insert(0, f'<link rel="stylesheet" href="{ASSET_FOLDER}/sentences.css">')
    return "\n".join(parts)


def render(document: Manifest, cover: str | None = None) -> str:
    """The page's HTML for a manifest; `cover` is the cover's file name in the assets."""
    book = document["book"]
    order = book["order"]
    titles = book.get("titles") or {}
    heading = "".join(
        f'<h1 lang="{_e(lang)}">{_e(titles.get(lang) or book["title"])}</h1>' for lang in order
    )
    byline = " · ".join(_e(part) for part in (book.get("author"), book.get("date")) if part)
    if cover:  # small, beside the byline: the title grid keeps its columns
        byline = (f'<img class="cover" src="{ASSET_FOLDER}/{_e(quote(cover))}" alt="" '
                  f'height="48" style="vertical-align:middle"> {byline}')
    audio_name = document["audio"]["file"]
    credits = document.get("credits") or {}
    footer = "".join(
        f'<footer class="credits">Voices: {"; ".join(_e(credit) for credit in credits.values())}'
        "</footer>\n" if credits else "")
    toggles = "".join(
        f'<button type="button" class="lang" data-lang="{_e(lang)}" aria-pressed="true" '
        f'title="Show or hide the {_e(lang)} text ({number})">{_e(lang)}</button>'
        for number, lang in enumerate(order, 1))
    template = string.Template(_asset("index.html").decode("utf-8"))
    return template.substitute(
        page_lang=_e(order[0]),
        generator=_e(document.get("generator", "reader")),
        title=_e(" / ".join(titles.get(lang) or book["title"] for lang in order)),
        titles=heading,
        byline=byline,
        audio=_e(quote(audio_name)),
        audio_name=_e(audio_name),
        columns=len(order),
        toggles=toggles,
        last_key=len(order),
        repeats="sentence" if has_units(document) else "paragraph",
        pairs=body_html(document),
        footer=footer,
    )


def write_page(folder: Path, document: Manifest, cover: str | None = None) -> list[Path]:
    """Write index.html and its assets into the book's output folder; return the paths.

    The cover (one of COVER_FILES) is written apart, by the build's cover job."""
    written = []
    for name in (*ASSETS, *(SENTENCE_ASSETS if has_units(document) else ())):
        path = folder / ASSET_FOLDER / name
        fsutil.write_bytes(path, _asset(name))
        written.append(path)
    page = folder / "index.html"
    fsutil.write_bytes(page, render(document, cover).encode("utf-8"))
    return [page, *written]
