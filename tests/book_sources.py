"""Generated book sources for the import tests: EPUB 2/3 (ebooklib), DOCX (python-docx), HTML.

A book is a list of `Src` chapters; each paragraph's length is chosen so that
the Kazakh and Chinese editions of one chapter weigh about the same.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

KK_SENTENCES = (
    "Ауылдың шетінде үлкен бір терек өсіп тұрды.",
    "Көктемде өзен тасып, жағаға дейін жетті.",
    "Әжесі оған ескі әңгімелерді айтып берді.",
    "Жол ұзақ болды, бірақ олар қайтпады.",
    "Таңертең күн шығып, дала жарқырап кетті.",
)
ZH_SENTENCES = (
    "村子边上长着一棵大树。",
    "春天河水上涨，一直漫到岸边。",
    "奶奶给他讲了许多古老的故事。",
    "路很长，但他们没有回头。",
    "早晨太阳升起，草原闪闪发光。",
)
#: A 1×1 JPEG (the cover).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334"
    "32ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
    "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748"
    "494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999a"
    "a2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7"
    "e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9")


@dataclass(frozen=True)
class Src:
    """A chapter of a generated edition."""

    title: str
    paragraphs: tuple[str, ...]


def paragraph(lang: str, chapter: int, number: int) -> str:
    """A paragraph of one to five sentences, the same count in both languages."""
    pool = KK_SENTENCES if lang == "kk" else ZH_SENTENCES
    count = 1 + (chapter * 3 + number * 7) % 5
    joiner = " " if lang == "kk" else ""
    return joiner.join(pool[(chapter + number + k) % 5] for k in range(count)) + \
        (f" ({chapter}.{number})" if lang == "kk" else f"（{chapter}.{number}）")


def chapter(lang: str, number: int, count: int, title: str | None = None) -> Src:
    """Chapter `number` with `count` paragraphs."""
    name = title or (f"{number}-тарау" if lang == "kk" else f"第{number}章")
    return Src(name, tuple(paragraph(lang, number, i) for i in range(1, count + 1)))


def _xhtml(title: str, body: str, lang: str) -> str:
    return (f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub='
            f'"http://www.idpf.org/2007/ops" lang="{lang}"><head><title>{title}</title>'
            f"<style>p {{ margin: 0 }}</style></head><body>{body}</body></html>")


def chapter_body(src: Src, *, residue: bool = False) -> str:
    """A chapter page: heading, paragraphs; with `residue`, a footnote, page number, nav links."""
    parts = [f"<h1>{src.title}</h1>"]
    for i, text in enumerate(src.paragraphs):
        if residue and i == 0:
            parts.append(f'<p>{text}<a epub:type="noteref" href="#n1"><sup>1</sup></a></p>')
            parts.append('<span epub:type="pagebreak" id="p7" title="7">7</span>')
        else:
            parts.append(f"<p>{text}</p>")
    if residue:
        parts.append('<p class="nav"><a href="prev.xhtml">Алдыңғы</a> | '
                     '<a href="next.xhtml">Келесі</a></p>')
        parts.append('<aside epub:type="footnote" id="n1"><p>Ескерту мәтіні.</p></aside>')
        parts.append("<script>var x = 1;</script>")
    return "".join(parts)


def write_epub(path: Path, chapters: list[Src], lang: str, *, version: int = 3,
               title: str = "Кітап", author: str = "Автор", cover: bool = False,
               residue: bool = False) -> Path:
    """An EPUB of the chapters (EPUB 2: NCX only, version 2.0), made with ebooklib."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(f"id-{path.stem}")
    book.set_title(title)
    book.set_language(lang)
    book.add_author(author)
    book.add_metadata("DC", "date", "2020-05-01T00:00:00Z")
    if cover:
        book.set_cover("cover.jpg", JPEG)
    items = []
    for n, src in enumerate(chapters, start=1):
        item = epub.EpubHtml(title=src.title, file_name=f"text/ch{n:02}.xhtml", lang=lang)
        item.content = _xhtml(src.title, chapter_body(src, residue=residue), lang)
        book.add_item(item)
        items.append(item)
    book.toc = [epub.Link(i.file_name, i.title, f"c{n}") for n, i in enumerate(items)]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = (["cover"] if cover else []) + ["nav", *items]
    epub.write_epub(str(path), book)
    if version == 2:
        _as_epub2(path)
    return path


def _as_epub2(path: Path) -> None:
    """Rewrite an ebooklib EPUB 3 as EPUB 2: version 2.0, no navigation document."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename.endswith("nav.xhtml"):
                continue
            if info.filename.endswith(".opf"):
                text = data.decode()
                text = text.replace('version="3.0"', 'version="2.0"')
                text = re.sub(r'<item [^>]*properties="nav"[^>]*/>', "", text)
                text = re.sub(r'<itemref idref="nav"[^>]*/>', "", text)
                data = text.encode()
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def write_docx(path: Path, chapters: list[Src], *, title: str = "", toc: bool = False,
               table: bool = False) -> Path:
    """A DOCX with a Heading 1 per chapter (and a Title, a TOC line, a table if asked)."""
    import docx

    document = docx.Document()
    if title:
        document.add_paragraph(title, style="Title")
    if toc:
        document.add_paragraph("Мазмұны / 目录", style="TOC Heading")
    for src in chapters:
        document.add_heading(src.title, level=1)
        for text in src.paragraphs:
            document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=1, cols=2)
        grid.rows[0].cells[0].text = "表格"
    document.core_properties.title = title
    document.save(str(path))
    return path


def write_html(path: Path, chapters: list[Src], lang: str, *, title: str = "") -> Path:
    """A saved web page: site navigation, a title heading, an h2 per chapter, a footer."""
    parts = ['<nav><a href="/">Басты бет</a> <a href="/news">Жаңалықтар</a></nav>',
             '<header><a href="/">site.example</a></header>']
    if title:
        parts.append(f"<h1>{title}</h1>")
    for src in chapters:
        parts.append(f"<h2>{src.title}</h2>")
        parts += [f"<p>{text}</p>" for text in src.paragraphs]
    parts.append("<ul><li>Байланысты мақала</li></ul><footer>© 2024</footer>")
    path.write_text(f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title>'
                    f'<meta name="author" content="Автор"></head><body>{"".join(parts)}'
                    "<script>track()</script></body></html>", encoding="utf-8")
    return path
