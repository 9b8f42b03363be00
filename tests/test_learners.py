"""Learners: the sample sentence by sentence, patterns on the timeline, VTT, LRC and Anki.

Expected sentence counts come from reading the sample's texts with the rules of
reader.text.sentences, not from the code: kk paragraphs hold 1, 2, 4 and 3
sentences (the title has no stop; "20.6" and "2019 жылы" end nothing) and so
do the zh ones (。 ends a sentence, the ASCII "." of "20.6万" does not).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from reader import speech
from reader.audio.pcm import Audio
from reader.cli import app
from reader.manifest_types import read_manifest, used_keys
from reader.outputs.cues import width, wrap
from reader.outputs.sidecars import lrc
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.pipeline.units import sentence_units, units_of
from reader.speech.espeak import EspeakEngine

from .conftest import (
    GAPLESS_MS,
    RATE,
    SAMPLE,
    decode_pcm,
    ffmpeg_chapters,
    heard_bounds,
    write_book,
)
from .test_page import browser  # noqa: F401  (the Chromium fixture)

SENTENCES_PER_PARAGRAPH = [1, 2, 4, 3]
FRAME_MS = math.ceil(1000 * 576 / RATE)  # one MP3 frame: 27 ms at 22.05 kHz
LINE_WIDTH = 42  # the "about 42 characters" per subtitle line (a Han character: 2)


# --- the sample, sentence by sentence ----------------------------------------------


def test_sample_sentence_counts_and_alignment() -> None:
    loaded = load(SAMPLE, unit="sentence")
    assert loaded.learning
    for pair, count in zip(loaded.pairs, SENTENCES_PER_PARAGRAPH, strict=True):
        units = sentence_units(pair)
        assert len(units) == count, pair.index
        # Same count on both sides and translated sentence for sentence: all 1–1.
        assert [unit.kind for unit in units] == ["1–1"] * count
        for unit in units:
            assert 0.5 < unit.confidence <= 1.0
            # The sentence pair starts as the paragraphs' sentences do.
            assert set(dict(unit.texts)) == {"kk", "zh"}
        assert " ".join(u.text("kk") or "" for u in units) == pair.text("kk")
        assert "".join(u.text("zh") or "" for u in units) == pair.text("zh")
    units = units_of(loaded)
    assert len(units) == 10
    assert units[0].confidence == 1.0  # one sentence each side: nothing to choose
    # 4.2 pairs the sentence with "2019" and "20.6" on both sides.
    assert "2019 жылы" in (units[8].text("kk") or "") and "20.6万" in (units[8].text("zh") or "")


def test_uneven_sentences_align_one_to_two() -> None:
    kk = ("Бірінші сөйлем өте ұзақ болып жазылған және ол екі бөлек ойды бір жерге жинап, "
          "оқырманға бәрін бірден айтады. Екінші сөйлем қысқа.")
    zh = "第一句话说了一件事情。第一句话还说了另一件事情。第二句很短。"
    book = write_book(Path(__import__("tempfile").mkdtemp()) / "uneven", kk, zh)
    (pair,) = load(book, unit="sentence").pairs
    units = sentence_units(pair)
    assert [unit.kind for unit in units] == ["1–2", "1–1"]
    assert units[0].text("zh") == "第一句话说了一件事情。第一句话还说了另一件事情。"


def test_sample_manifest_alternates_by_sentence(sample_sentences: Any) -> None:
    _, report, document = sample_sentences
    assert document["unit"] == "sentence" and document["pattern"] == "kk zh zh@0.8 _"
    assert [len(p["units"]) for p in document["pairs"]] == SENTENCES_PER_PARAGRAPH
    assert report.chapters == 4  # chapters stay one per paragraph pair
    last = 0
    for pair in document["pairs"]:
        for unit in pair["units"]:
            heard = [(s.get("lang"), s.get("speed"), "gap" in s) for s in unit["spoken"]]
            assert heard == [("kk", 1.0, False), ("zh", 1.0, False), ("zh", 0.8, False),
                             (None, None, True)]
            for step in unit["spoken"]:
                assert last <= step["start"] < step["end"]
                last = step["end"]
            kk, zh, slow, gap = unit["spoken"]
            assert zh["clip"] == unit["clips"]["zh"] and kk["clip"] == unit["clips"]["kk"]
            assert slow["clip"] != zh["clip"]
            # espeak's own rate at 0.8×: about 1/0.8 as long (pauses inside do not stretch).
            assert 1.1 < (slow["end"] - slow["start"]) / (zh["end"] - zh["start"]) < 1.45
            # the gap lasts as long as the slow sentence just heard
            assert gap["start"] == slow["end"]
            assert abs((gap["end"] - gap["start"]) - (slow["end"] - slow["start"])) <= FRAME_MS
    assert report.synthesised == 30  # 10 sentence pairs × (kk, zh, zh@0.8)


def test_sample_chapters_in_the_mp3(sample_sentences: Any) -> None:
    _, report, document = sample_sentences
    chapters = ffmpeg_chapters(report.output)
    assert [c["title"].split(" · ")[0] for c in chapters] == ["1", "2", "3", "4"]
    for chapter, pair in zip(chapters, document["pairs"], strict=True):
        # ffmpeg reads an MP3's ID3 chapter times up to GAPLESS_MS early when the file
        # carries gapless fields (LAME's delay + the decoder's); the audio does not move.
        want = pair["chapter"]["start"]
        assert max(0, want - GAPLESS_MS) <= int(chapter["START"]) <= want
        assert int(chapter["START"]) <= pair["units"][0]["spoken"][0]["start"]
    # The book ends where its decoded audio does (gapless: LAME's delay and padding off).
    decoded_ms = len(decode_pcm(report.output)) / 2 / RATE * 1000
    assert abs(document["audio"]["duration_ms"] - decoded_ms) <= 1
    assert abs(document["pairs"][-1]["chapter"]["end"] - decoded_ms) <= 1


_TIMING = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d)\.(\d{3})$")
_PAYLOAD = re.compile(r"^<lang (kk|zh)>([^<>]*)</lang>$")
_STAMP = re.compile(r"<(\d{2}:\d{2}:\d{2}\.\d{3})>")


def _stamp_ms(stamp: str) -> int:
    hours, minutes, rest = stamp.split(":")
    return (int(hours) * 3600 + int(minutes) * 60) * 1000 + round(float(rest) * 1000)


def parse_vtt(text: str) -> list[dict[str, Any]]:
    """A strict WebVTT reader for what reader writes: header, then id/timing/payload blocks."""
    assert text.startswith("WEBVTT\n\n")
    cues = []
    assert text.endswith("</lang>\n")
    for block in text[len("WEBVTT\n\n"):-1].split("\n\n"):
        if not block.strip():
            continue
        ident, timing, *payload = block.split("\n")
        assert "-->" not in ident and ident.strip() == ident and ident
        found = _TIMING.match(timing)
        assert found, timing
        n = [int(x) for x in found.groups()]
        start = ((n[0] * 60 + n[1]) * 60 + n[2]) * 1000 + n[3]
        end = ((n[4] * 60 + n[5]) * 60 + n[6]) * 1000 + n[7]
        assert 1 <= len(payload) <= 2, block
        langs, lines = set(), []
        for line in payload:
            match = _PAYLOAD.match(_STAMP.sub("", line))
            assert match, line
            # word timestamps (from the manifest's word timings) lie inside the cue
            assert all(start < _stamp_ms(at) < end for at in _STAMP.findall(line))
            langs.add(match.group(1))
            lines.append(match.group(2))
        assert len(langs) == 1
        cues.append({"id": ident, "start": start, "end": end, "lang": langs.pop(),
                     "lines": lines})
    return cues


def test_vtt_one_cue_per_sentence_heard(sample_sentences: Any) -> None:
    _, report, document = sample_sentences
    cues = parse_vtt((report.output.parent / "last-mile.kk-zh.vtt").read_text(encoding="utf-8"))
    assert len({cue["id"] for cue in cues}) == len(cues)
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(cues))
    by_step: dict[str, list[dict[str, Any]]] = {}
    for cue in cues:
        assert cue["start"] < cue["end"]
        by_step.setdefault(cue["id"].rsplit(".", 1)[0] if cue["id"].count(".") == 2
                           else cue["id"], []).append(cue)
    spoken = [(pair, unit, step) for pair in document["pairs"] for unit in pair["units"]
              for step in unit["spoken"] if "lang" in step]
    assert len(by_step) == len(spoken) == 30
    for pair, unit, step in spoken:
        number = unit["spoken"].index(step) + 1
        parts = by_step[f"{pair['index']}.{unit['number']}-{step['lang']}-{number}"]
        if step.get("words"):  # from the first word's start to the last word's end
            assert parts[0]["start"] == max(step["start"], min(w[0] for w in step["words"]))
            assert parts[-1]["end"] == min(step["end"], max(w[1] for w in step["words"]))
        else:
            assert parts[0]["start"] == step["start"] and parts[-1]["end"] == step["end"]
        text = unit["texts"][step["lang"]]
        sep = "" if step["lang"] == "zh" else " "
        assert sep.join(line for part in parts for line in part["lines"]) == text
        for part in parts:
            for line in part["lines"]:
                # about 42 columns: over only when one word is longer than that
                assert width(line) <= LINE_WIDTH or (step["lang"] == "kk" and " " not in line)
        if width(text) <= LINE_WIDTH:
            assert len(parts) == 1 and len(parts[0]["lines"]) == 1
        elif width(text) <= 2 * LINE_WIDTH - 6:  # room for a break: one cue of two lines
            assert len(parts) == 1 and len(parts[0]["lines"]) == 2


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Қысқа сөйлем.", "kk", [["Қысқа сөйлем."]]),
    # two lines, broken after the comma (the lines come out nearly even anyway)
    ("Ұзақ уақыт бойы кедейлерді сүйемелдеу, өркендету қызметі тап болып келді.", "kk",
     [["Ұзақ уақыт бойы кедейлерді сүйемелдеу,", "өркендету қызметі тап болып келді."]]),
    # Han counts two columns: 21 per line; "，" and "。" never start a line
    ("长期以来，扶贫开发工作就受困于“最后一公里”的问题。", "zh",
     [["长期以来，扶贫开发工作就", "受困于“最后一公里”的问题。"]]),
    # a break after "，" is worth a slightly longer first line (28 columns against 32+4)
    ("为加强脱贫攻坚一线工作力量，中央要求每个贫困村都要派驻村工作队。", "zh",
     [["为加强脱贫攻坚一线工作力量，", "中央要求每个贫困村都要派驻村工作队。"]]),
    # 80 columns, broken between words: "县级 / 以上" (38 + 42) and "以上 / 机关" (42 + 38)
    # are as even; the earlier wins. "县级以 / 上" would split 以上.
    ("截至2019年4月，全国累计选派300多万县级以上机关、国有企事业单位干部参加驻村帮扶。", "zh",
     [["截至2019年4月，全国累计选派300多万县级", "以上机关、国有企事业单位干部参加驻村帮扶。"]]),
    # 82 columns (the quotes are narrow) that no break between words fits in two lines:
    # two cues of about 41, the cut after "，" (44 columns in) preferred; never a cue of
    # one short line at the end ("…关键性 / 步骤。")
    ("“最后一公里”原指完成长途跋涉的最后一段里程，被引申为完成一件事情最后的关键性步骤。", "zh",
     [["“最后一公里”原指完成", "长途跋涉的最后一段里程，"], ["被引申为完成一件事情最后的关键性步骤。"]]),
    # 133 columns: two cues; the cut nearest the middle (66.5) after a comma, at 70
    (("Көптеген орындарда Си Цзиньпин кедей ауылдарды жаңарту жобасын атқару, ұжымдық "
      "экономиканы өсіру және нығайту қажет екенін атап өтті."), "kk",
     [["Көптеген орындарда Си Цзиньпин кедей", "ауылдарды жаңарту жобасын атқару,"],
      ["ұжымдық экономиканы өсіру және", "нығайту қажет екенін атап өтті."]]),
    # a word wider than a line keeps a line of its own
    ("а" * 50 + " бір", "kk", [["а" * 50], ["бір"]]),
])
def test_wrap_table(text: str, lang: str, expected: list[list[str]]) -> None:
    assert wrap(text, lang) == expected


_LRC_LINE = re.compile(r"^\[(\d{2,}):([0-5]\d)\.(\d{2})\](.*)$")
_LRC_TAG = re.compile(r"^\[(ti|ar|al|length|re):[^\]]*\]$")


def test_lrc_carries_both_languages(sample_sentences: Any) -> None:
    _, report, document = sample_sentences
    path = report.output.parent / "last-mile.kk-zh.lrc"
    head, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    tags = head.split("\n")
    assert all(_LRC_TAG.match(tag) for tag in tags)
    assert "[ti:Ең соңғы бір шақырым / 最后一公里]" in tags
    lines = [line for line in body.split("\n") if line]
    spoken = [(step, unit["texts"][step["lang"]]) for pair in document["pairs"]
              for unit in pair["units"] for step in unit["spoken"] if "lang" in step]
    assert len(lines) == len(spoken)
    last = -1
    for line, (step, text) in zip(lines, spoken, strict=True):
        match = _LRC_LINE.match(line)
        assert match, line
        hundredths = int(match.group(1)) * 6000 + int(match.group(2)) * 100 + int(match.group(3))
        assert hundredths >= last
        last = hundredths
        # a line starts with its first word (the clip's start when the manifest has no words)
        first = min([w[0] for w in step.get("words") or []] or [step["start"]])
        assert abs(hundredths * 10 - max(first, step["start"])) <= 5
        assert match.group(4) == text
    assert [bool(re.search(r"[\u4e00-\u9fff]", line)) for line in lines[:3]] == [
        False, True, True]


def test_reading_page_marks_sentences(sample_sentences: Any) -> None:
    _, report, document = sample_sentences
    folder = report.output.parent
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="assets/sentences.css">' in page
    assert (folder / "assets" / "sentences.css").is_file()
    spans = re.findall(r'<span class="sentence" data-unit="([\d.]+)" data-spans="([^"]*)">', page)
    assert len(spans) == 20  # 10 sentence pairs × 2 languages
    first = document["pairs"][0]["units"][0]["spoken"]
    # zh 1.1 is heard twice (normal and slow): both times are listed
    assert ("1.1", f"{first[1]['start']}-{first[1]['end']} {first[2]['start']}-{first[2]['end']}"
            ) in spans


# --- patterns on the timeline, with a fast generated engine --------------------------


class ToneEngine(speech.Engine):
    """A tone per character (60 ms each), a different pitch per language; no rate option
    (only the base class's required members: its defaults do the rest)."""

    name = "tone"
    version = "tone 1"

    def supports(self, lang: str) -> bool:
        return True

    def default_voice(self, lang: str) -> str:
        return lang

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        rate, hz = 24000, 330 if lang == "kk" else 550
        count = int(0.06 * len(text) * rate)
        samples = bytearray()
        for i in range(count):
            value = int(9000 * math.sin(2 * math.pi * hz * i / rate))
            samples += value.to_bytes(2, "little", signed=True)
        return Audio(bytes(samples), rate)


@pytest.fixture
def tone() -> Iterator[None]:
    speech.register("tone", ToneEngine)
    yield
    speech.registry._REGISTRY.pop("tone", None)
    speech.registry._INSTANCES.pop("tone", None)


TONE_TOML = ('album = "Tones"\norder = ["kk", "zh"]\n'
             '[language.kk]\nengine = ["tone"]\n[language.zh]\nengine = ["tone"]\n'
             '[pauses]\nparagraph = 0.3\npair = 0.6\nlead_in = 0.2\n')


def test_pattern_timing_table(tmp_path: Path, tone: None) -> None:
    book = write_book(tmp_path / "tones", "Бір сөз. Екі сөз бар.\n", "一个。两个字。\n", TONE_TOML)
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    loaded = load(book, unit="sentence", pattern="kk zh zh zh@0.8 _1.5")
    report = build(loaded, options)
    document = json.loads(report.manifest.read_text(encoding="utf-8"))
    (pair,) = document["pairs"]
    assert [u["texts"] for u in pair["units"]] == [
        {"kk": "Бір сөз.", "zh": "一个。"}, {"kk": "Екі сөз бар.", "zh": "两个字。"}]
    # Distinct clips: per sentence pair kk, zh and zh@0.8 (the repeat reuses zh's).
    assert report.synthesised == 6
    # Pauses as heard: from the end of one clip's sound to the start of the next's.
    x = np.frombuffer(decode_pcm(report.output), "<i2") / 32768

    def sound(step: dict[str, Any]) -> tuple[float, float]:
        found = heard_bounds(x, RATE, step["start"] / 1000, step["end"] / 1000)
        assert found is not None
        return found

    rows = []
    for unit in pair["units"]:
        kk, zh, again, slow, gap = unit["spoken"]
        assert again["clip"] == zh["clip"] != slow["clip"]
        rows.append({
            "kk→zh pause": sound(zh)[0] - sound(kk)[1],
            "zh→zh pause": sound(again)[0] - sound(zh)[1],
            "slow / normal": (slow["end"] - slow["start"]) / (zh["end"] - zh["start"]),
            "gap / slow": (gap["end"] - gap["start"]) / (slow["end"] - slow["start"]),
            "slow→gap": gap["start"] - slow["end"],
        })
    for row in rows:
        assert row["kk→zh pause"] == pytest.approx(0.3, abs=0.02)  # the paragraph pause
        assert row["zh→zh pause"] == pytest.approx(0.3, abs=0.02)
        assert 1.15 < row["slow / normal"] < 1.35  # atempo 0.8: 1.25 times as long
        assert abs(row["gap / slow"] - 1.5) < 0.05
        assert row["slow→gap"] == 0  # the gap is the pause
    first, second = pair["units"]
    # between sentence pairs: the pair pause
    assert sound(second["spoken"][0])[0] - sound(first["spoken"][-2])[1] == pytest.approx(
        0.6 + (first["spoken"][-1]["end"] - first["spoken"][-1]["start"]) / 1000, abs=0.02)
    # Everything is cached now; a rebuild makes nothing and leaves the MP3 alone.
    again_report = build(load(book, unit="sentence", pattern="kk zh zh zh@0.8 _1.5"), options)
    assert again_report.synthesised == 0 and again_report.unchanged


def test_pattern_works_by_paragraph(tmp_path: Path, tone: None) -> None:
    book = write_book(tmp_path / "tones", "Бір сөз. Екі сөз бар.\n\nҮш.\n", "一个。两个字。\n\n三。\n",
                      TONE_TOML)
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    classic = build(load(book), options)
    classic_doc = json.loads(classic.manifest.read_text(encoding="utf-8"))
    loaded = load(book, pattern="zh _")
    assert loaded.learning and loaded.book.unit == "paragraph"
    report = build(loaded, options)
    document = json.loads(report.manifest.read_text(encoding="utf-8"))
    for pair, before in zip(document["pairs"], classic_doc["pairs"], strict=True):
        (unit,) = pair["units"]
        zh, gap = unit["spoken"]
        # a paragraph unit's clip is the classic book's paragraph clip
        assert zh["clip"] == before["clips"]["zh"] == unit["clips"]["zh"]
        assert abs((gap["end"] - gap["start"]) - (zh["end"] - zh["start"])) <= FRAME_MS
    assert report.synthesised == 0  # nothing new: the zh clips were made for the classic book
    # kk is not heard, yet its clips are the deck's and clean must keep them
    kk_clips = {pair["units"][0]["clips"]["kk"] for pair in document["pairs"]}
    assert kk_clips == {pair["clips"]["kk"] for pair in classic_doc["pairs"]}
    assert kk_clips <= used_keys(document)


def test_listen_pattern_is_the_classic_book(tmp_path: Path, tone: None) -> None:
    book = write_book(tmp_path / "tones", "Бір.\n\nЕкі.\n", "一。\n\n二。\n", TONE_TOML)
    assert not load(book).learning
    assert not load(book, pattern="listen").learning
    assert not load(book, pattern="kk zh", unit="paragraph").learning
    assert load(book, pattern="zh kk").learning
    assert load(book, unit="sentence").learning


def test_espeak_slows_by_its_own_rate() -> None:
    engine = EspeakEngine()
    assert engine.options_at_speed({}, 0.8) == {"rate": 128}
    assert engine.options_at_speed({"rate": 200, "pitch": 40}, 1.5) == {"rate": 300, "pitch": 40}
    assert engine.options_at_speed({"rate": 100}, 0.5) is None  # below espeak's 80: stretch


# --- the command line ------------------------------------------------------------------


def test_check_shows_sentence_pairs_with_confidence(tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    result = CliRunner().invoke(app, ["check", str(book), "--unit", "sentence"])
    assert result.exit_code == 0, result.output
    assert "10 sentence pairs" in result.output
    rows = re.findall(r"│\s*(\d\.\d)\s*│.*│\s*(1–1)\s*│\s*(\d\.\d\d)\s*│", result.output)
    assert [row[0] for row in rows] == ["1.1", "2.1", "2.2", "3.1", "3.2", "3.3", "3.4",
                                        "4.1", "4.2", "4.3"]
    assert all(0.5 < float(row[2]) <= 1 for row in rows)


@pytest.mark.parametrize(("args", "says"), [
    (["--pattern", "kk fr"], 'step 2 "fr"'),
    (["--pattern", "kk zh@2.5"], "outside 0.5–2.0"),
    (["--pattern", "kk zh _0"], "not more than 0"),
    (["--pattern", "kk zh _2000"], 'step 3 "_2000"'),
    (["--unit", "word"], "--unit word"),
    (["--formats", "mp3,apkg"], "--unit sentence"),
    (["--unit", "sentence", "--formats", "mp3,tracks"], "--formats tracks"),
])
def test_bad_learning_input_exits_2_before_synthesis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)

    def refuse(*_: Any, **__: Any) -> Audio:
        raise AssertionError("synthesis started")

    monkeypatch.setattr(EspeakEngine, "synthesize", refuse)
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert not (tmp_path / "out" / "last-mile").exists()


def test_bad_pattern_in_book_toml_names_the_file(tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    toml = book / "book.toml"
    toml.write_text('pattern = "kk zh@0.2"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(book)])
    assert result.exit_code == 2
    assert f"{toml}: pattern: step 2" in result.output.replace("\n", "")


# --- sentence pairings written by hand ---------------------------------------------------

CORRECTION = '''format = 1
[[sentences]]
pair = 3
kk = [[1], [2, 3], [4]]
zh = [[1], [2], [3, 4]]
'''


def test_alignment_toml_corrects_sentence_pairs(tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    (book / "alignment.toml").write_text(CORRECTION, encoding="utf-8")
    loaded = load(book, unit="sentence")
    assert len(loaded.pairs) == 4  # paragraphs still pair by position
    units = [u for u in units_of(loaded) if u.pair.index == 3]
    assert [(u.kind, u.fixed, u.confidence) for u in units] == [
        ("1–1", True, 1.0), ("2–1", True, 1.0), ("1–2", True, 1.0)]
    assert (units[1].text("kk") or "").startswith("Яғни,")
    assert "Кедейлікке ұшыраған" in (units[1].text("kk") or "")
    assert (units[2].text("zh") or "").startswith("支持贫困地区") and "劳务输出地" in (
        units[2].text("zh") or "")
    assert all(not u.fixed for u in units_of(loaded) if u.pair.index != 3)
    result = CliRunner().invoke(app, ["check", str(book), "--unit", "sentence"])
    assert result.exit_code == 0 and result.output.count("fixed") == 3


@pytest.mark.parametrize(("table", "says"), [
    (CORRECTION.replace("[4]]\nzh", "[4, 5]]\nzh"), "lists 5 kk sentences and the paragraph has 4"),
    (CORRECTION.replace("pair = 3", "pair = 9"), "pair 9: the book has no such pair"),
    (CORRECTION.replace("[[1], [2], [3, 4]]", "[[1], [3], [2, 4]]"), "each once and in order"),
    (CORRECTION.replace("[[1], [2], [3, 4]]", "[[1], [2, 3, 4]]"), "lists 3 sentence pairs"),
])
def test_bad_sentence_corrections_exit_2(tmp_path: Path, table: str, says: str) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    (book / "alignment.toml").write_text(table, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(book), "--unit", "sentence"])
    assert result.exit_code == 2, result.output
    assert says in result.output.replace("\n", "")


# --- the reading page in a browser -------------------------------------------------------


def test_page_marks_the_sentence_heard_in_chromium(browser: Any, sample_sentences: Any) -> None:  # noqa: F811
    _, report, document = sample_sentences
    tab = browser.new_page(viewport={"width": 1100, "height": 720})
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto((report.output.parent / "index.html").as_uri())
    tab.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    unit = document["pairs"][1]["units"][1]  # 2.2
    kk, _, slow, gap = unit["spoken"]

    def at(ms: int) -> list[list[str]]:
        tab.evaluate("t => { document.getElementById('player').currentTime = t; }", ms / 1000)
        tab.wait_for_function(
            "t => Math.abs(document.getElementById('player').currentTime - t) < 0.01", arg=ms / 1000)
        tab.evaluate("document.getElementById('player').dispatchEvent(new Event('timeupdate'))")
        return tab.eval_on_selector_all(
            ".sentence.speaking", "all => all.map(e => [e.dataset.unit, e.parentElement.lang])")

    assert at(kk["start"] + 100) == [["2.2", "kk"]]
    assert at(slow["start"] + 100) == [["2.2", "zh"]]  # the slow repeat marks it again
    assert at(gap["start"] + 100) == []  # silence for shadowing: nothing is being said
    tab.click('.sentence[data-unit="3.2"] >> nth=0')  # the kk sentence 3.2
    target = document["pairs"][2]["units"][1]["spoken"][0]["start"] / 1000
    assert tab.evaluate("document.getElementById('player').currentTime") == pytest.approx(
        target, abs=0.03)
    # The pair is marked on the player's next timeupdate after the seek (an event, not a
    # fixed delay, so wait for it; a page that never marks p3 fails here).
    tab.wait_for_function("() => [...document.querySelectorAll('.pair.current')]"
                          ".map(e => e.id).join() === 'p3'", timeout=5_000)
    assert errors == []
    tab.close()


def test_unit_manifest_reads_back_and_names_every_clip(sample_sentences: Any,
                                                        tmp_path: Path) -> None:
    _, report, document = sample_sentences
    again, problem = read_manifest(report.manifest)
    assert problem is None and again == document
    # clean keeps what the manifest names: 10 sentence pairs × (kk, zh, zh@0.8)
    assert len(used_keys(document)) == 30
    broken = json.loads(json.dumps(document))
    del broken["pairs"][1]["units"][0]["spoken"][0]["end"]
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    gone, why = read_manifest(tmp_path / "broken.json")
    assert gone is None and why is not None and "units" in why


def test_lrc_of_a_paragraph_book() -> None:
    document = {
        "generator": "reader 0.1.0",
        "book": {"id": "b", "title": "T", "titles": {"kk": "Т", "zh": "题"}, "author": "",
                 "order": ["kk", "zh"]},
        "audio": {"duration_ms": 61_999},
        "pairs": [{"index": 1, "texts": {"kk": "Бір.", "zh": "一。"},
                   "start": {"kk": 500, "zh": 2_004}, "end": {"kk": 1_500, "zh": 3_000}},
                  {"index": 2, "texts": {"kk": "Екі\nжол.", "zh": "二。"},
                   "start": {"kk": 59_996, "zh": 61_000}, "end": {"kk": 60_500, "zh": 61_500}}],
    }
    assert lrc(document) == (
        "[ti:Т / 题]\n[al:T]\n[length:01:01]\n[re:reader 0.1.0]\n\n"
        "[00:00.50]Бір.\n[00:02.00]一。\n[01:00.00]Екі жол.\n[01:01.00]二。\n")


def test_align_write_keeps_the_sentence_corrections(tmp_path: Path) -> None:
    # `reader align --write` rewrites alignment.toml; the hand-written sentence pairings
    # in it are a producer's work and must survive.
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    (book / "alignment.toml").write_text(CORRECTION, encoding="utf-8")
    written = CliRunner().invoke(app, ["align", str(book), "--write"])
    assert written.exit_code == 0, written.output
    text = (book / "alignment.toml").read_text(encoding="utf-8")
    assert "[[sentences]]\npair = 3\nkk = [[1], [2, 3], [4]]\nzh = [[1], [2], [3, 4]]\n" in text
    result = CliRunner().invoke(app, ["check", str(book), "--unit", "sentence"])
    assert result.exit_code == 0 and result.output.count("fixed") == 3
