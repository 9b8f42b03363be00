"""Tags and chapters: ID3v2.3 written with mutagen.

One CHAP per pair and an ordered table of contents. A CTOC lists at most 255
children, so sections become child CTOCs and long lists are split into parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    WOAS,
    CTOCFlags,
    PictureType,
)
from mutagen.id3._tags import save_frame

from ..audio.timeline import Chapter
from ..config import Book
from ..images import PNG_SIGNATURE

MAX_CHILDREN = 255
_ISO639_2 = {"kk": "kaz", "zh": "zho", "ru": "rus", "en": "eng", "ky": "kir", "uz": "uzb",
             "tt": "tat", "tr": "tur", "de": "deu", "fr": "fra", "es": "spa", "ja": "jpn"}


class ChapterOrderedID3(ID3):
    """ID3 that writes CHAP and CTOC frames in the book's order.

    mutagen orders frames by size, which scrambles chapters; ffmpeg and many
    players list chapters in file order, so the file order must be the book's.
    """

    def __init__(self, element_ids: list[str]) -> None:
        super().__init__()
        self._element_order = {element_id: i for i, element_id in enumerate(element_ids)}

    def _write(self, config):  # type: ignore[no-untyped-def]
        frames = list(self.values())
        toc = [frame for frame in frames if frame.FrameID in ("CHAP", "CTOC")]
        toc.sort(key=lambda frame: self._element_order[frame.element_id])
        rest = [frame for frame in frames if frame.FrameID not in ("CHAP", "CTOC")]
        return bytearray().join(save_frame(frame, config=config) for frame in rest + toc)


@dataclass(frozen=True)
class _Node:
    id: str
    title: str
    children: tuple[str, ...]


def _split(node_id: str, title: str, children: list[str], nodes: list[_Node]) -> str:
    """Add a CTOC for `children`, nesting parts when there are too many; return its id."""
    level = 0
    while len(children) > MAX_CHILDREN:
        level += 1
        parts = []
        for n, at in enumerate(range(0, len(children), MAX_CHILDREN), start=1):
            chunk = children[at : at + MAX_CHILDREN]
            part_id = f"{node_id}p{n}" if level == 1 else f"{node_id}l{level}p{n}"
            nodes.append(_Node(part_id, f"{title} ({n})".strip(), tuple(chunk)))
            parts.append(part_id)
        children = parts
    nodes.append(_Node(node_id, title, tuple(children)))
    return node_id


def toc_nodes(chapters: tuple[Chapter, ...], book_title: str) -> list[_Node]:
    """The CTOC tree as nodes; the top-level node ("toc") comes last."""
    nodes: list[_Node] = []
    sections: dict[int, list[Chapter]] = {}
    for chapter in chapters:
        sections.setdefault(chapter.section, []).append(chapter)
    titled = any(c.section_title for c in chapters)
    if len(sections) > 1 or titled:
        tops = [
            _split(f"s{number + 1}", group[0].section_title or f"Section {number + 1}",
                   [f"ch{c.index}" for c in group], nodes)
            for number, group in sections.items()
        ]
    else:
        tops = [f"ch{c.index}" for c in chapters]
    _split("toc", book_title, tops, nodes)
    return nodes


def language_code(lang: str) -> str:
    """ISO 639-2 code for ID3's TLAN (kk → kaz, zh → zho)."""
    base = lang.split("-")[0].lower()
    return _ISO639_2.get(base, base)


def write_tags(path: Path, book: Book, chapters: tuple[Chapter, ...], langs: tuple[str, ...],
               title: str, credits: str = "", cover: bytes = b"") -> None:
    """Write title, artist, album, languages, the cover (a JPEG or PNG's bytes) and the
    chapters to an MP3 as ID3v2.3."""
    nodes = toc_nodes(chapters, title)
    tags = ChapterOrderedID3([f"ch{c.index}" for c in chapters] + [n.id for n in nodes])
    chapter_frames: list[CHAP | CTOC] = []
    tags.add(TIT2(encoding=3, text=[title]))
    if book.author:
        tags.add(TPE1(encoding=3, text=[book.author]))
        tags.add(TPE2(encoding=3, text=[book.author]))
    tags.add(TALB(encoding=3, text=[book.title()]))
    tags.add(TCON(encoding=3, text=["Audiobook"]))
    tags.add(TLAN(encoding=3, text=[language_code(lang) for lang in langs]))
    if book.date:
        tags.add(TDRC(encoding=3, text=[book.date]))
    if book.source:
        tags.add(COMM(encoding=3, lang="eng", desc="source", text=[book.source]))
        if book.source.startswith(("http://", "https://")):
            tags.add(WOAS(url=book.source))
    if credits:  # the voices' licences (e.g. CC BY) ask for attribution
        tags.add(COMM(encoding=3, lang="eng", desc="voices", text=[credits]))
    if cover:
        mime = "image/png" if cover.startswith(PNG_SIGNATURE) else "image/jpeg"
        tags.add(APIC(encoding=3, mime=mime, type=PictureType.COVER_FRONT, desc="Cover",
                      data=cover))
    for chapter in chapters:
        chapter_frames.append(CHAP(
            element_id=f"ch{chapter.index}",
            start_time=chapter.start_ms, end_time=chapter.end_ms,
            start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
            sub_frames=[TIT2(encoding=3, text=[chapter.title])],
        ))
    for node in nodes:
        flags = CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if node.id == "toc" else 0)
        chapter_frames.append(CTOC(
            element_id=node.id, flags=flags, child_element_ids=list(node.children),
            sub_frames=[TIT2(encoding=3, text=[node.title])],
        ))
    for frame in chapter_frames:
        tags.add(frame)
    tags.update_to_v23()
    tags.save(str(path), v2_version=3, padding=lambda info: 0)
