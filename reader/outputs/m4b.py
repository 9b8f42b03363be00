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
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


def tags(book: Book, credits: str = "") -> dict[str, str]:
    """The M4B's tags, named as ffmpeg's mp4 muxer knows them (media_type 2 = audiobook).

    `credits`: the attribution the voices' licences ask for (e.g. CC BY), as the
    MP3 carries it; it goes into the description.
    """
    found = {
        "title": book.full_title(),
        "album": book.title(),
        "artist": book.author,
        "album_artist": book.author,
        "genre": "Audiobook",
        "media_type": "2",
        "date": book.date,
        "comment": book.source,
        "description": f"Voices: {credits}" if credits else "",
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


#: BCP-47 → ISO 639-2/T, the three letters an MP4 track's language is written in.
ISO639_2 = {
    "kk": "kaz", "zh": "zho", "cmn": "zho", "yue": "zho", "ru": "rus", "en": "eng", "ky": "kir",
    "tt": "tat", "uz": "uzb", "tr": "tur", "de": "deu", "fr": "fra", "es": "spa", "ja": "jpn",
    "ko": "kor", "uk": "ukr", "ar": "ara",
}
#: Bump when the M4B's making changes, so books written before are written again.
M4B_VERSION = 2


def iso639(lang: str) -> str:
    """The ISO 639-2/T code of a BCP-47 tag ("zh-Hant" → "zho"); "und" when unknown."""
    return ISO639_2.get(lang.lower().split("-")[0], "und")


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


def timeline_pcm(pieces: Iterable[tuple[int, Path | None]], samples_per_frame: int,
                 rate: int, drop_at_end: int = 0, gain_db: float = 0.0) -> Iterator[bytes]:
    """The book as 16-bit PCM, piece by piece: each master (FLAC) laid on its frames.

    `pieces` gives each piece's frame count and its master (None for a pause).
    A piece spans exactly frames × samples-per-frame samples, as in the MP3
    (whose gapless decoding starts each piece's audio at its first frame), so
    the chapter times fit both files. `drop_at_end` samples are left off the
    last piece: the MP3's encoder delay and padding, which its gapless fields
    leave off too, so both files last as long. Each master is scaled by `gain_db`
    (LAME's own gain, which the MP3 has), so both files are as loud.
    """
    import soundfile

    listed = list(pieces)
    for number, (frames, master) in enumerate(listed):
        span = frames * samples_per_frame
        if number == len(listed) - 1:
            span = max(0, span - drop_at_end)
        if master is None:
            yield bytes(2 * span)
            continue
        audio, found_rate = soundfile.read(master, dtype="int16", always_2d=False)
        if found_rate != rate or audio.ndim != 1 or len(audio) > frames * samples_per_frame:
            raise AudioError(f"master {master} does not fit its clip ({len(audio)} samples "
                             f"at {found_rate} Hz for {span} at {rate} Hz); run reader clean "
                             "and build again")
        audio = np.clip(np.round(audio * 10 ** (gain_db / 20)), -32768, 32767).astype(np.int16)
        if len(audio) > span:  # only the last piece's tail, which is silence
            audio = audio[:span]
        yield audio.astype("<i2").tobytes() + bytes(2 * (span - len(audio)))


def write_m4b(path: Path, source: Path | Iterable[bytes], book: Book,
              chapters: tuple[Chapter, ...], cover: Path | None = None,
              credits: str = "") -> None:
    """Encode the book to an AAC M4B with tags, cover and chapters.

    `source` is the book as PCM chunks at the book's rate (from the clips'
    lossless masters: timeline_pcm), or any audio file ffmpeg reads. The file
    is an audiobook by its brand ("M4B "), has its index (moov) before the
    audio so players can start before it is all read, and its chapter track
    is marked with the book's first language.
    """
    fmt = book.audio
    with tempfile.TemporaryDirectory() as folder:
        # The chapter list goes in from a file: stdin may carry the audio.
        metadata = Path(folder) / "chapters.txt"
        metadata.write_text(ffmetadata(tags(book, credits), chapters), encoding="utf-8")
        if isinstance(source, Path):
            args = ["-i", str(source)]
        else:
            args = ["-f", "s16le", "-ar", str(fmt.sample_rate), "-ac", "1", "-i", "pipe:0"]
        args += ["-f", "ffmetadata", "-i", str(metadata)]
        if cover is not None:
            args += ["-i", str(cover)]
        args += ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        if cover is not None:
            args += ["-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
        bitrate = fmt.bitrate_kbps * 1000
        if not isinstance(source, Path):
            source, bitrate = _calibrated(source, fmt.sample_rate, bitrate, Path(folder))
        args += ["-c:a", "aac", "-b:a", str(bitrate),
                 "-ar", str(fmt.sample_rate), "-ac", "1",
                 "-metadata:s:a:0", "language=mul",  # both of the book's languages
                 "-brand", "M4B ", "-movflags", "+faststart", "-f", "ipod"]
        with fsutil.atomic_path(path) as temp:
            if isinstance(source, Path):
                ffmpeg.run([*args, str(temp)])
            else:
                ffmpeg.run_fed([*args, str(temp)], source)
            if len(chapters) > MAX_CHPL:  # the moov grows: the file is written again
                temp.write_bytes(replace_chpl(temp.read_bytes(), chpl_marks(chapters)))
            _patch_moov(temp, lambda moov: set_text_track_language(moov, iso639(book.order[0])))


#: Seconds of the book encoded first to learn how far the AAC encoder overshoots.
_CALIBRATION_PASSES = 2
_CALIBRATION_SECONDS = 120


def _calibrated(chunks: Iterable[bytes], rate: int, bitrate: int, folder: Path
                ) -> tuple[Iterator[bytes], int]:
    """The same PCM chunks, and the bit rate to ask of ffmpeg's AAC encoder to get `bitrate`.

    The encoder overshoots on speech at low rates (71 kbit/s when asked for
    64), so the book's first two minutes are encoded as a probe and the rate
    asked is scaled by what it gave, twice. The probe is held in memory (5.3 MB
    at 22.05 kHz) and then streamed on with the rest.
    """
    stream = iter(chunks)
    head: list[bytes] = []
    size = 0
    for chunk in stream:
        head.append(chunk)
        size += len(chunk)
        if size >= _CALIBRATION_SECONDS * rate * 2:
            break
    probe = folder / "probe.m4a"
    seconds = size / 2 / rate
    asked = bitrate
    # Twice: the encoder's overshoot itself varies with the rate asked.
    for _ in range(_CALIBRATION_PASSES):
        ffmpeg.run(["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-c:a", "aac",
                    "-b:a", str(asked), "-f", "ipod", str(probe)], stdin=b"".join(head))
        media = sum(length for kind, _, length in boxes(probe.read_bytes()) if kind == b"mdat")
        got = media * 8 / seconds if seconds > 1 else asked
        asked = round(asked * min(1.0, max(0.7, bitrate / got))) if got else asked

    def chained() -> Iterator[bytes]:
        yield from head
        yield from stream

    return chained(), asked


def _patch_moov(path: Path, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the moov box in place with a change that keeps its size (no audio is read)."""
    with open(path, "r+b") as file:
        at = 0
        while True:
            file.seek(at)
            head = file.read(16)
            if len(head) < 8:
                raise AudioError(f"{path}: MP4 has no moov box")
            size, kind = struct.unpack(">I4s", head[:8])
            if size == 1:
                size = struct.unpack(">Q", head[8:16])[0]
            if size < 8:
                raise AudioError(f"{path}: broken MP4 box {kind!r} at byte {at}")
            if kind == b"moov":
                file.seek(at)
                moov = file.read(size)
                changed = change(moov)
                if len(changed) != len(moov):
                    raise AudioError("an in-place MP4 change must keep the moov's size")
                file.seek(at)
                file.write(changed)
                return
            at += size
