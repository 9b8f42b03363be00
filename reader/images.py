"""What a JPEG or PNG image is and how large, read from its header. Pure.

No imaging library: the size of a PNG is in its IHDR chunk, that of a JPEG in
its first SOF (start of frame) segment; nothing else of the file is decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8"
#: How many bytes `image_kind` needs.
HEAD_BYTES = len(PNG_SIGNATURE)
#: JPEG markers that start a frame (and so give its size): C0–CF but for DHT (C4),
#: JPG (C8) and DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: Markers that stand alone (no length field): TEM and RST0–RST7.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class ImageInfo:
    """An image's kind ("png" or "jpeg") and size in pixels."""

    kind: str
    width: int
    height: int

    @property
    def mime(self) -> str:
        """"image/png" or "image/jpeg"."""
        return f"image/{self.kind}"

    @property
    def suffix(self) -> str:
        """".png" or ".jpg"."""
        return ".png" if self.kind == "png" else ".jpg"


def _png(data: bytes) -> ImageInfo | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ImageInfo("png", width, height)


def _jpeg(data: bytes) -> ImageInfo | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            return None
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if length < 2:
            return None
        if marker in _SOF:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return ImageInfo("jpeg", width, height)
        at += 2 + length
    return None


def image_info(data: bytes) -> ImageInfo | None:
    """The kind and size of a PNG or JPEG from its first bytes; None when they are not one."""
    if data.startswith(PNG_SIGNATURE):
        return _png(data)
    if data.startswith(JPEG_SOI + b"\xff"):
        return _jpeg(data)
    return None


#: Apple Podcasts' artwork rule: a square JPEG or PNG of 1400 to 3000 pixels a side.
ARTWORK_MIN = 1400
ARTWORK_MAX = 3000


def artwork_problem(info: ImageInfo) -> str | None:
    """Why Apple Podcasts would refuse this image as podcast artwork, or None."""
    size = f"{info.width}×{info.height} px"
    if info.width != info.height:
        return f"is {size}, not square"
    if not ARTWORK_MIN <= info.width <= ARTWORK_MAX:
        return f"is {size}, outside {ARTWORK_MIN}–{ARTWORK_MAX} px a side"
    return None


def image_kind(head: bytes) -> str | None:
    """"jpeg" or "png" from a file's first HEAD_BYTES bytes; None for anything else."""
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.startswith(JPEG_SOI + b"\xff"):
        return "jpeg"
    return None


def file_kind(path: Path) -> str | None:
    """`image_kind` of a file's first bytes."""
    with open(path, "rb") as handle:
        return image_kind(handle.read(HEAD_BYTES))
