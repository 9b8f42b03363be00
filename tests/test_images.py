"""Image kind and size from the header (PNG IHDR, JPEG SOF), and Apple's artwork rule."""

from __future__ import annotations

import pytest

from reader.images import ImageInfo, artwork_problem, image_info, image_kind

from .images import jpeg_header, png, segment

EXIF = segment(0xE1, b"Exif\x00\x00" + bytes(3000))  # a large APP1 before the frame
DHT = segment(0xC4, bytes(20))  # C4 is a Huffman table, not a frame header


@pytest.mark.parametrize(("data", "expected"), [
    (png(1400, 1400), ImageInfo("png", 1400, 1400)),
    (png(3000, 17), ImageInfo("png", 3000, 17)),
    (jpeg_header(1500, 1500), ImageInfo("jpeg", 1500, 1500)),
    (jpeg_header(640, 480, sof=0xC2), ImageInfo("jpeg", 640, 480)),  # progressive
    (jpeg_header(2000, 2000, before=EXIF + DHT), ImageInfo("jpeg", 2000, 2000)),
    # fill bytes (FF) before a marker are allowed
    (jpeg_header(1400, 1400).replace(b"\xff\xc0", b"\xff\xff\xff\xc0"),
     ImageInfo("jpeg", 1400, 1400)),
])
def test_size_from_the_header(data: bytes, expected: ImageInfo) -> None:
    assert image_info(data) == expected


@pytest.mark.parametrize("data", [
    b"", b"GIF89a" + bytes(20), b"not a picture\n",
    png(10, 10)[:20],                              # IHDR cut short
    jpeg_header(10, 10)[:-6],                      # frame header cut short
    b"\xff\xd8\xff\xd9",                           # SOI then EOI: no frame
    b"\xff\xd8" + segment(0xE0, bytes(4)) + b"\xff\xda\x00\x08" + bytes(6),  # scan, no frame
    b"\xff\xd8" + segment(0xE0, bytes(4)) + b"\x00\x00\x00\x00",  # garbage where a marker is
])
def test_not_an_image_or_damaged(data: bytes) -> None:
    assert image_info(data) is None


@pytest.mark.parametrize(("width", "height", "problem"), [
    (1400, 1400, None), (3000, 3000, None), (2048, 2048, None),
    (1399, 1399, "is 1399×1399 px, outside 1400–3000 px a side"),
    (3001, 3001, "is 3001×3001 px, outside 1400–3000 px a side"),
    (1400, 1500, "is 1400×1500 px, not square"),
])
def test_apple_artwork_rule(width: int, height: int, problem: str | None) -> None:
    assert artwork_problem(ImageInfo("png", width, height)) == problem


@pytest.mark.parametrize(("head", "kind"), [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff\xe0\x00\x10JF", "jpeg"),
    (b"\xff\xd8\xff\xdb", "jpeg"),
    (b"\xff\xd8\x00\x00", None),         # SOI not followed by a marker
    (b"\x89PNG\r\n", None),              # a signature cut short
    (b"GIF89a\x01\x00", None),
    (b"root:x:0:0:", None),              # a text file named .png
    (b"", None),
])
def test_image_kind_reads_the_first_bytes(head: bytes, kind: str | None) -> None:
    assert image_kind(head) == kind
