"""MPEG audio frames: parse, count, strip headers, and write an Info header.

The book is made by joining clips' frames, so it needs exact frame counts and
must drop each clip's own Xing/Info/VBRI frame (players would otherwise take
the first clip's length for the whole book's).
"""

from __future__ import annotations

import functools
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

    @functools.cached_property
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
    if at + 4 > len(data) or data[at] != 0xFF:
        return None
    return _header(data[at + 1], data[at + 2], data[at + 3])


@functools.lru_cache(maxsize=256)
def _header(b1: int, b2: int, b3: int) -> Header | None:
    """The header of the bytes after the sync byte (a stream repeats a handful of them)."""
    if b1 & 0xE0 != 0xE0:
        return None
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


def _audio_span(data: bytes) -> tuple[int, int]:
    """Where the frames start (after any ID3v2 tag) and end (before any ID3v1 tag)."""
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        start = 10 + size + (10 if data[5] & 0x10 else 0)
    return start, len(data) - (128 if data[-128:-125] == b"TAG" else 0)


def is_info_frame(data: bytes, at: int, header: Header) -> bool:
    """Whether the frame at `at` is a Xing/Info/VBRI header rather than audio."""
    offset = at + 4 + (2 if header.protected else 0) + header.side_info
    return data[offset : offset + 4] in (b"Xing", b"Info") or data[at + 36 : at + 40] == b"VBRI"


def iter_frames(data: bytes) -> Iterator[tuple[int, Header]]:
    """(offset, header) of each audio frame, skipping ID3 tags and Xing/Info frames."""
    at, end = _audio_span(data)
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
    uniform = _uniform_frames(data)
    if uniform is not None:
        return uniform
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


def _uniform_frames(data: bytes) -> Stream | None:
    """The common case, walked without parsing every header: after any ID3 tag and Info
    frame, back-to-back frames whose headers are the first's but for the padding (and
    private) bit, up to the end. None when the stream is anything else (audio_frames then
    parses it frame by frame and says what is wrong)."""
    at, end = _audio_span(data)
    first = parse_header(data, at)
    if first is None:
        return None
    if is_info_frame(data, at, first):
        at += first.size
        first = parse_header(data, at)
        if first is None:
            return None
    start, b1, b2, b3 = at, data[at + 1], data[at + 2] & 0xFC, data[at + 3] & 0xC0
    size = first.size - first.padding
    count = 0
    while at + 4 <= end:
        if data[at] != 0xFF or data[at + 1] != b1 or data[at + 2] & 0xFC != b2 \
                or data[at + 3] & 0xC0 != b3:
            return None
        at += size + ((data[at + 2] >> 1) & 1)
        count += 1
    if at != end:
        return None
    return Stream(data[start:end], count, first.sample_rate, first.samples, first.bitrate,
                  first.mono)


#: What decoders add to LAME's encoder delay (the MDCT's overlap): 528 + 1 samples.
DECODER_DELAY = 529


def _crc16(data: bytes) -> int:
    """CRC-16 (ARC: polynomial 0x8005 reflected, initial 0), as the LAME tag's own CRC."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def info_frame(header: bytes, frame_count: int, byte_count: int, *, delay: int = 576,
               padding: int = 0, lowpass_hz: int = 0) -> bytes:
    """A LAME-style "Info" frame (CBR) with the file's counts and its gapless fields.

    It decodes as silence in players that ignore it and gives the true duration
    to those that read it. `header` is the first audio frame's 4-byte header;
    `byte_count` excludes this frame, which is added here. The LAME extension
    carries the encoder `delay` (samples before the first real one) and the
    `padding` after the last, so decoders that honour it (mpg123, ffmpeg, …)
    play exactly the audio and agree with each other to the sample.
    """
    if not 0 <= delay < 4096 or not 0 <= padding < 4096:
        raise AudioError(f"gapless fields out of range (delay {delay}, padding {padding})")
    # Same header without padding and without CRC, so the layout is fixed.
    fixed = bytes((header[0], header[1] | 1, header[2] & ~2 & 0xFF, header[3]))
    parsed = parse_header(fixed, 0)
    if parsed is None:
        raise AudioError("cannot build an Info frame from a broken stream")
    body = bytearray(parsed.size)
    body[:4] = fixed
    offset = 4 + parsed.side_info
    # Flags 3: frame and byte counts, no TOC (a CBR file needs none) — which
    # keeps the whole tag inside the smallest frames (72 bytes at 24 kbit/s).
    total = byte_count + parsed.size
    xing = b"Info" + struct.pack(">III", 3, frame_count, total)
    lame = bytearray(36)
    lame[0:9] = b"LAME3.100"
    lame[9] = 0x01  # tag revision 0, VBR method 1: constant bit rate
    lame[10] = min(255, lowpass_hz // 100)
    lame[20] = min(255, parsed.bitrate)
    lame[21:24] = ((delay << 12) | padding).to_bytes(3, "big")
    lame[28:32] = struct.pack(">I", total)
    tag = xing + bytes(lame)
    if offset + len(tag) > len(body):
        raise AudioError(f"an Info frame of {len(body)} bytes cannot hold the LAME tag")
    body[offset : offset + len(tag)] = tag
    crc_at = offset + len(tag) - 2
    body[crc_at : crc_at + 2] = struct.pack(">H", _crc16(bytes(body[:crc_at])))
    return bytes(body)


@dataclass(frozen=True)
class Gapless:
    """The gapless fields of a LAME tag: samples to drop at the start and at the end."""

    delay: int
    padding: int


def read_gapless(data: bytes) -> Gapless | None:
    """The LAME tag's encoder delay and padding of an MP3's first frame, if it has one."""
    at, _ = _audio_span(data)
    header = parse_header(data, at)
    if header is None or not is_info_frame(data, at, header):
        return None
    offset = at + 4 + (2 if header.protected else 0) + header.side_info
    if data[offset : offset + 4] not in (b"Xing", b"Info"):
        return None
    flags = struct.unpack(">I", data[offset + 4 : offset + 8])[0]
    lame = offset + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) \
        + 4 * bool(flags & 8)
    if data[lame : lame + 4] != b"LAME":
        return None
    value = int.from_bytes(data[lame + 21 : lame + 24], "big")
    return Gapless(value >> 12, value & 0xFFF)
