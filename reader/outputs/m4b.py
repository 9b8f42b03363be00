"""The M4B audiobook: the bilingual MP3 re-encoded as AAC, with tags, cover and chapters.

ffmpeg writes the chapters twice from one FFMETADATA file: as a QuickTime
chapter track (Apple players) and as a Nero `chpl` box (AntennaPod and other
players that read only that). `chpl` counts its entries in one byte, so for a
book of more than 255 chapters its box is rewritten with section-level chapters
(the boxes themselves: reader.outputs.mp4_boxes), while the chapter track keeps
one chapter per pair.
"""

from __future__ import annotations

import math
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from .. import fsutil
from ..audio import ffmpeg
from ..audio.timeline import Chapter
from ..config import Book
from ..errors import AudioError
from .mp4_boxes import MAX_CHPL, Mark, boxes, replace_chpl, set_text_track_language


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
