"""The index page: OUT_DIR/index.html listing every book with its reading page and audio. Pure.

Links are relative and percent-encoded, so the page works from file:// as well
as from a web server; every piece of book text is HTML-escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import quote


@dataclass(frozen=True)
class Listing:
    """One book as the index page shows it; paths are relative to the index page."""

    book_id: str
    title: str
    titles: tuple[tuple[str, str], ...]
    author: str
    duration: float
    audio: str
    page: str | None = None
    #: (title, relative path) of each section file, when the book was split.
    sections: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    #: The book's cover image (relative path), when it has one.
    cover: str | None = None


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def href(path: str) -> str:
    """A relative path as an attribute value: each segment percent-encoded, then escaped."""
    return _e("/".join(quote(part) for part in path.split("/")))


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def index_page(title: str, listings: list[Listing], feed: str | None = "feed.xml") -> str:
    """index.html's text: a list of books, each with its titles, length, reading page and audio."""
    items = []
    for book in listings:
        names = "".join(f'<li lang="{_e(lang)}">{_e(text)}</li>' for lang, text in book.titles)
        links = [f'<a href="{href(book.audio)}" type="audio/mpeg">audio (MP3)</a>']
        if book.page:
            links.insert(0, f'<a href="{href(book.page)}">reading page</a>')
        sections = ""
        if book.sections:
            sections = "<ol class=\"sections\">" + "".join(
                f'<li><a href="{href(path)}" type="audio/mpeg">{_e(name)}</a></li>'
                for name, path in book.sections) + "</ol>"
        by = f' <span class="author">{_e(book.author)}</span>' if book.author else ""
        cover = (f'<img class="cover" src="{href(book.cover)}" alt="" width="96">'
                 if book.cover else "")
        items.append(
            f'<li id="{_e(book.book_id)}">{cover}<h2>{_e(book.title)}</h2>{by}'
            f' <span class="duration">{_duration(book.duration)}</span>'
            f'<ul class="titles">{names}</ul><p>{" · ".join(links)}</p>{sections}</li>'
        )
    subscribe = (f'<p><a href="{href(feed)}" type="application/rss+xml">podcast feed</a></p>'
                 if feed else "")
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em}"
        "ol.books{list-style:none;padding:0}ol.books>li{margin:1.5em 0}"
        "img.cover{float:left;margin:0 1em .5em 0;height:auto}ol.books>li{overflow:auto}"
        "h2{display:inline;font-size:1.2em}.duration,.author{color:#666}</style>"
        f"</head><body><h1>{_e(title)}</h1>{subscribe}"
        f'<ol class="books">{"".join(items)}</ol></body></html>\n'
    )
