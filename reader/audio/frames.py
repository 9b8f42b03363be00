"""MPEG audio frames: parse, count, strip headers, and write an Info header.

The book is made by joining clips' frames, so it needs exact frame counts and
must drop each clip's own Xing/Info/VBRI frame (players would otherwise take
the first clip's length for the whole book's).
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import AudioError

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class Header:
    """The parts of a Layer III frame header that decide its size and duration."""

    mpeg1: bool
    bitrate: int  # kbit/s
    sample_rate: int
    padding: bool
    mono: bool
    protected: bool

    @property
    def samples(self) -> int:
        """PCM samples the frame decodes to."""
        return 1152 if self.mpeg1 else 576

    @property
    def size(self) -> int:
        """Frame length in bytes, header included."""
        return (144 if self.mpeg1 else 72) * self.bitrate * 1000 // self.sample_rate + self.padding

    @property
    def side_info(self) -> int:
        """Bytes of side information after the header (and CRC)."""
        if self.mpeg1:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


def parse_header(data: bytes, at: int) -> Header | None:
    """The Layer III header at `at`, or None if no valid one starts there."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    return Header(
        mpeg1=version == 3,
        bitrate=_BITRATES[1 if version == 3 else 2][bitrate_index],
        sample_rate=_RATES[version][rate_index],
        padding=bool(b2 & 2),
        mono=(b3 >> 6) == 3,
        protected=not b1 & 1,
    )


def _skip_id3(data: bytes) -> int:
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        return 10 + size + (10 if data[5] & 0x10 else 0)
    return 0


def is_info_frame(data: bytes, at: int, header: Header) -> bool:
    """Whether the frame at `at` is a Xing/Info/VBRI header rather than audio."""
    offset = at + 4 + (2 if header.protected else 0) + header.side_info
    return data[offset : offset + 4] in (b"Xing", b"Info") or data[at + 36 : at + 40] == b"VBRI"


def iter_frames(data: bytes) -> Iterator[tuple[int, Header]]:
    """(offset, header) of each audio frame, skipping ID3 tags and Xing/Info frames."""
    at = _skip_id3(data)
    end = len(data)
    if data[-128:-125] == b"TAG":
        end -= 128
    first = True
    while at < end:
        header = parse_header(data, at)
        if header is None or at + header.size > end:
            raise AudioError(f"broken MP3 stream at byte {at} of {len(data)}")
        if not (first and is_info_frame(data, at, header)):
            yield at, header
        first = False
        at += header.size


@dataclass(frozen=True)
class Stream:
    """The audio frames of one MP3, ready to be joined with others of its format."""

    frames: bytes
    count: int
    sample_rate: int
    samples_per_frame: int
    bitrate: int
    mono: bool

    @property
    def duration(self) -> float:
        """Seconds of audio the frames decode to."""
        return self.count * self.samples_per_frame / self.sample_rate


def audio_frames(data: bytes) -> Stream:
    """Only the audio frames of an MP3 file, with their count and format.

    Raises AudioError for anything that is not one constant-bitrate stream.
    """
    spans = []
    first: Header | None = None
    for at, header in iter_frames(data):
        if first is None:
            first = header
        elif (header.sample_rate, header.bitrate, header.mono) != (
            first.sample_rate, first.bitrate, first.mono
        ):
            raise AudioError(f"MP3 changes format at byte {at}; clips must be constant bitrate")
        spans.append((at, at + header.size))
    if first is None:
        raise AudioError("MP3 holds no audio frames")
    start, stop = spans[0][0], spans[-1][1]
    contiguous = all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    frames = data[start:stop] if contiguous else b"".join(data[a:b] for a, b in spans)
    return Stream(frames, len(spans), first.sample_rate, first.samples, first.bitrate, first.mono)


def info_frame(header: bytes, frame_count: int, byte_count: int) -> bytes:
    """A LAME-style "Info" frame (CBR) announcing the file's frame and byte counts.

    It decodes as silence in players that ignore it and gives the true duration
    to those that read it. `header` is the first audio frame's 4-byte header;
    `byte_count` excludes this frame, which is added here.
    """
    # Same header without padding and without CRC, so the layout is fixed.
    fixed = bytes((header[0], header[1] | 1, header[2] & ~2 & 0xFF, header[3]))
    parsed = parse_header(fixed, 0)
    if parsed is None:
        raise AudioError("cannot build an Info frame from a broken stream")
    body = bytearray(parsed.size)
    body[:4] = fixed
    offset = 4 + parsed.side_info
    counts = struct.pack(">III", 3, frame_count, byte_count + parsed.size)
    body[offset : offset + 16] = b"Info" + counts
    return bytes(body)
