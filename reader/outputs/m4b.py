"""The M4B audiobook: the bilingual MP3 re-encoded as AAC, with tags, cover and chapters.

ffmpeg writes the chapters twice from one FFMETADATA file: as a QuickTime
chapter track (Apple players) and as a Nero `chpl` box (AntennaPod and other
players that read only that). `chpl` counts its entries in one byte, so for a
book of more than 255 chapters its box is rewritten here with section-level
chapters, while the chapter track keeps one chapter per pair.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

from .. import fsutil
from ..audio import ffmpeg
from ..audio.timeline import Chapter
from ..config import Book
from ..errors import AudioError

MAX_CHPL = 255
#: Boxes that only hold other boxes, on the way from moov to the chunk offsets.
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts"}


@dataclass(frozen=True)
class Mark:
    """One Nero chapter: where it starts and what it is called."""

    start_ms: int
    title: str


def _escape(value: str) -> str:
    """A value as FFMETADATA wants it: = ; # \\ and line breaks behind a backslash."""
    for char in ("\\", "=", ";", "#", "\n"):
        value = value.replace(char, "\\" + char)
    return value


def tags(book: Book) -> dict[str, str]:
    """The M4B's tags, named as ffmpeg's mp4 muxer knows them (media_type 2 = audiobook)."""
    found = {
        "title": book.full_title(),
        "album": book.title(),
        "artist": book.author,
        "album_artist": book.author,
        "genre": "Audiobook",
        "media_type": "2",
        "date": book.date,
        "comment": book.source,
    }
    return {key: value for key, value in found.items() if value}


def ffmetadata(metadata: dict[str, str], chapters: tuple[Chapter, ...]) -> str:
    """An FFMETADATA1 document: global tags, then one [CHAPTER] per chapter (ms)."""
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_escape(value)}" for key, value in metadata.items()]
    for chapter in chapters:
        lines += ["", "[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}",
                  f"END={chapter.end_ms}", f"title={_escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


def chpl_marks(chapters: tuple[Chapter, ...], limit: int = MAX_CHPL) -> list[Mark]:
    """What fits the Nero list: every chapter, else one per section, else every n-th."""
    if len(chapters) <= limit:
        return [Mark(c.start_ms, c.title) for c in chapters]
    sections: dict[int, Chapter] = {}
    for chapter in chapters:
        sections.setdefault(chapter.section, chapter)
    if 1 < len(sections) <= limit:
        return [Mark(c.start_ms, c.section_title or c.title) for c in sections.values()]
    step = math.ceil(len(chapters) / limit)
    return [Mark(c.start_ms, c.title) for c in chapters[::step]]


def _utf8_prefix(text: str, limit: int) -> bytes:
    """At most `limit` bytes of UTF-8, cut between characters."""
    data = text.encode("utf-8")
    return data if len(data) <= limit else data[:limit].decode("utf-8", "ignore").encode("utf-8")


def chpl_box(marks: list[Mark]) -> bytes:
    """A Nero `chpl` box (version 1) as ffmpeg writes it: 100 ns start times, byte titles."""
    if len(marks) > MAX_CHPL:
        raise AudioError(f"a chpl box holds at most {MAX_CHPL} chapters, not {len(marks)}")
    body = bytearray(struct.pack(">IIB", 0x01000000, 0, len(marks)))
    for mark in marks:
        title = _utf8_prefix(mark.title, 255)
        body += struct.pack(">QB", mark.start_ms * 10_000, len(title)) + title
    return struct.pack(">I4s", 8 + len(body), b"chpl") + bytes(body)


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of the boxes laid end to end in data[start:end]."""
    end = len(data) if end is None else end
    found = []
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8 : at + 16])[0]
        elif size == 0:
            size = end - at
        if size < 8 or at + size > end:
            raise AudioError(f"broken MP4 box {kind!r} at byte {at}")
        found.append((kind, at, size))
        at += size
    return found


def find_box(data: bytes, path: list[bytes]) -> tuple[int, int] | None:
    """(offset, size) of the first box along a path such as [moov, udta, chpl]."""
    start, end = 0, len(data)
    found = None
    for kind in path:
        match = next((b for b in boxes(data, start, end) if b[0] == kind), None)
        if match is None:
            return None
        found = match[1:]
        start, end = match[1] + 8, match[1] + match[2]
    return found


def read_chpl(data: bytes) -> list[Mark]:
    """The Nero chapters of an MP4 file's bytes ([] when it has none)."""
    place = find_box(data, [b"moov", b"udta", b"chpl"])
    if place is None:
        return []
    at = place[0] + 8 + 8
    count = data[at]
    at += 1
    marks = []
    for _ in range(count):
        start, length = struct.unpack(">QB", data[at : at + 9])
        marks.append(Mark(start // 10_000, data[at + 9 : at + 9 + length].decode("utf-8")))
        at += 9 + length
    return marks


def _shift_chunk_offsets(moov: bytearray, delta: int) -> None:
    """Move every stco/co64 entry by `delta` bytes (the media moved behind a bigger moov)."""

    def walk(start: int, end: int) -> None:
        for kind, at, size in boxes(bytes(moov), start, end):
            if kind in _CONTAINERS:
                walk(at + 8, at + size)
            elif kind in (b"stco", b"co64"):
                count = struct.unpack(">I", moov[at + 12 : at + 16])[0]
                width, fmt = (4, ">I") if kind == b"stco" else (8, ">Q")
                for i in range(count):
                    place = at + 16 + i * width
                    value = struct.unpack(fmt, moov[place : place + width])[0]
                    moov[place : place + width] = struct.pack(fmt, value + delta)

    walk(8, len(moov))


def replace_chpl(data: bytes, marks: list[Mark]) -> bytes:
    """The MP4 bytes with moov/udta/chpl replaced (or added) by one holding `marks`."""
    moov_at = find_box(data, [b"moov"])
    if moov_at is None:
        raise AudioError("MP4 has no moov box")
    start, size = moov_at
    moov = bytearray(data[start : start + size])
    new_box = chpl_box(marks)
    udta = find_box(bytes(moov), [b"moov", b"udta"])
    if udta is None:
        moov += struct.pack(">I4s", 8 + len(new_box), b"udta") + new_box
        grown = [(0, len(moov))]
    else:
        old = find_box(bytes(moov), [b"moov", b"udta", b"chpl"])
        cut = old or (udta[0] + udta[1], 0)
        moov[cut[0] : cut[0] + cut[1]] = new_box
        delta = len(new_box) - cut[1]
        grown = [(0, size + delta), (udta[0], udta[1] + delta)]
    for at, new_size in grown:
        moov[at : at + 4] = struct.pack(">I", new_size)
    delta = len(moov) - size
    media_after = any(kind == b"mdat" and at > start for kind, at, _ in boxes(data))
    if delta and media_after:
        _shift_chunk_offsets(moov, delta)
    return data[:start] + bytes(moov) + data[start + size :]


def write_m4b(path: Path, source: Path, book: Book, chapters: tuple[Chapter, ...],
              cover: Path | None = None) -> None:
    """Encode `source` (the bilingual MP3) to an AAC M4B with tags, cover and chapters."""
    # The chapter list goes in on stdin: no temporary file to clean up.
    args = ["-i", str(source), "-f", "ffmetadata", "-i", "pipe:0"]
    if cover is not None:
        args += ["-i", str(cover)]
    args += ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
    if cover is not None:
        args += ["-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
    args += ["-c:a", "aac", "-b:a", f"{book.audio.bitrate_kbps}k",
             "-ar", str(book.audio.sample_rate), "-ac", "1", "-f", "ipod"]
    with fsutil.atomic_path(path) as temp:
        ffmpeg.run([*args, str(temp)], stdin=ffmetadata(tags(book), chapters).encode("utf-8"))
        if len(chapters) > MAX_CHPL:
            temp.write_bytes(replace_chpl(temp.read_bytes(), chpl_marks(chapters)))
