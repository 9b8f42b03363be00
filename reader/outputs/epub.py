"""The EPUB 3 with Media Overlays: both texts pair by pair, the book's MP3, read-along timing.

Made from the manifest (texts, times), the book's MP3 and its cover. The
parts, their spans and clips come from reader.outputs.overlay; this module
writes them as XHTML, SMIL, the package document and the navigation document,
and zips them.

The files are written here rather than with ebooklib: it parses and rewrites
XHTML bodies, deflates the MP3 and stamps the zip entries and dcterms:modified
with the current time, so an unchanged book would not give the same bytes.
Everything here is fixed by the manifest: entries in a set order, dated from
the book's date, text escaped for XML.

The audio is the book's MP3 itself, stored (not compressed) in the zip: the
manifest's times are on it already, a reading system can seek in a stored
constant-bitrate MP3 without unpacking it, and it costs no re-encoding. Clips
follow one another on it without gaps (see overlay), so the book plays as the
MP3 does.
"""

from __future__ import annotations

import datetime
import re
import shutil
import uuid
import zipfile
from html import escape
from pathlib import Path
from typing import Any

from .. import fsutil
from ..manifest_types import Manifest
from .overlay import Clip, Paragraph, Part, Span, parts, timing_note

#: Raise when what is written changes, so old EPUBs are rebuilt.
EPUB_VERSION = 1
#: The class a reading system puts on the element being read (media:active-class), and on
#: the document while it plays (media:playback-active-class). Apple Books and Thorium
#: honour both; the names are the ones Apple's guide uses.
ACTIVE_CLASS = "-epub-media-overlay-active"
PLAYING_CLASS = "-epub-media-overlay-playing"
AUDIO = "audio/book.mp3"
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
#: The zip format's earliest date; a book without a date is stamped with it.
_EPOCH = (1980, 1, 1)

STYLE = f"""\
body {{ margin: 0 1em; }}
h1 {{ font-size: 1.5em; margin: 0 0 .3em; }}
h2.section {{ font-size: 1.2em; margin: 1.5em 0 .8em; }}
.pair {{ margin: 0 0 1.4em; }}
.pair p {{ margin: 0 0 .5em; text-indent: 0; }}
.byline, .voices {{ font-size: .9em; }}
img.cover {{ max-width: 100%; max-height: 60vh; }}
.{ACTIVE_CLASS} {{ background-color: #ffe58a; color: #000; }}
"""


def _x(value: Any) -> str:
    """Text or an attribute value, escaped for XML; characters XML cannot hold are dropped."""
    return escape(_XML_UNSAFE.sub("", str(value)), quote=True)


def clock(ms: int) -> str:
    """Milliseconds → a SMIL full clock value, "h:mm:ss.fff"."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def book_date(date: str) -> tuple[int, int, int]:
    """The book's date (YYYY, YYYY-MM or YYYY-MM-DD) as a day; 1980-01-01 without one."""
    found = _DATE.match(date.strip())
    if not found:
        return _EPOCH
    day = (int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1))
    try:
        datetime.date(*day)
    except ValueError:
        return _EPOCH
    return max(day, _EPOCH)


def book_uuid(document: Manifest) -> str:
    """The book's identifier: a UUID fixed by its id, so a rebuilt EPUB is the same book."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'reader:' + document['book']['id'])}"


# --- content documents -------------------------------------------------------------------


def _spans_html(text: str, spans: tuple[Span, ...], start: int, end: int) -> str:
    out, at = [], start
    for span in spans:
        out.append(_x(text[at:span.start]))
        inner = (_spans_html(text, span.words, span.start, span.end) if span.words
                 else _x(text[span.start:span.end]))
        out.append(f'<span id="{span.ident}">{inner}</span>')
        at = span.end
    out.append(_x(text[at:end]))
    return "".join(out)


def paragraph_html(paragraph: Paragraph) -> str:
    """A paragraph in its language, its sentences and words as spans with ids."""
    lang = _x(paragraph.lang)
    body = _spans_html(paragraph.text, paragraph.spans, 0, len(paragraph.text))
    return f'<p id="{paragraph.ident}" lang="{lang}" xml:lang="{lang}">{body}</p>'


def _head(lang: str, title: str, css: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="{_x(lang)}" xml:lang="{_x(lang)}">\n<head>\n<meta charset="utf-8"/>\n'
            f'<title>{_x(title)}</title>\n'
            f'<link rel="stylesheet" type="text/css" href="{css}"/>\n</head>\n')


def part_html(part: Part, lang: str, title: str) -> str:
    """A part's content document: its pairs, a heading where a titled section begins."""
    lines = [_head(lang, title, "../style.css"), "<body>"]
    for n, pair in enumerate(part.pairs):
        if n == 0 and pair.section_title and part.opens_section:
            lines.append(f'<h2 class="section" id="s{pair.section}">{_x(pair.section_title)}</h2>')
        lines.append(f'<div class="pair" id="p{pair.index}">')
        lines += [paragraph_html(paragraph) for paragraph in pair.paragraphs]
        lines.append("</div>")
    lines.append("</body>\n</html>\n")
    return "\n".join(lines)


# --- overlays ----------------------------------------------------------------------------


def overlay_smil(part: Part, href: str, note: str) -> str:
    """A part's Media Overlay: a seq per pair (and paragraph, sentence), a par per clip."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<!-- Times: {_x(note).replace('--', '- -')}. -->",
             '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops"'
             ' version="3.0">',
             f'<body epub:textref="{href}">']
    open_groups: list[str] = []
    for n, clip in enumerate(part.clips, 1):
        keep = 0
        while (keep < len(open_groups) and keep < len(clip.groups)
               and open_groups[keep] == clip.groups[keep]):
            keep += 1
        while len(open_groups) > keep:
            open_groups.pop()
            lines.append("  " * (len(open_groups) + 1) + "</seq>")
        for group in clip.groups[keep:]:
            lines.append("  " * (len(open_groups) + 1) + f'<seq epub:textref="{href}#{group}">')
            open_groups.append(group)
        lines.append(_par(clip, href, n, "  " * (len(open_groups) + 1)))
    while open_groups:
        open_groups.pop()
        lines.append("  " * (len(open_groups) + 1) + "</seq>")
    lines += ["</body>", "</smil>", ""]
    return "\n".join(lines)


def _par(clip: Clip, href: str, n: int, indent: str) -> str:
    return (f'{indent}<par id="c{n}"><text src="{href}#{clip.ref}"/>'
            f'<audio src="../{AUDIO}" clipBegin="{clock(clip.begin)}" '
            f'clipEnd="{clock(clip.end)}"/></par>')


# --- navigation, title page, package -----------------------------------------------------


def _titles(document: Manifest) -> list[tuple[str, str]]:
    book = document["book"]
    titles = book.get("titles") or {}
    return [(lang, titles.get(lang) or book["title"]) for lang in book["order"]]


def full_title(document: Manifest) -> str:
    """Both titles, in book order ("Ең соңғы бір шақырым / 最后一公里")."""
    seen: list[str] = []
    for _, title in _titles(document):
        if title not in seen:
            seen.append(title)
    return " / ".join(seen)


def voices(document: Manifest) -> list[str]:
    """Per language, its voice and the credit its licence asks for."""
    credits = document.get("credits") or {}
    found = []
    for lang in document["book"]["order"]:
        engine = document.get("engines", {}).get(lang)
        if engine:
            credit = credits.get(lang)
            found.append(f"{lang}: {engine}" + (f" — {credit}" if credit else ""))
    return found


def nav_html(document: Manifest, book_parts: list[Part]) -> str:
    """The navigation document: a chapter per pair, under its section's title if it has one."""
    order = document["book"]["order"]
    lines = [_head(order[0], full_title(document), "style.css"), "<body>",
             '<nav epub:type="toc" id="toc">', f"<h1>{_x(full_title(document))}</h1>", "<ol>"]
    section: int | None = None
    titled = False
    for part in book_parts:
        href = part_href(part)
        for pair in part.pairs:
            if pair.section != section:
                if section is not None and titled:
                    lines.append("</ol></li>")
                section, titled = pair.section, bool(pair.section_title)
                if titled:
                    lines.append(f'<li><a href="{href}#s{pair.section}">'
                                 f"{_x(pair.section_title)}</a><ol>")
            lines.append(f'<li><a href="{href}#p{pair.index}">{_x(pair.title)}</a></li>')
    if section is not None and titled:
        lines.append("</ol></li>")
    lines += ["</ol>", "</nav>", '<nav epub:type="landmarks" id="landmarks" hidden="hidden">',
              "<ol>", '<li><a epub:type="titlepage" href="title.xhtml">Title page</a></li>']
    if book_parts:
        lines.append(f'<li><a epub:type="bodymatter" href="{part_href(book_parts[0])}">'
                     "Start</a></li>")
    lines += ["</ol>", "</nav>", "</body>", "</html>", ""]
    return "\n".join(lines)


def title_html(document: Manifest, cover: str | None) -> str:
    """The title page: the cover, both titles, author, date, source and the voices."""
    book = document["book"]
    lines = [_head(book["order"][0], full_title(document), "style.css"), "<body>"]
    if cover:
        lines.append(f'<p><img class="cover" src="{cover}" alt="{_x(full_title(document))}"/></p>')
    for lang, title in _titles(document):
        lines.append(f'<h1 lang="{_x(lang)}" xml:lang="{_x(lang)}">{_x(title)}</h1>')
    byline = " · ".join(_x(part) for part in (book.get("author"), book.get("date")) if part)
    if byline:
        lines.append(f'<p class="byline">{byline}</p>')
    if book.get("source") and book.get("source") != book.get("author"):
        lines.append(f'<p class="byline">{_x(book["source"])}</p>')
    for line in voices(document):
        lines.append(f'<p class="voices">{_x(line)}</p>')
    lines.append(f'<p class="voices">{_x(document.get("generator", "reader"))}</p>')
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def part_href(part: Part) -> str:
    """Where a part's content document lives, from the package document."""
    return f"text/part-{part.number:03d}.xhtml"


def package_opf(document: Manifest, book_parts: list[Part], cover: str | None,
                cover_type: str | None) -> str:
    """The package document: metadata (titles, languages, voices, durations), manifest, spine."""
    book = document["book"]
    order = book["order"]
    day = book_date(book.get("date") or "")
    meta = [f'<dc:identifier id="book-id">{book_uuid(document)}</dc:identifier>',
            f"<dc:title>{_x(full_title(document))}</dc:title>"]
    meta += [f"<dc:language>{_x(lang)}</dc:language>" for lang in order]
    if book.get("author"):
        meta.append(f"<dc:creator>{_x(book['author'])}</dc:creator>")
    if day != _EPOCH:
        meta.append(f"<dc:date>{day[0]:04d}-{day[1]:02d}-{day[2]:02d}</dc:date>")
    if book.get("source"):
        meta.append(f"<dc:source>{_x(book['source'])}</dc:source>")
    for n, line in enumerate(voices(document), 1):
        meta += [f'<dc:contributor id="voice-{n}">{_x(line)}</dc:contributor>',
                 f'<meta refines="#voice-{n}" property="role" scheme="marc:relators">nrt</meta>']
    meta.append('<meta property="dcterms:modified">'
                f"{day[0]:04d}-{day[1]:02d}-{day[2]:02d}T00:00:00Z</meta>")
    total = sum(part.duration_ms for part in book_parts)
    meta.append(f'<meta property="media:duration">{clock(total)}</meta>')
    meta += [f'<meta property="media:duration" refines="#smil-{part.number:03d}">'
             f"{clock(part.duration_ms)}</meta>" for part in book_parts]
    meta += [f'<meta property="media:active-class">{ACTIVE_CLASS}</meta>',
             f'<meta property="media:playback-active-class">{PLAYING_CLASS}</meta>']
    if cover:
        meta.append('<meta name="cover" content="cover-image"/>')
    items = ['<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
             'properties="nav"/>',
             '<item id="title" href="title.xhtml" media-type="application/xhtml+xml"/>',
             '<item id="style" href="style.css" media-type="text/css"/>',
             f'<item id="audio" href="{AUDIO}" media-type="audio/mpeg"/>']
    if cover:
        items.append(f'<item id="cover-image" href="{cover}" media-type="{cover_type}" '
                     'properties="cover-image"/>')
    for part in book_parts:
        items += [f'<item id="part-{part.number:03d}" href="{part_href(part)}" '
                  f'media-type="application/xhtml+xml" media-overlay="smil-{part.number:03d}"/>',
                  f'<item id="smil-{part.number:03d}" href="smil/part-{part.number:03d}.smil" '
                  'media-type="application/smil+xml"/>']
    spine = ['<itemref idref="title"/>',
             *(f'<itemref idref="part-{part.number:03d}"/>' for part in book_parts)]
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        f'unique-identifier="book-id" xml:lang="{_x(order[0])}">',
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">',
        *meta, "</metadata>", "<manifest>", *items, "</manifest>", "<spine>", *spine,
        "</spine>", "</package>", ""])


CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="OEBPS/package.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
"""


def files(document: Manifest, cover_name: str | None = None) -> dict[str, str]:
    """Every text file of the EPUB, by its path in the zip (the MP3 and cover are added apart)."""
    book_parts = parts(document)
    order = document["book"]["order"]
    title = full_title(document)
    cover = f"images/cover{Path(cover_name).suffix.lower()}" if cover_name else None
    cover_type = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}.get(
        Path(cover_name).suffix.lower()) if cover_name else None
    note = timing_note(document)
    found = {
        "META-INF/container.xml": CONTAINER,
        "OEBPS/package.opf": package_opf(document, book_parts, cover, cover_type),
        "OEBPS/nav.xhtml": nav_html(document, book_parts),
        "OEBPS/title.xhtml": title_html(document, cover),
        "OEBPS/style.css": STYLE,
    }
    for part in book_parts:
        name = f"part-{part.number:03d}"
        found[f"OEBPS/text/{name}.xhtml"] = part_html(part, order[0], title)
        found[f"OEBPS/smil/{name}.smil"] = overlay_smil(part, f"../text/{name}.xhtml", note)
    return found


def write_epub(path: Path, document: Manifest, audio: Path,
               cover: Path | None = None) -> Path:
    """Write the EPUB: mimetype first and stored, then every file in a fixed order and date."""
    texts = files(document, cover.name if cover else None)
    day = book_date(document["book"].get("date") or "")
    stamp = (*day, 0, 0, 0)

    def entry(name: str, stored: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.create_system = 3
        return info

    with fsutil.atomic_path(path) as temp, zipfile.ZipFile(temp, "w") as archive:
        archive.writestr(entry("mimetype", True), b"application/epub+zip")
        for name in sorted(texts, key=lambda n: (not n.startswith("META-INF/"), n)):
            archive.writestr(entry(name, False), texts[name].encode("utf-8"), compresslevel=9)
        binaries = [(f"OEBPS/{AUDIO}", audio)]
        if cover is not None:
            binaries.append((f"OEBPS/images/cover{cover.suffix.lower()}", cover))
        for name, source in sorted(binaries):
            size = source.stat().st_size
            with open(source, "rb") as src, \
                    archive.open(entry(name, True), "w", force_zip64=size >= 1 << 31) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    return path
