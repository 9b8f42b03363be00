"""Tiny images made by the tests: real PNGs (zlib only) and JPEG headers."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png(width: int, height: int, grey: int = 0) -> bytes:
    """A valid greyscale PNG of one colour (a few KB even at 3000 px)."""
    row = b"\x00" + bytes([grey]) * width
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(row * height, 9)) + _chunk(b"IEND", b""))


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg_header(width: int, height: int, sof: int = 0xC0, before: bytes = b"") -> bytes:
    """SOI, a JFIF APP0, `before` (more segments), then a frame header of that size."""
    app0 = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    frame = _segment(sof, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    return b"\xff\xd8" + app0 + before + frame


def segment(marker: int, body: bytes) -> bytes:
    """One JPEG marker segment (for `before`)."""
    return _segment(marker, body)
