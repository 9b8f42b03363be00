"""Outputs made from the clips and the manifest: M4B, one-language tracks, sections, sidecars."""

from __future__ import annotations

import array
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from typer.testing import CliRunner

from reader.audio import ffmpeg
from reader.audio.timeline import Chapter
from reader.config import Book
from reader.errors import AudioError, ConfigError
from reader.outputs import DEFAULT_FORMATS, m4b, mp4_boxes, sidecars, tracks
from reader.pipeline import formats
from reader.pipeline.build import BuildReport, build
from reader.pipeline.cache import ClipCache
from reader.pipeline.clips import pause_pieces
from reader.pipeline.loading import LoadedBook, load
from reader.pipeline.options import BuildOptions

from .images import jpeg_header, png

KK = """# Бірінші бөлім

Сәлем, әлем.

Бұл <script>alert(1)</script> & "тырнақша" сынағы.

# Екінші бөлім

Үшінші абзац.

Төртінші абзац, соңғы.
"""
ZH = """# 第一部分

你好，世界。

这是<script>alert(1)</script>测试。

# 第二部分

第三段。

第四段，最后一段。
"""
TOML = """album = "Test book"
author = "Tester"
date = "2024-05-01"
order = ["kk", "zh"]

[language.kk]
title = "Сынақ кітабы"

[language.zh]
title = "测试书"

[pauses]
paragraph = 0.3
pair = 0.6
lead_in = 0.2
"""
ALL = ("mp3", "m4b", "tracks", "vtt", "json", "html")


def write_book(folder: Path, kk: str = KK, zh: str = ZH) -> Path:
    """A small two-section book with a cover image."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kk.txt").write_text(kk, encoding="utf-8")
    (folder / "zh.txt").write_text(zh, encoding="utf-8")
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    ffmpeg.run(["-f", "lavfi", "-i", "color=c=0x336699:s=64x64", "-frames:v", "1",
                str(folder / "cover.png")])
    return folder


@dataclass
class Built:
    loaded: LoadedBook
    report: BuildReport
    options: BuildOptions
    written: list[Path]
    folder: Path
    manifest: dict[str, Any]


def build_all(book: Path, out: Path, cache: Path | None = None) -> Built:
    loaded = load(book)
    options = BuildOptions(out=out, jobs=2, cache=cache)
    report = build(loaded, options, formats=ALL, split="sections")
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    return Built(loaded, report, options, report.written, report.output.parent, manifest)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("outputs")
    return build_all(write_book(root / "tiny"), root / "out")


def ffmpeg_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start s, end s, title) of each chapter, as ffmpeg's own reader sees them."""
    text = subprocess.run(
        [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-f", "ffmetadata", "-"], capture_output=True, check=True,
    ).stdout.decode("utf-8")
    found = []
    for block in text.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        base = Fraction(fields["TIMEBASE"])
        found.append((float(int(fields["START"]) * base), float(int(fields["END"]) * base),
                      fields.get("title", "")))
    return found


def seconds(audio: MP3 | MP4) -> float:
    """The length mutagen reads from a file's headers."""
    assert audio.info is not None
    return float(audio.info.length)


def boxes_under(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    return mp4_boxes.boxes(data, start, end)


# --- M4B -------------------------------------------------------------------------------------


def id3_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start s, end s, title) of each ID3 CHAP frame, as written.

    ffmpeg reports an MP3's chapters moved earlier by the encoder delay it skips
    when the file has gapless fields (46 ms here) while its decoded audio is
    not moved; the CHAP times themselves are on the gapless timeline.
    """
    frames = sorted(ID3(path).getall("CHAP"), key=lambda chap: chap.start_time)
    return [(chap.start_time / 1000, chap.end_time / 1000, str(chap.sub_frames["TIT2"]))
            for chap in frames]


def test_m4b_chapters_match_the_mp3_within_one_aac_frame(built: Built) -> None:
    mp3 = id3_chapters(built.report.output)
    m4b_file = built.folder / "m4b" / "tiny.kk-zh.m4b"
    seen = ffmpeg_chapters(m4b_file)
    frame = 1024 / built.loaded.book.audio.sample_rate
    assert len(seen) == len(mp3) == 4
    assert [c[2] for c in seen] == [c[2] for c in mp3]
    for (start, end, _), (mp3_start, mp3_end, _) in zip(seen, mp3):
        assert abs(start - mp3_start) <= frame
        assert abs(end - mp3_end) <= frame
    assert abs(seconds(MP4(m4b_file)) - seconds(MP3(built.report.output))) <= 2 * frame


def _pcm(path: Path) -> array.array[int]:
    samples = array.array("h")
    samples.frombytes(ffmpeg.run(["-i", str(path), "-f", "s16le", "-ac", "1", "pipe:1"]))
    return samples


def test_m4b_audio_lines_up_with_the_mp3(built: Built) -> None:
    """The chapter marks are only right if the AAC audio is not shifted by codec delay."""
    mp3, aac = _pcm(built.report.output), _pcm(built.folder / "m4b" / "tiny.kk-zh.m4b")
    rate = built.loaded.book.audio.sample_rate
    assert abs(len(mp3) - len(aac)) <= 1024
    for pair in built.manifest["pairs"]:
        at = pair["chapter"]["start"] * rate // 1000
        onset = [next(i for i in range(at, len(pcm)) if abs(pcm[i]) > 3000) for pcm in (mp3, aac)]
        assert abs(onset[0] - onset[1]) <= 1024, (pair["index"], onset)


def test_m4b_has_a_quicktime_chapter_track_and_a_nero_list(built: Built) -> None:
    data = (built.folder / "m4b" / "tiny.kk-zh.m4b").read_bytes()
    moov = mp4_boxes.find_box(data, [b"moov"])
    assert moov
    traks = [b for b in boxes_under(data, moov[0] + 8, moov[0] + moov[1]) if b[0] == b"trak"]
    handlers = []
    for _, at, size in traks:
        hdlr = mp4_boxes.find_box(data[at:at + size], [b"trak", b"mdia", b"hdlr"])
        assert hdlr
        handlers.append(data[at + hdlr[0] + 16:at + hdlr[0] + 20])
    assert b"soun" in handlers and b"text" in handlers
    assert mp4_boxes.find_box(data, [b"moov", b"trak", b"tref", b"chap"])  # audio points at the text
    marks = mp4_boxes.read_chpl(data)
    assert [(m.start_ms, m.title) for m in marks] == [
        (p["chapter"]["start"], p["chapter"]["title"]) for p in built.manifest["pairs"]]


def test_m4b_tags_and_cover_read_by_mutagen(built: Built) -> None:
    tags = MP4(built.folder / "m4b" / "tiny.kk-zh.m4b").tags
    assert tags is not None
    assert tags["\xa9nam"] == ["Сынақ кітабы / 测试书"]
    assert tags["\xa9alb"] == ["Test book"]
    assert tags["\xa9ART"] == ["Tester"]
    assert tags["\xa9gen"] == ["Audiobook"]
    assert tags["\xa9day"] == ["2024-05-01"]
    assert tags["stik"] == [2]
    cover = tags["covr"][0]
    assert bytes(cover) == (built.loaded.book.root / "cover.png").read_bytes()
    assert cover.imageformat == cover.FORMAT_PNG


def test_long_books_keep_every_chapter_in_the_track_and_sections_in_chpl(
    built: Built, tmp_path: Path
) -> None:
    data = (built.folder / "m4b" / "tiny.kk-zh.m4b").read_bytes()
    sections = [mp4_boxes.Mark(0, "Part one"), mp4_boxes.Mark(5000, "Part two")]
    patched = tmp_path / "patched.m4b"
    patched.write_bytes(mp4_boxes.replace_chpl(data, sections))
    assert mp4_boxes.read_chpl(patched.read_bytes()) == sections
    assert [c[2] for c in ffmpeg_chapters(patched)] == [
        p["chapter"]["title"] for p in built.manifest["pairs"]]
    pcm = ffmpeg.run(["-i", str(patched), "-f", "s16le", "-ac", "1", "pipe:1"])
    original = ffmpeg.run(["-i", str(built.folder / "m4b" / "tiny.kk-zh.m4b"), "-f", "s16le", "-ac", "1",
                           "pipe:1"])
    assert pcm == original  # the chunk offsets still point at the same audio


def test_a_book_of_300_chapters_gets_all_in_the_track_and_sections_in_chpl(
    built: Built, tmp_path: Path
) -> None:
    many = _chapters(300, 100, step_ms=80)
    path = tmp_path / "long.m4b"
    m4b.write_m4b(path, built.report.output, built.loaded.book, many)
    seen = ffmpeg_chapters(path)
    assert len(seen) == 300
    assert [c[2] for c in seen[:2]] == ["ch 1", "ch 2"] and seen[-1][2] == "ch 300"
    assert seen[150][0] == pytest.approx(12.0, abs=1024 / 24000)
    assert mp4_boxes.read_chpl(path.read_bytes()) == [
        mp4_boxes.Mark(0, "Part 1"), mp4_boxes.Mark(8000, "Part 2"), mp4_boxes.Mark(16000, "Part 3")]


def _chapters(count: int, per_section: int, step_ms: int = 1000) -> tuple[Chapter, ...]:
    return tuple(Chapter(i + 1, f"ch {i + 1}", i * step_ms, (i + 1) * step_ms, i // per_section,
                         f"Part {i // per_section + 1}") for i in range(count))


@pytest.mark.parametrize(("count", "per_section", "expected"), [
    (4, 2, ["ch 1", "ch 2", "ch 3", "ch 4"]),
    (255, 255, [f"ch {i}" for i in range(1, 256)]),
    (300, 100, ["Part 1", "Part 2", "Part 3"]),
    (300, 300, [f"ch {i}" for i in range(1, 301, 2)]),  # one section: every second chapter
    (600, 1, [f"ch {i}" for i in range(1, 601, 3)]),  # 600 sections: every third chapter
])
def test_chpl_marks(count: int, per_section: int, expected: list[str]) -> None:
    marks = m4b.chpl_marks(_chapters(count, per_section))
    assert [m.title for m in marks] == expected
    assert len(marks) <= 255


def test_chpl_box_round_trip_cuts_long_titles_between_characters() -> None:
    marks = [mp4_boxes.Mark(0, "一" * 100), mp4_boxes.Mark(1234567, "Екі")]
    box = mp4_boxes.chpl_box(marks)
    data = (b"\x00\x00\x00\x08free" + b"\x00\x00\x00\x08mdat"
            + (8 + 8 + len(box)).to_bytes(4, "big") + b"moov"
            + (8 + len(box)).to_bytes(4, "big") + b"udta" + box)
    read = mp4_boxes.read_chpl(data)
    assert read[0].title == "一" * 85  # 255 bytes hold 85 three-byte characters
    assert read[1] == marks[1]
    with pytest.raises(AudioError):
        mp4_boxes.chpl_box([mp4_boxes.Mark(i, "x") for i in range(256)])


@pytest.mark.parametrize(("value", "escaped"), [
    ("plain", "plain"),
    ("a=b; c#d", "a\\=b\\; c\\#d"),
    ("back\\slash", "back\\\\slash"),
    ("two\nlines", "two\\\nlines"),
    ("Қазақ 中文", "Қазақ 中文"),
])
def test_ffmetadata_escapes(value: str, escaped: str) -> None:
    text = m4b.ffmetadata({"title": value}, ())
    assert text == f";FFMETADATA1\ntitle={escaped}\n"


def decoded_ms(path: Path, rate: int) -> float:
    """How long ffmpeg's decoding of an MP3 lasts (it honours the gapless fields: LAME's
    delay and the last frame's padding are not played), from its sample count."""
    pcm = ffmpeg.run(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"])
    return len(pcm) / 2 / rate * 1000


def test_every_end_time_is_where_the_decoded_audio_ends(built: Built) -> None:
    rate = built.loaded.book.audio.sample_rate
    length = decoded_ms(built.report.output, rate)
    ends = {
        "manifest duration": built.manifest["audio"]["duration_ms"],
        "manifest last chapter": built.manifest["pairs"][-1]["chapter"]["end"],
        "report duration": built.report.duration * 1000,
        "ID3 last CHAP": id3_chapters(built.report.output)[-1][1] * 1000,
        "chapters.json endTime": json.loads((built.folder / "tiny.chapters.json").read_text(
            encoding="utf-8"))["chapters"][-1]["endTime"] * 1000,
        "M4B chapter track": ffmpeg_chapters(built.folder / "m4b" / "tiny.kk-zh.m4b")[-1][1] * 1000,
    }
    assert {name: abs(end - length) <= 1 for name, end in ends.items()} == dict.fromkeys(ends, True), \
        (length, ends)
    for name in ("kk/tiny.kk.mp3", "zh/tiny.zh.mp3", "sections/tiny.kk-zh.01.mp3",
                 "sections/tiny.kk-zh.02.mp3"):
        path = built.folder / name
        assert abs(id3_chapters(path)[-1][1] * 1000 - decoded_ms(path, rate)) <= 1, name


# --- one-language tracks and sections ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "zh"])
def test_one_language_track(built: Built, lang: str) -> None:
    path = built.folder / lang / f"tiny.{lang}.mp3"
    chapters = ffmpeg_chapters(path)
    pairs = built.manifest["pairs"]
    assert len(chapters) == len(pairs)
    other = "zh" if lang == "kk" else "kk"
    for (_, _, title), pair in zip(chapters, pairs):
        assert title.startswith(f"{pair['index']} · ")
        assert pair["texts"][other][:3] not in title
    tags = ID3(path)
    assert str(tags["TIT2"]) == built.loaded.book.title(lang)
    assert str(tags["TLAN"]) == {"kk": "kaz", "zh": "zho"}[lang]
    # The track holds exactly that language's clips and the pauses, nothing else.
    book = built.loaded.book
    spoken = sum(pair["end"][lang] - pair["start"][lang] for pair in pairs) / 1000
    # Each pause piece is fitted to the clips around it (lead-in, one between each two
    # paragraphs, and a tail).
    pauses = pause_pieces(book, ClipCache(built.options.cache_root))
    frame = book.audio.frame_seconds
    keys = [None, *(pair["clips"][lang] for pair in pairs), None]
    fitted = [pauses.between("lead_in" if k == 0 else "pair", keys[k], keys[k + 1])
              for k in range(len(keys) - 1)]
    silence = sum(frames for _, frames in fitted) * frame
    # Less what the gapless fields leave off: LAME's delay and the tail pause's padding.
    tail = ClipCache(built.options.cache_root).record(fitted[-1][0]) or {}
    gapless = (576 + tail["padding"]) / book.audio.sample_rate
    assert seconds(MP3(path)) == pytest.approx(spoken + silence - gapless, abs=0.002)


def test_sections_are_numbered_files_with_a_playlist(built: Built) -> None:
    first, second = (built.folder / "sections" / f"tiny.kk-zh.0{n}.mp3" for n in (1, 2))
    assert str(ID3(first)["TRCK"]) == "1/2" and str(ID3(second)["TRCK"]) == "2/2"
    assert str(ID3(first)["TIT2"]) == "Бірінші бөлім"
    assert str(ID3(second)["TALB"]) == "Test book"
    assert [c[2][:2] for c in ffmpeg_chapters(second)] == ["3 ", "4 "]
    playlist = (built.folder / "sections" / "tiny.m3u8").read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U"
    assert [line for line in playlist if not line.startswith("#")] == [first.name, second.name]
    lengths = [int(line.split(":")[1].split(",")[0]) for line in playlist
               if line.startswith("#EXTINF")]
    assert lengths == [round(seconds(MP3(first))), round(seconds(MP3(second)))]


@pytest.mark.parametrize(("title", "extinf"), [
    ("Бірінші бөлім", "#EXTINF:12,A - Бірінші бөлім"),
    ("two\nlines", "#EXTINF:12,A - two lines"),
])
def test_m3u8_lines(title: str, extinf: str) -> None:
    book = Book(id="b", root=Path("."), order=("kk", "zh"), titles=(), author="A")
    text = tracks.m3u8(book, [(12.4, title, "b.kk-zh.01.mp3")])
    assert text.splitlines() == ["#EXTM3U", "#PLAYLIST:b", extinf, "b.kk-zh.01.mp3"]


# --- sidecars --------------------------------------------------------------------------------

_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP} --> {_TIMESTAMP}(?: [^\s:]+:[^\s:]+)*$")
_TAG = re.compile(r"</?(?:c|i|b|u|ruby|rt|v|lang)(?:\.[\w-]+)*(?: [^>]+)?>|<\d[\d:.]*>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|lrm|rlm|nbsp);")


@dataclass
class Cue:
    ident: str | None
    start: int
    end: int
    text: str


def _ms(groups: tuple[str | None, ...]) -> int:
    hours, minutes, seconds, millis = (int(g or 0) for g in groups)
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def parse_vtt(text: str) -> list[Cue]:
    """A strict WebVTT reader: it raises on anything the spec calls a parse error or forbids."""
    assert "\r" not in text and "\0" not in text
    blocks = text.split("\n\n")
    header = blocks[0].split("\n")
    assert re.fullmatch(r"WEBVTT(?:[ \t].*)?", header[0]), header[0]
    cues: list[Cue] = []
    for block in blocks[1:]:
        if not block.strip("\n"):
            continue
        lines = block.strip("\n").split("\n")
        if lines[0].startswith("NOTE"):
            assert not cues, "NOTE blocks only before the first cue here"
            continue
        ident = None
        if "-->" not in lines[0]:
            ident = lines.pop(0)
        timing = _TIMING.match(lines[0])
        assert timing, f"bad timing line {lines[0]!r}"
        start, end = _ms(timing.groups()[:4]), _ms(timing.groups()[4:])
        assert start < end, lines[0]
        assert not cues or start >= cues[-1].start, "cues out of order"
        body = lines[1:]
        assert body and all(line.strip() for line in body), "empty cue text"
        for line in body:
            assert "-->" not in line
            bare = _TAG.sub("", line)
            assert "<" not in bare and ">" not in bare, f"stray markup in {line!r}"
            assert "&" not in _ENTITY.sub("", bare), f"bare & in {line!r}"
        cues.append(Cue(ident, start, end, "\n".join(body)))
    assert len({c.ident for c in cues if c.ident}) == len([c for c in cues if c.ident])
    return cues


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_vtt_is_strict_and_its_times_are_the_manifests(built: Built) -> None:
    cues = parse_vtt((built.folder / "tiny.kk-zh.vtt").read_text(encoding="utf-8"))
    expected = [(f"{p['index']}-{lang}", p["start"][lang], p["end"][lang], lang, text,
                 (p.get("words") or {}).get(lang))
                for p in built.manifest["pairs"] for lang, text in p["texts"].items()]
    assert len(cues) == len(expected) == 8  # each paragraph one sentence, one cue
    for cue, (ident, start, end, lang, text, words) in zip(cues, expected):
        assert cue.ident == ident and start <= cue.start < cue.end <= end
        if words:  # from the first word's start to the last word's end
            assert (cue.start, cue.end) == (max(start, words[0][0]), min(end, words[-1][1]))
        else:
            assert (cue.start, cue.end) == (start, end)
        lines = [re.fullmatch(r"<lang ([\w-]+)>(.*)</lang>", line) for line in cue.text.split("\n")]
        assert all(match and match.group(1) == lang for match in lines)
        payload = " ".join(_unescape(m.group(2)) for m in lines if m)
        # each word after the cue's first carries its start, inside the cue
        stamps = [_ms(found) for found in re.findall(r"<(\d+):(\d\d):(\d\d)\.(\d{3})>", payload)]
        assert stamps == sorted(stamps) and all(cue.start < at < cue.end for at in stamps)
        assert len(stamps) == (len(words) - 1 if words else 0)
        # 48 columns of Kazakh: two lines, joined back with a space
        assert re.sub(r"<[\d:.]+>", "", payload) == text
    assert "&lt;script&gt;" in re.sub(r"<[\d:.]+>", "", cues[2].text)
    assert cues[2].text.count("\n") == 1


@pytest.mark.parametrize(("ms", "text"), [
    (0, "00:00:00.000"), (5424, "00:00:05.424"), (3_600_000 + 61_001, "01:01:01.001"),
    (100 * 3_600_000, "100:00:00.000"),
])
def test_vtt_time(ms: int, text: str) -> None:
    assert sidecars.vtt_time(ms) == text


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a < b > c & d", "a &lt; b &gt; c &amp; d"),
    ("arrow --> here", "arrow --&gt; here"),
    ("two\n\nparagraphs", "two paragraphs"),
    ("«Қазақ» “中文”", "«Қазақ» “中文”"),
])
def test_vtt_escape(raw: str, escaped: str) -> None:
    assert sidecars.vtt_escape(raw) == escaped


def test_podcast_chapters(built: Built) -> None:
    body = json.loads((built.folder / "tiny.chapters.json").read_text(encoding="utf-8"))
    assert body["version"] == "1.2.0"
    assert body["fileName"] == "tiny.kk-zh.mp3"
    assert [(c["startTime"], c["title"]) for c in body["chapters"]] == [
        (p["chapter"]["start"] / 1000, p["chapter"]["title"]) for p in built.manifest["pairs"]]


# --- choosing and rebuilding -----------------------------------------------------------------


def test_everything_asked_for_was_written(built: Built) -> None:
    names = {str(p.relative_to(built.folder)) for p in built.written}
    assert names == {
        "tiny.kk-zh.vtt", "tiny.chapters.json", "index.html", "assets/reader.css",
        "assets/reader.js", "kk/tiny.kk.mp3", "zh/tiny.zh.mp3", "sections/tiny.kk-zh.01.mp3",
        "sections/tiny.kk-zh.02.mp3", "sections/tiny.m3u8", "m4b/tiny.kk-zh.m4b",
        "assets/cover.png",  # the book has a cover: copied beside the reading page
    }


def test_only_outputs_whose_inputs_changed_are_rebuilt(built: Built, tmp_path: Path) -> None:
    book = write_book(tmp_path / "tiny")
    out = tmp_path / "out"
    shared = built.options.cache_root  # every clip is cached already: no synthesis here
    first = build_all(book, out, cache=shared)
    assert len(first.written) == 12
    assert build_all(book, out, cache=shared).written == []

    (first.folder / "tiny.kk-zh.vtt").unlink()
    assert [p.name for p in build_all(book, out, cache=shared).written] == ["tiny.kk-zh.vtt"]

    ffmpeg.run(["-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1",
                str(book / "cover.png")])
    # the cover's copy (for the page and the feed), every MP3 (their APIC) and the M4B; the
    # book's MP3 too, which `written` leaves out as it does on every build
    again = build_all(book, out, cache=shared)
    # (and the page, which shows it now; the playlist is written with its section files)
    assert [p.name for p in again.written] == [
        "cover.png", "index.html", "reader.css", "reader.js", "tiny.kk.mp3", "tiny.zh.mp3",
        "tiny.kk-zh.01.mp3", "tiny.kk-zh.02.mp3", "tiny.m3u8", "tiny.kk-zh.m4b"]
    assert not again.report.unchanged

    (book / "zh.txt").write_text(ZH.replace("第四段，最后一段。", "第四段。"), encoding="utf-8")
    names = {p.name for p in build_all(book, out, cache=shared).written}
    assert "tiny.kk.mp3" not in names  # the Kazakh track does not hear the Chinese edit
    assert {"tiny.zh.mp3", "tiny.kk-zh.vtt", "index.html", "tiny.kk-zh.m4b",
            "tiny.kk-zh.02.mp3"} <= names


def visible(folder: Path) -> set[str]:
    """The files a listener sees in an output folder (the tool's dotfiles aside)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def test_a_rebuild_with_fewer_formats_leaves_only_what_it_asked_for(
    built: Built, tmp_path: Path
) -> None:
    book = write_book(tmp_path / "tiny")
    options = BuildOptions(out=tmp_path / "out", jobs=2, cache=built.options.cache_root)
    build(load(book), options, formats=("mp3", "m4b", "lrc", "tracks", "vtt"), split="sections")
    folder = options.out / "tiny"
    assert {"m4b/tiny.kk-zh.m4b", "tiny.kk-zh.lrc", "kk/tiny.kk.mp3",
            "sections/tiny.kk-zh.01.mp3", "sections/tiny.m3u8", "tiny.kk-zh.vtt"} <= visible(folder)
    (book / "zh.txt").write_text(ZH.replace("第四段，最后一段。", "第四段。"), encoding="utf-8")
    fewer = build(load(book), options, formats=("mp3", "vtt"))
    # the cover is copied whatever the formats: the feed and the index page show it
    assert visible(folder) == {"tiny.kk-zh.mp3", "tiny.manifest.json", "tiny.kk-zh.vtt",
                               "assets/cover.png"}
    assert {path.name for path in fewer.removed} == {
        "tiny.kk-zh.m4b", "tiny.kk-zh.lrc", "tiny.kk.mp3", "tiny.zh.mp3", "tiny.kk-zh.01.mp3",
        "tiny.kk-zh.02.mp3", "tiny.m3u8"}
    record = json.loads((folder / formats.STATE_FILE).read_text(encoding="utf-8"))
    assert set(record) == {"mp3", "vtt", "cover"}
    again = build(load(book), options, formats=("mp3", "lrc"))  # asked for again: made again
    assert visible(folder) == {"tiny.kk-zh.mp3", "tiny.manifest.json", "tiny.kk-zh.lrc",
                               "assets/cover.png"}
    assert "第四段。" in (folder / "tiny.kk-zh.lrc").read_text(encoding="utf-8")
    assert again.unchanged and [path.name for path in again.removed] == ["tiny.kk-zh.vtt"]
    only = build(load(book), options, formats=("mp3",))  # a removal alone is a new folder too
    assert only.unchanged and only.written == [] and visible(folder) == {
        "tiny.kk-zh.mp3", "tiny.manifest.json", "assets/cover.png"}


def test_an_output_edited_in_place_is_written_again(built: Built, tmp_path: Path) -> None:
    book = write_book(tmp_path / "tiny")
    options = BuildOptions(out=tmp_path / "out", jobs=2, cache=built.options.cache_root)
    first = build(load(book), options, formats=("mp3", "vtt", "m4b"))
    folder = options.out / "tiny"
    originals = {name: (folder / name).read_bytes()
                 for name in ("tiny.kk-zh.mp3", "tiny.kk-zh.vtt", "m4b/tiny.kk-zh.m4b")}
    tags = ID3(first.output)  # a tag editor strips the chapters, saving in place
    tags.delall("CHAP")
    tags.delall("CTOC")
    tags.save()
    with open(folder / "tiny.kk-zh.vtt", "r+b") as vtt:  # same size, one byte changed
        vtt.seek(-2, 2)
        vtt.write(b"?")
    m4b_file = MP4(folder / "m4b" / "tiny.kk-zh.m4b")
    assert m4b_file.tags is not None
    m4b_file.tags["\xa9nam"] = ["Renamed"]
    m4b_file.save()
    assert ID3(first.output).getall("CHAP") == []
    again = build(load(book), options, formats=("mp3", "vtt", "m4b"))
    assert not again.unchanged and again.synthesised == 0
    assert {path.name for path in again.written} == {"tiny.kk-zh.vtt", "tiny.kk-zh.m4b"}
    assert {name: (folder / name).read_bytes() for name in originals} == originals
    assert len(ID3(again.output).getall("CHAP")) == 4
    assert build(load(book), options, formats=("mp3", "vtt", "m4b")).unchanged


def test_a_clip_missing_from_the_cache_is_made_again_for_the_outputs(
    built: Built, tmp_path: Path
) -> None:
    book = write_book(tmp_path / "tiny")
    options = BuildOptions(out=tmp_path / "out", jobs=2)
    shutil.copytree(built.options.cache_root, options.cache_root)
    loaded = load(book)
    report = build(loaded, options)
    key = json.loads(report.manifest.read_text(encoding="utf-8"))["pairs"][1]["clips"]["zh"]
    (options.cache_root / key[:2] / f"{key}.mp3").unlink()
    again = build(loaded, options, formats=("mp3", "tracks"))
    assert again.synthesised == 1
    assert {path.name for path in again.written} == {"tiny.kk.mp3", "tiny.zh.mp3"}


def test_unknown_split_is_refused_before_building(tmp_path: Path) -> None:
    from reader.cli import app

    result = CliRunner().invoke(app, ["build", str(tmp_path / "nowhere"), "--split", "chapters"])
    assert result.exit_code == 2
    assert "--split chapters" in result.output
    with pytest.raises(ConfigError):
        formats.check_formats(("mp3",), "pairs")


def test_formats_and_default_are_listed_in_help() -> None:
    from reader.cli import app

    result = CliRunner().invoke(app, ["build", "--help"])
    flat = re.sub(r"[\s│]+", " ", result.output)  # rich wraps the help inside a box
    assert "mp3, m4b, tracks, vtt, json, html" in flat
    assert f"(default: {','.join(DEFAULT_FORMATS)})" in flat
    assert "--split" in flat


# --- the folder's layout: one book per folder ------------------------------------------------


def audiobookshelf_books(root: Path) -> dict[str, list[str]]:
    """Book folder → its audio files, as Audiobookshelf's scanner groups a library root
    (server/utils/scandir.js): dotted names and folders holding `.ignore` are skipped;
    a folder with audio in it is a book, and audio in its subfolders joins that book."""
    found = []
    for top, folders, names in os.walk(root, followlinks=True):  # through the output links
        folders[:] = [name for name in folders if not name.startswith(".")]
        if (Path(top) / ".ignore").exists() and Path(top) != root:
            folders[:] = []
            continue
        found += [(Path(top) / name).relative_to(root).parts for name in names
                  if Path(name).suffix in (".mp3", ".m4b")]
    books: dict[str, list[str]] = {}
    for parts in sorted(found, key=len):  # shallowest first, as the scanner sorts
        owner = next((key for key in books if "/".join(parts).startswith(key + "/")), None)
        if owner is None:
            books["/".join(parts[:-1])] = [parts[-1]]
        else:
            books[owner].append("/".join(parts)[len(owner) + 1:])
    return books


def test_each_edition_has_its_own_subfolder(built: Built) -> None:
    """The bilingual MP3 and its sidecars at the top; the M4B, each language and the
    section files in subfolders an audiobook app does not take for part of the book."""
    assert {str(p.relative_to(built.folder)) for p in built.folder.rglob("*.m*")
            if p.suffix in (".mp3", ".m4b", ".m3u8")} == {
        "tiny.kk-zh.mp3", "m4b/tiny.kk-zh.m4b", "kk/tiny.kk.mp3", "zh/tiny.zh.mp3",
        "sections/tiny.kk-zh.01.mp3", "sections/tiny.kk-zh.02.mp3", "sections/tiny.m3u8"}
    for sub in ("m4b", "kk", "zh", "sections"):
        assert (built.folder / sub / ".ignore").read_bytes() == b""
    # Audiobookshelf scanning the output folder: one book, the bilingual MP3 once.
    assert audiobookshelf_books(built.folder.parent) == {"tiny": ["tiny.kk-zh.mp3"]}
    # Pointed at an edition's folder, it finds that edition alone.
    assert audiobookshelf_books(built.folder / "m4b") == {"": ["tiny.kk-zh.m4b"]}


def test_files_of_the_flat_layout_are_moved_by_a_rebuild(built: Built, tmp_path: Path) -> None:
    """A folder built when every file lay beside the MP3: the rebuild writes the editions
    into their subfolders and removes the old files, and the record names only the new."""
    book = write_book(tmp_path / "tiny")
    out = tmp_path / "out"
    first = build_all(book, out, cache=built.options.cache_root)
    folder = first.folder.resolve()  # the live generation
    record = json.loads((folder / formats.STATE_FILE).read_text(encoding="utf-8"))
    for entry in record.values():  # as the flat layout recorded them
        for name in list(entry["files"]):
            flat = Path(name).name
            if Path(name).parts[0] in ("m4b", "kk", "zh", "sections"):
                entry["files"].remove(name)
                entry["sums"].pop(name)
                if flat != ".ignore":
                    (folder / name).rename(folder / flat)
                    entry["files"].append(flat)
                    entry["sums"][flat] = [(folder / flat).stat().st_size, "0" * 64]
                else:
                    (folder / name).unlink()
    for sub in ("m4b", "kk", "zh", "sections"):
        (folder / sub).rmdir()
    (folder / formats.STATE_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert "tiny.kk.mp3" in visible(first.folder) and "kk" not in visible(first.folder)
    again = build_all(book, out, cache=built.options.cache_root)
    assert visible(again.folder) == visible(built.folder)
    assert {p.name for p in again.report.removed} == {
        "tiny.kk-zh.m4b", "tiny.kk.mp3", "tiny.zh.mp3", "tiny.kk-zh.01.mp3",
        "tiny.kk-zh.02.mp3", "tiny.m3u8"}
    names = {name for entry in json.loads((again.folder / formats.STATE_FILE).read_text(
        encoding="utf-8")).values() for name in entry["files"]}
    assert {"m4b/tiny.kk-zh.m4b", "kk/tiny.kk.mp3", "sections/tiny.m3u8", "m4b/.ignore"} <= names
    assert not names & {"tiny.kk-zh.m4b", "tiny.kk.mp3", "tiny.m3u8"}


def test_acx_preset_writes_a_file_per_section_into_acx(tmp_path: Path) -> None:
    book = write_book(tmp_path / "tiny")
    options = BuildOptions(out=tmp_path / "out", jobs=2)
    build(load(book, preset="acx"), options, formats=("mp3",))
    folder = options.out / "tiny"
    assert visible(folder) == {"tiny.kk-zh.mp3", "tiny.manifest.json", "assets/cover.png",
                               "acx/01 - Бірінші бөлім.mp3", "acx/02 - Екінші бөлім.mp3"}
    assert (folder / "acx" / ".ignore").is_file()
    second = ID3(folder / "acx" / "02 - Екінші бөлім.mp3")
    assert str(second["TIT2"]) == "Екінші бөлім" and str(second["TRCK"]) == "2/2"
    assert [c[2][:2] for c in ffmpeg_chapters(folder / "acx" / "02 - Екінші бөлім.mp3")] == [
        "3 ", "4 "]
    without = build(load(book), options, formats=("mp3",))  # the preset not asked for: gone
    assert {p.name for p in without.removed} == {"01 - Бірінші бөлім.mp3",
                                                 "02 - Екінші бөлім.mp3"}
    assert visible(folder) == {"tiny.kk-zh.mp3", "tiny.manifest.json", "assets/cover.png"}
    assert not (folder / "acx").exists()


#: Every MP3 of the tiny book built with tracks, --split sections and --preset acx.
EVERY_MP3 = {"tiny.kk-zh.mp3", "kk/tiny.kk.mp3", "zh/tiny.zh.mp3", "sections/tiny.kk-zh.01.mp3",
             "sections/tiny.kk-zh.02.mp3", "acx/01 - Бірінші бөлім.mp3",
             "acx/02 - Екінші бөлім.mp3"}


def _pictures(folder: Path) -> dict[str, list[tuple[str, int, bytes]]]:
    """MP3 name → (MIME type, picture type, bytes) of each APIC frame, as mutagen reads it."""
    return {str(p.relative_to(folder)): [(f.mime, f.type, f.data) for f in ID3(p).getall("APIC")]
            for p in folder.rglob("*.mp3")}


def test_every_mp3_carries_the_cover_and_follows_its_changes(tmp_path: Path) -> None:
    """The one-language tracks, the section files and ACX's files have the book MP3's
    front cover; a new cover rewrites them, and a removed one leaves them without."""
    book = write_book(tmp_path / "tiny")
    cover = png(8, 8, grey=40)
    (book / "cover.png").write_bytes(cover)
    options = BuildOptions(out=tmp_path / "out", jobs=2)

    def build_every_mp3() -> BuildReport:
        return build(load(book, preset="acx"), options, formats=("mp3", "tracks"),
                     split="sections")

    build_every_mp3()
    folder = options.out / "tiny"
    assert _pictures(folder) == dict.fromkeys(EVERY_MP3, [("image/png", 3, cover)])
    (book / "cover.png").unlink()
    new_cover = jpeg_header(8, 8)
    (book / "cover.jpg").write_bytes(new_cover)
    again = build_every_mp3()
    assert EVERY_MP3 - {"tiny.kk-zh.mp3"} <= {
        str(path.relative_to(folder)) for path in again.written}
    assert _pictures(folder) == dict.fromkeys(EVERY_MP3, [("image/jpeg", 3, new_cover)])
    (book / "cover.jpg").unlink()
    build_every_mp3()
    assert _pictures(folder) == dict.fromkeys(EVERY_MP3, [])


@pytest.mark.parametrize(("title", "name"), [
    ("Бірінші бөлім", "Бірінші бөлім"),
    ("第一章：开始", "第一章：开始"),  # the full-width colon is no path character
    ('A/B\\C: "d"?*<e>|', "A-B-C- -d----e--"),
    ("tab\tand\nline", "tab and line"),
    ("ends with dots...", "ends with dots"),
    ("x" * 100, "x" * 80),
    ("", ""),
])
def test_safe_name(title: str, name: str) -> None:
    assert tracks.safe_name(title) == name
