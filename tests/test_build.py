"""The sample book built end to end, then decoded and read back as a listener would."""

from __future__ import annotations

import array
import itertools
import json
import math
import threading
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from reader.audio.frames import read_gapless
from reader.pipeline.build import BuildReport, build
from reader.pipeline.loading import LoadedBook, load
from reader.pipeline.options import BuildOptions
from reader.speech.espeak import EspeakEngine

from .conftest import GAPLESS_MS, RATE, decode_pcm, ffmpeg_chapters, write_book


def window_dbfs(pcm: bytes, start_s: float, end_s: float) -> float:
    values = array.array("h", pcm[int(start_s * RATE) * 2 : int(end_s * RATE) * 2])
    mean = sum(v * v for v in values) / max(1, len(values))
    return 10 * math.log10(mean / 32768**2) if mean else -math.inf


class SynthCounter:
    """Counts calls that reach the engine, through the engine interface."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        lock = threading.Lock()
        real = EspeakEngine.synthesize

        def counted(engine, text, **kwargs):  # type: ignore[no-untyped-def]
            with lock:
                self.texts.append(text)
            return real(engine, text, **kwargs)

        monkeypatch.setattr(EspeakEngine, "synthesize", counted)


def test_output_name_and_summary(built_sample: tuple[LoadedBook, BuildReport]) -> None:
    loaded, report = built_sample
    assert report.output.name == "last-mile.kk-zh.mp3"
    assert report.output.parent.name == "last-mile"
    assert report.chapters == len(loaded.pairs) == 4
    assert report.synthesised == 8 and report.reused == 0
    assert report.engines == {"kk": "espeak (kk)", "zh": "espeak (cmn)"}
    assert 120 < report.duration < 600
    leftovers = [p.name for p in report.output.parent.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def test_decoded_length_equals_timeline(built_sample: tuple[LoadedBook, BuildReport]) -> None:
    _, report = built_sample
    pcm = decode_pcm(report.output)
    # The Info frame's gapless fields leave off LAME's delay and the last pause's padding,
    # and the book's duration is what is left: the decoded samples, exactly.
    gapless = read_gapless(report.output.read_bytes())
    assert gapless is not None and gapless.delay == 576 and 0 <= gapless.padding < 2 * 576
    assert len(pcm) // 2 == round(report.duration * RATE)
    # Players that read the Info frame (mutagen here) report the true length too.
    true_length = len(pcm) / 2 / RATE
    assert MP3(report.output).info.length == pytest.approx(true_length, abs=0.001)
    assert report.duration == pytest.approx(true_length, abs=0.5 / RATE)
    assert MP3(report.output).info.sample_rate == RATE
    assert MP3(report.output).info.bitrate == 64000


def test_chapters_read_back_by_mutagen_and_ffmpeg(
    built_sample: tuple[LoadedBook, BuildReport],
) -> None:
    _loaded, report = built_sample
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    expected = [(p["chapter"]["title"], p["chapter"]["start"], p["chapter"]["end"])
                for p in manifest["pairs"]]
    assert [title.split(" · ")[0] for title, _, _ in expected] == ["1", "2", "3", "4"]
    assert expected[0][0] == "1 · «Ең соңғы бір шақырым» / “最后一公里”"
    assert expected[3][0].startswith("4 · Кедейлікпен күрестің бірінші… / 为加强脱贫攻坚")

    tags = ID3(report.output)
    assert tags.version == (2, 3, 0)
    chaps = tags.getall("CHAP")
    by_mutagen = [(c.sub_frames["TIT2"].text[0], c.start_time, c.end_time) for c in chaps]
    assert by_mutagen == expected
    (toc,) = tags.getall("CTOC")
    assert toc.child_element_ids == [c.element_id for c in chaps]
    assert str(tags["TIT2"]) == "Ең соңғы бір шақырым / 最后一公里"
    assert str(tags["TALB"]) == "The last mile"
    assert tags["TLAN"].text == ["kaz/zho"]  # ID3v2.3 joins several values with "/"

    by_ffmpeg = [(c["title"], int(c["START"]), int(c["END"])) for c in ffmpeg_chapters(report.output)]
    assert [c[0] for c in by_ffmpeg] == [c[0] for c in expected]
    # ffmpeg moves an MP3's chapters earlier by the samples the gapless fields make it skip
    # (LAME's 576 + the decoder's 529 = 50 ms at 22.05 kHz), though not its audio.
    for (_, start, end), (_, want_start, want_end) in zip(by_ffmpeg, expected):
        assert max(0, want_start - GAPLESS_MS) <= start <= want_start
        assert want_end - GAPLESS_MS <= end <= want_end
    assert expected[0][1] == 0
    assert all(a[2] == b[1] for a, b in itertools.pairwise(expected))  # contiguous
    assert expected[-1][2] == round(report.duration * 1000)


def test_every_chapter_start_is_preceded_by_silence_and_followed_by_speech(
    built_sample: tuple[LoadedBook, BuildReport],
) -> None:
    _, report = built_sample
    pcm = decode_pcm(report.output)
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    for pair in manifest["pairs"][1:]:
        start = pair["chapter"]["start"] / 1000
        assert window_dbfs(pcm, start - 0.3, start) < -60, pair["index"]
        first_words = pair["start"]["kk"] / 1000
        assert 0.2 < first_words - start < 1.5
        assert window_dbfs(pcm, first_words, first_words + 1.0) > -35


def test_languages_alternate_with_equal_loudness(
    built_sample: tuple[LoadedBook, BuildReport],
) -> None:
    _, report = built_sample
    pcm = decode_pcm(report.output)
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    levels = {"kk": [], "zh": []}
    previous_end = 0
    for pair in manifest["pairs"]:
        assert pair["start"]["kk"] < pair["end"]["kk"] < pair["start"]["zh"] < pair["end"]["zh"]
        assert pair["start"]["kk"] >= previous_end
        previous_end = pair["end"]["zh"]
        for lang in ("kk", "zh"):
            levels[lang].append(window_dbfs(pcm, pair["start"][lang] / 1000, pair["end"][lang] / 1000))
    mean = {lang: sum(v) / len(v) for lang, v in levels.items()}
    assert abs(mean["kk"] - mean["zh"]) < 3, mean


def test_second_build_synthesises_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = write_book(tmp_path / "b", "Бір.\n\nЕкі сөз.", "一。\n\n二字。")
    counter = SynthCounter(monkeypatch)
    options = BuildOptions(out=tmp_path / "out", jobs=1)  # in this process, so calls are seen
    first = build(load(book), options)
    assert sorted(counter.texts) == sorted(["Бір.", "Екі сөз.", "一。", "二字。"])
    before = first.output.read_bytes()
    counter.texts.clear()
    second = build(load(book), options)
    assert counter.texts == []
    assert (second.synthesised, second.reused) == (0, 4)
    assert second.output.read_bytes() == before


def test_three_hundred_pairs_give_three_hundred_chapters(tmp_path: Path) -> None:
    words_kk = ["Бір.", "Екі.", "Үш.", "Төрт.", "Бес."]
    words_zh = ["一。", "二。", "三。", "四。", "五。"]
    kk = "\n\n".join(words_kk[i % 5] for i in range(300))
    zh = "\n\n".join(words_zh[i % 5] for i in range(300))
    toml = ('order = ["kk", "zh"]\n[pauses]\nparagraph = 0.1\npair = 0.2\nlead_in = 0\n')
    book = write_book(tmp_path / "long", kk, zh, toml)
    report = build(load(book), BuildOptions(out=tmp_path / "out", jobs=2))
    assert report.chapters == 300 and report.synthesised == 10
    tags = ID3(report.output)
    chaps = tags.getall("CHAP")
    assert len(chaps) == 300
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    top = [t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1
    # Walk the table of contents: every chapter exactly once, in order, ≤ 255 per CTOC.
    def walk(element_id: str) -> list[str]:
        if element_id not in tocs:
            return [element_id]
        assert len(tocs[element_id].child_element_ids) <= 255
        return [leaf for child in tocs[element_id].child_element_ids for leaf in walk(child)]
    assert walk(top[0].element_id) == [f"ch{i}" for i in range(1, 301)]
    by_ffmpeg = ffmpeg_chapters(report.output)
    assert len(by_ffmpeg) == 300
    # ffmpeg moves them by the 46 ms of codec delay the gapless fields make it skip.
    assert all(max(0, c.start_time - GAPLESS_MS) <= int(f["START"]) <= c.start_time
               for f, c in zip(by_ffmpeg, chaps))
    assert by_ffmpeg[299]["title"] == "300 · Бес. / 五。"
    assert str(tags["TIT2"]) == "long"  # no titles in book.toml: the folder name, once
