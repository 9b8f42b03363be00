"""Subtitles and lyrics: cues cut by sentence and width, Chinese broken between words, timed
by spoken weight or by the manifest's word timings; WebVTT read back with webvtt-py, LRC
with pylrc.

Expected times are worked out by hand from reader.text.timing's rules (module doc):
a Han character or a vowel letter is a syllable, a stop's pause 1, a comma's 1.5.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import jieba
import pylrc
import pytest
import webvtt

from reader.outputs import sidecars
from reader.outputs.cues import width
from reader.pipeline.build import build
from reader.pipeline.formats import FORMATS, check_formats
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.text.breaks import word_spans
from reader.text.timing import pauses, share, syllables

from .conftest import SAMPLE

LINE_WIDTH = 42  # the "about 42 columns" per line, a Han character two


# --- the estimator and the word cutter, as tables ---------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0),
    ("шақырым", 3),                  # а, ы, ы
    ("Бір екі.", 1 + 2 + 1),         # і; е, і; a stop
    ("ҚХР", 3),                      # no vowel: spelt out, a syllable per letter
    ("Hello world", 3),              # e, o; o
    ("Иә, иә!", 2 + 1.5 + 2 + 1),    # a comma's pause, then a stop's
    ("?!", 1),                       # a run of stops is one pause
    ("最后一公里", 5),                 # a syllable per Han character
    ("“最后一公里”。", 5 + 1),         # quotes are silent
    ("长期以来，扶贫", 6 + 1.5),
    ("2019 жылы", 4 + 2),            # a syllable per digit
    ("20.6万", 3 + 1),               # a point between digits is no pause
])
def test_syllables(text: str, expected: float) -> None:
    assert syllables(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Иә, иә!", [(2, 1.5), (6, 1)]),     # where each pause is, and its weight
    ("Бір; екі: үш.", [(3, 1.5), (8, 1.5), (12, 1)]),  # a clause mark's pause is a comma's
    ("?!", [(0, 1)]),                    # a run of marks is one pause
    ("Ой,..", [(2, 1.5)]),               # weighing as its longest mark
    ("20.6万，3,000", [(5, 1.5)]),       # marks between digits are none
    ("12:30.", [(5, 1)]),
    ("长期以来，扶贫。", [(4, 1.5), (7, 1)]),
])
def test_pauses(text: str, expected: list[tuple[int, float]]) -> None:
    assert pauses(text) == expected


@pytest.mark.parametrize(("weights", "start", "end", "expected"), [
    ([1, 1], 0, 10, [(0, 5), (5, 10)]),
    ([1, 2], 0, 10, [(0, 3), (3, 10)]),          # 10/3 rounds down; the last ends at the end
    ([4, 3], 1000, 5000, [(1000, 3285), (3285, 5000)]),
    ([0, 0], 0, 9, [(0, 4), (4, 9)]),            # nothing to go by: even shares
    ([3], 5, 5, [(5, 5)]),
    ([], 0, 10, []),
])
def test_share(weights: list[float], start: int, end: int,
               expected: list[tuple[int, int]]) -> None:
    assert share(weights, start, end) == expected


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Бір екі.", "kk", ["Бір", "екі."]),
    ("«Ең соңғы» бір", "kk", ["«Ең", "соңғы»", "бір"]),
    ("« Ең", "kk", ["« Ең"]),  # an opening mark waits for its word, across a space
    # The break "…提升工 / 程": 工程 is one word.
    ("习近平在多个场合指出，要实施贫困村提升工程", "zh",
     ["习近平", "在", "多个", "场合", "指出，", "要", "实施", "贫困村", "提升", "工程"]),
    ("他说：“走吧！”", "zh", ["他", "说：", "“走", "吧！”"]),
    ("日本語abc。", "ja", ["日", "本", "語", "abc。"]),  # other unspaced scripts: characters
])
def test_word_spans(text: str, lang: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in word_spans(text, lang)] == expected


# --- hand-made manifests: estimated times, then the engine's word timings ----------------

KK = "Бір екі. Үш төрт."   # sentences at 0–8 and 9–17
ZH = "你好，世界。"


def document(words: dict[str, Any] | None = None) -> dict[str, Any]:
    """A one-pair classic manifest: kk heard 1.000–5.000 s, zh 6.000–9.000 s."""
    pair: dict[str, Any] = {"index": 1, "texts": {"kk": KK, "zh": ZH},
                            "start": {"kk": 1000, "zh": 6000}, "end": {"kk": 5000, "zh": 9000}}
    if words is not None:
        pair["words"] = words
    return {"generator": "reader test", "audio": {"duration_ms": 10_000},
            "book": {"title": "T", "order": ["kk", "zh"]}, "pairs": [pair]}


HEADER = "[ti:T / T]\n[al:T]\n[length:00:10]\n[re:reader test]\n\n"


def test_estimated_times_by_sentence() -> None:
    # kk: "Бір екі." weighs 4 (1 + 2 + a stop), "Үш төрт." 3: 1000 + 4000·4/7 = 3285.
    # zh is one sentence: its whole clip.
    assert sidecars.webvtt(document()) == (
        "WEBVTT\n\n"
        "1-kk.1\n00:00:01.000 --> 00:00:03.285\n<lang kk>Бір екі.</lang>\n\n"
        "1-kk.2\n00:00:03.285 --> 00:00:05.000\n<lang kk>Үш төрт.</lang>\n\n"
        "1-zh\n00:00:06.000 --> 00:00:09.000\n<lang zh>你好，世界。</lang>\n")
    assert sidecars.lrc(document()) == HEADER + (
        "[00:01.00]Бір екі.\n[00:03.29]Үш төрт.\n[00:06.00]你好，世界。\n")
    # Words estimated in their sentence: "Бір" 1 of "Бір екі."'s 4 → 1000 + 2285/4 = 1571;
    # "你好，" 2 + 1.5 of 3.5 + 3 → 6000 + 3000·3.5/6.5 = 7615.
    assert sidecars.lrc_words(document()) == HEADER + (
        "[00:01.00]<00:01.00>Бір <00:01.57>екі.<00:03.29>\n"
        "[00:03.29]<00:03.29>Үш <00:03.86>төрт.<00:05.00>\n"
        "[00:06.00]<00:06.00>你好，<00:07.62>世界。<00:09.00>\n")


#: [start_ms, end_ms, char_start, char_end] per word, as the manifest records them.
WORDS = {"kk": [[1100, 1400, 0, 3], [1500, 1900, 4, 7], [2600, 2900, 9, 11],
                [3000, 3500, 12, 16]],
         "zh": [[6100, 6800, 0, 2], [7200, 8000, 3, 5]]}


def test_word_times_in_cues_and_lyrics() -> None:
    # A cue runs from its first word's start to its last word's end; each later word's
    # start is a cue timestamp (the first's would equal the cue's start: not allowed).
    assert sidecars.webvtt(document(WORDS)) == (
        "WEBVTT\n\n"
        "1-kk.1\n00:00:01.100 --> 00:00:01.900\n<lang kk>Бір <00:00:01.500>екі.</lang>\n\n"
        "1-kk.2\n00:00:02.600 --> 00:00:03.500\n<lang kk>Үш <00:00:03.000>төрт.</lang>\n\n"
        "1-zh\n00:00:06.100 --> 00:00:08.000\n<lang zh>你好，<00:00:07.200>世界。</lang>\n")
    assert sidecars.lrc(document(WORDS)) == HEADER + (
        "[00:01.10]Бір екі.\n[00:02.60]Үш төрт.\n[00:06.10]你好，世界。\n")
    assert sidecars.lrc_words(document(WORDS)) == HEADER + (
        "[00:01.10]<00:01.10>Бір <00:01.50>екі.<00:01.90>\n"
        "[00:02.60]<00:02.60>Үш <00:03.00>төрт.<00:03.50>\n"
        "[00:06.10]<00:06.10>你好，<00:07.20>世界。<00:08.00>\n")


def test_a_sentence_without_words_shares_the_time_left() -> None:
    # Only the first kk sentence has words: the second runs from its end (1900) to the clip's.
    words = {"kk": WORDS["kk"][:2]}
    assert sidecars.webvtt(document(words)).split("\n\n")[2] == (
        "1-kk.2\n00:00:01.900 --> 00:00:05.000\n<lang kk>Үш төрт.</lang>")


def test_words_outside_the_clip_are_clamped_into_it() -> None:
    words = {"kk": [[500, 1400, 0, 3], [1500, 1900, 4, 7], [2600, 2900, 9, 11],
                    [3000, 6000, 12, 16]]}
    blocks = sidecars.webvtt(document(words)).split("\n\n")
    assert blocks[1].split("\n")[1] == "00:00:01.000 --> 00:00:01.900"
    assert blocks[2].split("\n")[1] == "00:00:02.600 --> 00:00:05.000"


def test_unit_steps_carry_their_own_words() -> None:
    doc = document()
    pair = doc["pairs"][0]
    pair["units"] = [{"number": 1, "texts": {"kk": "Бір екі.", "zh": "你好。"}, "spoken": [
        {"lang": "kk", "start": 1000, "end": 2000, "words": [[1000, 1300, 0, 3],
                                                             [1400, 1900, 4, 7]]},
        {"lang": "zh", "start": 2500, "end": 3500},
        {"gap": 1.0, "start": 3500, "end": 4500}]}]
    assert sidecars.webvtt(doc) == (
        "WEBVTT\n\n"
        "1.1-kk-1\n00:00:01.000 --> 00:00:01.900\n<lang kk>Бір <00:00:01.400>екі.</lang>\n\n"
        "1.1-zh-2\n00:00:02.500 --> 00:00:03.500\n<lang zh>你好。</lang>\n")


def test_lrcw_is_a_format() -> None:
    assert "lrcw" in FORMATS
    check_formats(("mp3", "lrcw"), None)


# --- the sample: read back by webvtt-py and pylrc --------------------------------------


def _ms(stamp: str) -> int:
    parts = re.split(r"[:.]", stamp)
    *hms, millis = parts
    seconds = 0
    for part in hms:
        seconds = seconds * 60 + int(part)
    return seconds * 1000 + int(millis.ljust(3, "0"))


_STAMP = re.compile(r"<(\d{2}:\d{2}:\d{2}\.\d{3})>")
_WORD_STAMP = re.compile(r"<(\d{2,}:\d{2}\.\d{2})>")


@pytest.fixture(scope="module", params=["paragraph", "sentence"])
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[str, Path, dict[str, Any]]:
    """The sample built by paragraph, or by sentence with the learn pattern."""
    book = tmp_path_factory.mktemp("subs-book") / "last-mile"
    shutil.copytree(SAMPLE, book)
    loaded = (load(book) if request.param == "paragraph"
              else load(book, unit="sentence", pattern="learn"))
    report = build(loaded, BuildOptions(out=tmp_path_factory.mktemp("subs-out"), jobs=2),
                   formats=("mp3", "vtt", "lrc", "lrcw"))
    return (request.param, report.output.parent,
            json.loads(report.manifest.read_text(encoding="utf-8")))


def _clips(document: dict[str, Any]) -> dict[str, tuple[int, int, str, str]]:
    """Cue id prefix → (start, end, lang, text) of each stretch heard."""
    found = {}
    for pair in document["pairs"]:
        if "units" in pair:
            for unit in pair["units"]:
                for n, step in enumerate(unit["spoken"], 1):
                    if "lang" in step:
                        found[f"{pair['index']}.{unit['number']}-{step['lang']}-{n}"] = (
                            step["start"], step["end"], step["lang"], unit["texts"][step["lang"]])
        else:
            for lang, text in pair["texts"].items():
                found[f"{pair['index']}-{lang}"] = (pair["start"][lang], pair["end"][lang],
                                                     lang, text)
    return found


def _inside_a_word(text: str, at: int) -> bool:
    """Whether offset `at` of a Chinese text falls inside one of jieba's words."""
    return any(start < at < end for _, start, end in jieba.tokenize(text))


def test_sample_vtt(sample: tuple[str, Path, dict[str, Any]]) -> None:
    mode, folder, document = sample
    cues = list(webvtt.read(str(folder / "last-mile.kk-zh.vtt")))
    clips = _clips(document)
    by_clip: dict[str, list[Any]] = {}
    for cue in cues:
        by_clip.setdefault(cue.identifier if cue.identifier in clips
                           else cue.identifier.rsplit(".", 1)[0], []).append(cue)
    assert by_clip.keys() == clips.keys()
    for a, b in itertools.pairwise(cues):
        assert _ms(a.end) <= _ms(b.start), (a.identifier, b.identifier)
    breaks = 0
    for ident, (start, end, lang, text) in clips.items():
        parts = by_clip[ident]
        lines = [line for cue in parts for line in cue.text.split("\n")]
        for cue in parts:
            assert start <= _ms(cue.start) < _ms(cue.end) <= end
            assert 1 <= len(cue.text.split("\n")) <= 2
            for line in cue.text.split("\n"):
                assert width(line) <= LINE_WIDTH or " " not in line
            for stamp in _STAMP.findall(cue.raw_text):
                assert _ms(cue.start) < _ms(stamp) < _ms(cue.end)
        # the lines give back the text, broken only between words
        plain = [line.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                 for line in lines]
        assert ("" if lang == "zh" else " ").join(plain) == text
        if lang == "zh":
            at = 0
            for line in plain[:-1]:
                at += len(line)
                breaks += 1
                assert not _inside_a_word(text, at), (line, text[at:at + 4])
        if mode == "paragraph" and width(text) > 2 * LINE_WIDTH:
            assert len(parts) > 1  # a paragraph is no longer one wall of text
    assert breaks > 10


def test_sample_lrc_and_lrcw(sample: tuple[str, Path, dict[str, Any]]) -> None:
    mode, folder, document = sample
    plain = pylrc.parse((folder / "last-mile.kk-zh.lrc").read_text(encoding="utf-8"))
    words = pylrc.parse((folder / "last-mile.kk-zh.words.lrc").read_text(encoding="utf-8"))
    assert plain.title == words.title == "Ең соңғы бір шақырым / 最后一公里"
    assert [line.time for line in plain] == [line.time for line in words]
    assert [line.time for line in plain] == sorted(line.time for line in plain)
    clips = sorted(_clips(document).values())
    # A line per sentence heard: the paragraphs hold 1, 2, 4 and 3 sentences in each
    # language (see test_learners); by sentence, 10 pairs heard kk, zh, zh again.
    assert len(plain) == (2 * (1 + 2 + 4 + 3) if mode == "paragraph" else 30)
    times = [round(line.time * 1000) for line in plain] + [10 ** 9]
    for k, line in enumerate(words):
        stamps = [_ms(s) for s in _WORD_STAMP.findall(line.text)]
        assert stamps[0] == times[k]  # the first word starts the line
        assert stamps == sorted(stamps) and stamps[-1] <= times[k + 1]
        assert _WORD_STAMP.sub("", line.text) == plain[k].text
        # the line lies inside the clip it was heard in
        assert any(start - 5 <= stamps[0] and stamps[-1] <= end + 5
                   for start, end, *_ in clips)
