"""MP4 boxes, read and patched in place: the box tree, the Nero `chpl` chapter box, the
chunk offsets a grown `moov` moves, and a text track's language. Bytes in, bytes out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import AudioError

#: A `chpl` box counts its chapters in one byte.
MAX_CHPL = 255
#: Boxes that only hold other boxes, on the way from moov to the chunk offsets.
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts"}


@dataclass(frozen=True)
class Mark:
    """One Nero chapter: where it starts and what it is called."""

    start_ms: int
    title: str


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


def set_text_track_language(data: bytes, code: str) -> bytes:
    """The MP4 bytes with the language of every text (chapter) track set to `code`.

    ffmpeg writes the QuickTime chapter track with an undetermined language;
    the language sits in a fixed place of its mdhd box, so it is patched there
    (no box changes size).
    """
    packed = struct.pack(">H", sum((ord(c) - 0x60) << shift
                                   for c, shift in zip(code, (10, 5, 0), strict=True)))
    out = bytearray(data)
    moov = find_box(data, [b"moov"])
    if moov is None:
        raise AudioError("MP4 has no moov box")
    for kind, at, size in boxes(data, moov[0] + 8, moov[0] + moov[1]):
        if kind != b"trak":
            continue
        hdlr = find_box(data[at + 8 : at + size], [b"mdia", b"hdlr"])
        mdhd = find_box(data[at + 8 : at + size], [b"mdia", b"mdhd"])
        if hdlr is None or mdhd is None:
            continue
        handler = data[at + 8 + hdlr[0] + 16 : at + 8 + hdlr[0] + 20]
        if handler != b"text":
            continue
        box = at + 8 + mdhd[0]
        version = data[box + 8]
        place = box + 12 + (28 if version == 1 else 16)
        out[place : place + 2] = packed
    return bytes(out)
