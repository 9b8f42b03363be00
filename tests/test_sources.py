"""Reading editions: EPUB 2/3, DOCX, HTML and Markdown sources into chapters, and refusals."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from reader.errors import TextError
from reader.text.document import Chapter, Heading, Para, is_page_number, structure
from reader.text.sources import read_document
from reader.text.sources.html import extract, parse
from tests.book_sources import (
    JPEG,
    Src,
    chapter,
    write_docx,
    write_epub,
    write_html,
)

FRONT = Src("Алғы сөз", ("Бұл кітап туралы бірер сөз айтайын.", "Оқырманға алғыс."))


@pytest.mark.parametrize(
    ("items", "title", "chapters"),
    [
        # one top heading first and once: the document's title; h2 opens chapters
        ([Heading(1, "Кітап"), Heading(2, "Бір"), Para("а"), Heading(2, "Екі"), Para("б")],
         "Кітап", [Chapter("Бір", ("а",)), Chapter("Екі", ("б",))]),
        # deeper headings are text; text before the first heading is an untitled chapter
        ([Para("алғы"), Heading(1, "Бір"), Heading(3, "Түн"), Para("а"), Heading(1, "Екі"),
          Para("б")],
         "", [Chapter(None, ("алғы",)), Chapter("Бір", ("Түн", "а")), Chapter("Екі", ("б",))]),
        # a single heading level: every heading opens a chapter, none is the title
        ([Heading(1, "第一章"), Para("甲"), Heading(1, "第二章"), Para("乙")],
         "", [Chapter("第一章", ("甲",)), Chapter("第二章", ("乙",))]),
        # no headings: one untitled chapter
        ([Para("а"), Para("б")], "", [Chapter(None, ("а", "б"))]),
        # a heading with nothing under it is no chapter
        ([Heading(1, "Бір"), Heading(1, "Екі"), Para("б")], "", [Chapter("Екі", ("б",))]),
    ],
)
def test_structure(items: list[Heading | Para], title: str, chapters: list[Chapter]) -> None:
    assert structure(items) == (title, tuple(chapters))


@pytest.mark.parametrize(
    ("text", "page"),
    [("12", True), ("— 12 —", True), ("xiv", True), ("[7]", True), ("p. 7", True),
     ("12 ақпан", False), ("第12章", False), ("Бір", False)],
)
def test_page_numbers(text: str, page: bool) -> None:
    assert is_page_number(text) is page


def test_html_residue_is_dropped_and_counted() -> None:
    markup = (
        "<html><head><style>p{}</style><script>x()</script></head><body>"
        '<nav><a href="/">Home</a></nav><header><span>Сайт атауы</span></header>'
        "<header><h1>Тарау</h1></header>"
        '<p>Бірінші абзац<sup><a href="#fn1">1</a></sup> мұнда.</p>'
        '<p><span epub:type="pagebreak">12</span>Екінші<br/>жол.</p>'
        "<p>13</p><p>Үшінші<sup>*</sup> абзац.</p>"
        '<p><a href="prev.html">Алдыңғы</a> | <a href="next.html">Келесі</a></p>'
        "<ul><li>тізім</li></ul><table><tr><td>кесте</td></tr></table>"
        '<div class="footnotes"><p>1. Ескерту.</p></div>'
        "<footer>© 2024</footer></body></html>"
    )
    found = extract(parse(markup))
    assert found.items == [Heading(1, "Тарау"), Para("Бірінші абзац мұнда."),
                           Para("Екінші\nжол."), Para("Үшінші абзац.")]
    assert sorted(found.dropped) == sorted([
        "navigation", "navigation", "footnote markers", "page numbers", "page numbers",
        "footnote markers", "navigation", "lists", "tables", "footnotes", "navigation"])


def kk_edition(front: bool = True) -> list[Src]:
    return ([FRONT] if front else []) + [chapter("kk", n, 5) for n in range(1, 4)]


@pytest.mark.parametrize("version", [2, 3])
def test_epub_chapters_metadata_and_cover(tmp_path: Path, version: int) -> None:
    path = write_epub(tmp_path / "kk.epub", kk_edition(), "kk", version=version,
                      title="Жол", author="Автор Бір", cover=True, residue=True)
    document = read_document(path)
    assert document.kind == f"EPUB {version}"
    assert [c.title for c in document.chapters] == ["Алғы сөз", "1-тарау", "2-тарау", "3-тарау"]
    assert [len(c.paragraphs) for c in document.chapters] == [2, 5, 5, 5]
    assert document.chapters[1].paragraphs == chapter("kk", 1, 5).paragraphs
    meta = document.metadata
    assert (meta.title, meta.author, meta.language, meta.date) == \
        ("Жол", "Автор Бір", "kk", "2020-05-01")
    assert (meta.cover, meta.cover_suffix) == (JPEG, ".jpg")
    dropped = dict(document.dropped)
    # residue per chapter page (4 pages): a note marker, a page number, the nav links,
    # the note itself and a script
    for reason in ("footnote markers", "page numbers", "navigation", "footnotes",
                   "scripts and styles"):
        assert dropped[reason] == 4, reason


def test_epub_chapters_from_toc_fragments(tmp_path: Path) -> None:
    """Two TOC entries pointing into one page split it; a page the TOC skips continues."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("x")
    book.set_title("T")
    book.set_language("kk")
    one = epub.EpubHtml(title="a", file_name="one.xhtml")
    one.content = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><h2 id="a">Бір</h2>'
                   '<p>бірінші</p><h2 id="b">Екі</h2><p>екінші</p></body></html>')
    more = epub.EpubHtml(title="m", file_name="more.xhtml")
    more.content = '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>жалғасы</p></body></html>'
    for item in (one, more):
        book.add_item(item)
    book.toc = [epub.Link("one.xhtml#a", "Бір", "a"), epub.Link("one.xhtml#b", "Екі", "b")]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [one, more]
    epub.write_epub(str(tmp_path / "f.epub"), book)
    document = read_document(tmp_path / "f.epub")
    assert document.chapters == (Chapter("Бір", ("бірінші",)),
                                 Chapter("Екі", ("екінші", "жалғасы")))


def test_docx_headings_and_dropped(tmp_path: Path) -> None:
    chapters = [chapter("zh", 1, 3), chapter("zh", 2, 2)]
    path = write_docx(tmp_path / "zh.docx", chapters, title="路", toc=True, table=True)
    document = read_document(path)
    assert document.kind == "DOCX"
    assert document.metadata.title == "路"
    assert [(c.title, c.paragraphs) for c in document.chapters] == \
        [(c.title, c.paragraphs) for c in chapters]
    assert dict(document.dropped) == {"tables": 1, "tables of contents": 1}


def test_html_page_and_folder(tmp_path: Path) -> None:
    chapters = [chapter("kk", 1, 2), chapter("kk", 2, 3)]
    page = write_html(tmp_path / "page.html", chapters, "kk", title="Жол")
    document = read_document(page)
    assert document.metadata.title == "Жол" and document.metadata.author == "Автор"
    assert [(c.title, c.paragraphs) for c in document.chapters] == \
        [(c.title, c.paragraphs) for c in chapters]
    assert dict(document.dropped)["navigation"] == 3  # nav, header, footer
    folder = tmp_path / "pages"
    folder.mkdir()
    # natural order: page 2 comes before page 10
    write_html(folder / "p10.html", [chapter("kk", 2, 3)], "kk")
    write_html(folder / "p2.html", [chapter("kk", 1, 2)], "kk")
    assert [c.title for c in read_document(folder).chapters] == ["1-тарау", "2-тарау"]


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "zh.md"
    path.write_text("---\ntitle: 路\nauthor: 作者\n---\n# 第一章\n\n甲段[^1]。\n\n- 列表\n\n"
                    "# 第二章\n\n乙段。\n\n[^1]: 注释。\n", encoding="utf-8")
    document = read_document(path)
    assert (document.metadata.title, document.metadata.author) == ("路", "作者")
    assert document.chapters == (Chapter("第一章", ("甲段。",)), Chapter("第二章", ("乙段。",)))
    assert dict(document.dropped) == {"lists": 1, "footnotes": 1, "footnote markers": 1}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", b"application/epub+zip")
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("climb.epub", lambda p: _zip(p, {"../evil.txt": b"x"}), "points outside the book"),
        ("abs.epub", lambda p: _zip(p, {"/etc/evil": b"x"}), "points outside the book"),
        ("drm.epub", lambda p: _zip(p, {"META-INF/rights.xml": b"<rights/>"}), "DRM"),
        ("enc.epub", lambda p: _zip(p, {"META-INF/encryption.xml": (
            b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
            b"</enc:EncryptedData></encryption>")}), "DRM"),
        ("plain.epub", lambda p: p.write_bytes(b"not a zip at all"), "not an EPUB"),
        ("book.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n%images only"), "PDF"),
        ("scan.epub", lambda p: p.write_bytes(b"%PDF-1.7\n"), "PDF"),
        ("broken.docx", lambda p: p.write_bytes(b"PK\x03\x04 truncated"), "not a zip"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, name: str, make: object, says: str) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    with pytest.raises(TextError, match=says):
        read_document(path)


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.epub"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("OEBPS/link")
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(TextError, match="symbolic link"):
        read_document(path)


def test_font_obfuscation_is_not_drm(tmp_path: Path) -> None:
    path = write_epub(tmp_path / "ok.epub", kk_edition(False), "kk")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("META-INF/encryption.xml", (
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            '<enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>'
            "</enc:EncryptedData></encryption>"))
    assert len(read_document(path).chapters) == 3


def test_broken_xhtml_is_refused(tmp_path: Path) -> None:
    path = write_epub(tmp_path / "b.epub", kk_edition(False), "kk")
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    name = next(n for n in members if n.endswith("ch02.xhtml"))
    members[name] = members[name].replace(b"</p>", b"", 1)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    with pytest.raises(TextError, match=r"ch02\.xhtml:\d+: broken XHTML"):
        read_document(path)
