"""Word timings (read-along): espeak's marks, carried through mastering into the cache and
the manifest, checked against the audio."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from reader.audio import mastering
from reader.audio.estimate import estimated
from reader.audio.pcm import Audio, WordMark, moved_marks
from reader.audio.stretch import stretch
from reader.config import AudioFormat
from reader.pipeline.build import BuildReport, build
from reader.pipeline.cache import CachedClip, ClipCache
from reader.pipeline.loading import LoadedBook, load
from reader.pipeline.manifest import timings, words
from reader.pipeline.options import BuildOptions
from reader.speech.espeak import EspeakEngine, word_marks
from reader.text.timing import syllables
from reader.text.words import estimated_marks, tokens, weights, written_marks

from .conftest import RATE, decode_pcm, write_book

#: The issue's tolerance for a word after a pause, plus one MP3 frame at 22.05 kHz.
ONSET_TOLERANCE_MS = 30 + 1000 * 576 / RATE


# --- the spoken form's words carried to the written text -----------------------------------

def _marks(spoken: str, times: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Marks for the spoken text's words, one per word, at the given times."""
    return [(a, b, s, e) for (a, b), (s, e) in zip(times, tokens(spoken), strict=True)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Сәлем, әлем!", ["Сәлем", "әлем"]),
    ("2019 жылы", ["2019", "жылы"]),
    ("最后一公里。", ["最", "后", "一", "公", "里"]),
    ("AI技术很好", ["AI", "技", "术", "很", "好"]),
    ("«Ең соңғы»–бастапқыда", ["Ең", "соңғы", "бастапқыда"]),
])
def test_tokens_split_words_and_han_characters(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in tokens(text)] == expected


def test_equal_words_keep_their_own_marks_in_written_characters() -> None:
    written = spoken = "Сәлем, әлем!"
    marks = _marks(spoken, [(0, 100), (150, 300)])
    assert written_marks(written, spoken, marks) == [(0, 100, 0, 5), (150, 300, 7, 11)]


def test_a_number_spoken_as_several_words_is_one_written_span() -> None:
    written = "2019 жылы келді"
    spoken = "екі мың он тоғызыншы жылы келді"
    marks = _marks(spoken, [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60)])
    # "2019" from the first spoken word's start to the fourth's end; then the rest 1:1
    assert written_marks(written, spoken, marks) == [
        (0, 40, 0, 4), (40, 50, 5, 9), (50, 60, 10, 15)]


def test_a_name_spoken_otherwise_and_shouted_text_map_to_the_written_words() -> None:
    written = "СИ ЦЗИНЬПИН КЕЛДІ"
    spoken = "Си Жиньпиң келді"
    marks = _marks(spoken, [(0, 10), (10, 30), (30, 50)])
    # "СИ"/"Си" and "КЕЛДІ"/"келді" are equal ignoring case; the surname was replaced.
    assert written_marks(written, spoken, marks) == [
        (0, 10, 0, 2), (10, 30, 3, 11), (30, 50, 12, 17)]


def test_mandarin_words_said_in_one_mark_become_one_entry() -> None:
    written = spoken = "最后一公里"
    # espeak's marks for cmn: one per dictionary word; 公里 is one word
    marks = [(0, 10, 0, 1), (10, 20, 1, 2), (20, 30, 2, 3), (30, 50, 3, 5)]
    assert written_marks(written, spoken, marks) == [
        (0, 10, 0, 1), (10, 20, 1, 2), (20, 30, 2, 3), (30, 50, 3, 5)]


def test_a_mandarin_year_read_digit_by_digit_is_one_written_span() -> None:
    written = "2021年1月"
    spoken = "二零二一年一月"
    marks = [(k * 10, k * 10 + 10, k, k + 1) for k in range(7)]
    assert written_marks(written, spoken, marks) == [
        (0, 40, 0, 4), (40, 50, 4, 5), (50, 60, 5, 6), (60, 70, 6, 7)]


def test_words_without_spoken_counterpart_or_marks_are_left_untimed() -> None:
    assert written_marks("бір екі", "бір екі", []) == []
    # "екі" is not in the spoken text at all: only "бір" is timed
    assert written_marks("бір екі", "бір", [(0, 10, 0, 3)]) == [(0, 10, 0, 3)]


# --- estimated marks ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "span", "expected"), [
    # 1 syllable + 2 syllables share 300 samples: 100 and 200
    ("бір екі", (0, 300), [(0, 100, 0, 3), (100, 300, 4, 7)]),
    # a comma adds a pause worth 1.5 syllables: 1 + 1.5 + 2 = 4.5 units of 100
    ("бір, екі", (1000, 1450), [(1000, 1100, 0, 3), (1250, 1450, 5, 8)]),
    # a Han character is one syllable
    ("你好", (0, 200), [(0, 100, 0, 1), (100, 200, 1, 2)]),
    # a digit is one syllable: "2019" 4, "жылы" 2; 6 units of 100
    ("2019 жылы", (0, 600), [(0, 400, 0, 4), (400, 600, 5, 9)]),
    # a point between digits is no pause; "км" has no vowel: spelt, 2; 5 units of 100
    ("20.6 км", (0, 500), [(0, 200, 0, 2), (200, 300, 3, 4), (300, 500, 5, 7)]),
    # a stop's pause is 1 syllable, a semicolon's 1.5: 1 + 1 + 1 + 1.5 + 1 = 5.5 units of 100
    ("Бір. Үш; бес", (0, 550), [(0, 100, 0, 3), (200, 300, 5, 7), (450, 550, 9, 12)]),
    ("", (0, 100), []),
])
def test_estimated_marks_share_the_speech_by_syllables(
        text: str, span: tuple[int, int], expected: list[tuple[int, int, int, int]]) -> None:
    assert estimated_marks(text, *span) == expected


@pytest.mark.parametrize("text", [
    "Бір екі.", "«Ең соңғы бір шақырым», бастапқыда; ұзақ!", "长期以来，扶贫开发工作。",
    "2019 жылы 20.6 км?! ҚХР.", "Иә, иә… 你好：世界。",
])
def test_word_marks_and_subtitles_weigh_a_text_alike(text: str) -> None:
    # One rule (reader.text.timing) for both: a text's words and the pauses between
    # them weigh its syllables, the pause after its last word aside.
    total = sum(weight + pause for _, _, weight, pause in weights(text))
    trailing = weights(text)[-1][3]
    assert total == syllables(text)
    assert total - trailing == syllables(text[:weights(text)[-1][1]])


def test_audio_without_marks_gets_estimated_marks_over_its_sound() -> None:
    rate = 1000
    tone = (np.sin(np.arange(600) * 0.3) * 10000).astype("<i2")
    samples = np.concatenate([np.zeros(200, "<i2"), tone, np.zeros(200, "<i2")]).tobytes()
    audio = estimated(Audio(samples, rate), "бір екі", -50)
    assert audio.timing == "estimated"
    assert audio.marks == (WordMark(200, 400, 0, 3), WordMark(400, 800, 4, 7))
    measured = Audio(samples, rate, (WordMark(0, 5, 0, 3),), "measured")
    assert estimated(measured, "бір екі", -50) is measured


# --- espeak's events ------------------------------------------------------------------------

def test_word_events_become_marks_up_to_the_next_word() -> None:
    text = "Сәлем, 2019 жылы."
    # as espeak reports them: a number read as several words repeats its position
    events = [(0, 1, 5), (100, 8, 4), (150, 9, 4), (180, 9, 4), (300, 13, 4)]
    assert word_marks(events, text, 400) == (
        WordMark(0, 100, 0, 5), WordMark(100, 300, 7, 11), WordMark(300, 400, 12, 16))


def test_mandarin_word_events_of_length_one_cover_their_whole_word() -> None:
    text = "公里很远"
    events = [(0, 1, 1), (100, 3, 1), (200, 4, 1)]
    assert word_marks(events, text, 300) == (
        WordMark(0, 100, 0, 2), WordMark(100, 200, 2, 3), WordMark(200, 300, 3, 4))


def test_espeak_positions_count_characters_not_bytes() -> None:
    engine = EspeakEngine()
    kazakh = "Сәлем, өзгеріс жылы."
    audio = engine.synthesize(kazakh, lang="kk", voice="kk", options={})
    assert audio.timing == "measured"
    assert [kazakh[m.text_start:m.text_end] for m in audio.marks] == [
        "Сәлем", "өзгеріс", "жылы"]
    chinese = "最后一公里很远"
    audio = engine.synthesize(chinese, lang="zh", voice="cmn", options={})
    # one mark per dictionary word: 公里 is one, the other characters are their own
    assert [chinese[m.text_start:m.text_end] for m in audio.marks] == [
        "最", "后", "一", "公里", "很", "远"]
    starts = [m.start for m in audio.marks]
    assert starts == sorted(starts) and audio.marks[-1].end <= audio.frames


# --- carried through the audio's changes ----------------------------------------------------

@pytest.mark.parametrize(("offset", "scale", "length", "expected"), [
    (100, 1.0, None, [WordMark(0, 50, 0, 1), WordMark(50, 150, 2, 3)]),
    (0, 2.0, None, [WordMark(200, 300, 0, 1), WordMark(300, 500, 2, 3)]),
    # cut to 120 samples after the offset: the second word loses its tail
    (100, 1.0, 120, [WordMark(0, 50, 0, 1), WordMark(50, 120, 2, 3)]),
    # a word entirely before the cut is dropped
    (160, 1.0, None, [WordMark(0, 90, 2, 3)]),
])
def test_moved_marks(offset: int, scale: float, length: int | None,
                     expected: list[WordMark]) -> None:
    marks = (WordMark(100, 150, 0, 1), WordMark(150, 250, 2, 3))
    assert list(moved_marks(marks, offset=offset, scale=scale, length=length)) == expected


def _onset_ms(x: np.ndarray, rate: int, near_ms: float, threshold_db: float = -50) -> float:
    """The energy onset (1 ms steps) nearest `near_ms` that follows 60 ms of silence (the
    audio's start counts as silence)."""
    x, near_ms = np.concatenate([np.zeros(rate // 5), x]), near_ms + 200
    hop = rate / 1000
    first = max(0, int(near_ms) - 160)
    count = int(min(len(x) / hop, near_ms + 100)) - first
    energy = np.array([np.mean(x[int((first + i) * hop):int((first + i + 1) * hop)] ** 2)
                       for i in range(count)])
    loud = 10 * np.log10(energy + 1e-12) > threshold_db
    onsets = [first + i for i in range(60, count) if loud[i] and not loud[i - 60:i].any()]
    assert onsets, f"no onset after a pause near {near_ms} ms"
    return float(min(onsets, key=lambda t: abs(t - near_ms))) - 200


def test_a_stretched_clip_marks_scale_by_its_factor_and_match_its_sound() -> None:
    text = "Бір. Екі. Үш."
    audio = EspeakEngine().synthesize(text, lang="kk", voice="kk", options={})
    slow = stretch(audio, 0.5)
    assert [m.text_start for m in slow.marks] == [m.text_start for m in audio.marks]
    for before, after in zip(audio.marks, slow.marks, strict=True):
        assert after.start == round(before.start * 2)
    # a time stretch is not exactly linear (WSOLA); mastering puts the marks on the sound
    made = mastering.master(slow, AudioFormat())
    x = made.master / 32768
    for mark in made.marks:  # each word comes after a sentence's pause
        at = 1000 * mark.start / made.rate
        assert abs(_onset_ms(x, made.rate, at) - at) <= 30


def test_mastering_moves_marks_with_the_cut_and_onto_the_sound() -> None:
    text = "Бір. Екі. Үш."
    audio = EspeakEngine().synthesize(text, lang="kk", voice="kk", options={})
    fmt = AudioFormat(sample_rate=24000)  # a change of rate too
    made = mastering.master(audio, fmt)
    assert made.timing == "measured" and len(made.marks) == 3
    x = made.master / 32768
    for mark in made.marks:
        at = 1000 * mark.start / made.rate
        assert abs(_onset_ms(x, made.rate, at) - at) <= 10
        assert 0 <= mark.start < mark.end <= len(made.master)


def test_fitted_marks_start_and_end_where_their_sound_does() -> None:
    rate = 1000  # 5 samples per 5 ms chunk
    x = np.zeros(300)
    x[50:100] = 0.5
    x[200:250] = 0.5
    marks = (WordMark(0, 150, 0, 1), WordMark(150, 300, 2, 3))
    assert mastering.fitted(marks, x, rate, -50) == (
        WordMark(50, 100, 0, 1), WordMark(200, 250, 2, 3))


# --- the cache and the manifest -------------------------------------------------------------

def test_words_are_placed_in_the_book_in_milliseconds() -> None:
    clip = CachedClip("k", Path("k.mp3"), 10, 100, "measured",
                      (WordMark(0, 2205, 0, 4), WordMark(2205, 4410, 5, 9)))
    # the clip starts 2 s into the book; 2205 samples at 22.05 kHz are 100 ms
    assert words(clip, "2019 жылы", "2019 жылы", 2.0,
                 22050) == [[2000, 2100, 0, 4], [2100, 2200, 5, 9]]
    assert words(None, "a", "a", 0.0, 22050) == []


def test_a_language_timing_is_its_weakest_clips() -> None:
    def clip(timing: str | None) -> CachedClip:
        return CachedClip("k", Path("k"), 1, 1, timing)

    assert timings([("kk", clip("measured")), ("zh", clip("measured")),
                    ("zh", clip("estimated")), ("kk", clip("measured"))]) == {
        "kk": "measured", "zh": "estimated"}
    assert timings([("kk", None), ("zh", clip(None))]) == {"kk": "none", "zh": "none"}


# --- the built book, against its decoded MP3 ------------------------------------------------

def _spans(document: dict[str, object]) -> list[tuple[str, int, int, list[list[int]]]]:
    """(language, clip start, clip end, words) of every clip heard, in the book's order."""
    heard = []
    for pair in document["pairs"]:  # type: ignore[attr-defined]
        for lang in pair["texts"]:
            heard.append((lang, pair["start"][lang], pair["end"][lang], pair["words"][lang]))
    return sorted(heard, key=lambda entry: entry[1])


def test_the_sample_books_words_start_where_they_are_heard(
        built_sample: tuple[LoadedBook, BuildReport]) -> None:
    loaded, report = built_sample
    document = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert document["timings"] == {"kk": "measured", "zh": "measured"}
    x = np.frombuffer(decode_pcm(report.output), "<i2") / 32768
    errors = []
    last_start = -1
    for pair in document["pairs"]:
        for lang, text in pair["texts"].items():
            found = pair["words"][lang]
            assert found, f"pair {pair['index']} {lang}: no words"
            assert pair["start"][lang] <= found[0][0] and found[-1][1] <= pair["end"][lang]
            for start, end, char_start, char_end in found:
                assert start < end and start >= last_start
                assert 0 <= char_start < char_end <= len(text)
                last_start = start
            covered = "".join(text[a:b] for _, _, a, b in found)
            assert len(covered) >= 0.8 * len("".join(text[a:b] for a, b in tokens(text)))
    for _, _, _, found in _spans(document):
        for previous, (start, _, _, _) in zip(found, found[1:], strict=False):
            if start - previous[1] >= 60:  # a word after a pause (a comma, a sentence end)
                errors.append(_onset_ms(x, RATE, start) - start)
    assert len(errors) >= 20
    assert max(abs(e) for e in errors) <= ONSET_TOLERANCE_MS, sorted(errors)
    assert math.isfinite(float(np.median(errors)))


def test_a_clip_cached_before_word_times_is_made_once_more(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "book", "Бір екі.\n", "一二。\n")
    options = BuildOptions(out=tmp_path / "out", jobs=1, cache=tmp_path / "cache")
    first = build(load(folder), options)
    cache = ClipCache(tmp_path / "cache")
    for meta_path in (tmp_path / "cache").glob("??/*.json"):
        meta = json.loads(meta_path.read_text())
        if meta.get("kind") != "silence":  # a speech clip, as stored before word times
            cache.put(meta_path.stem, cache.path(meta_path.stem).read_bytes(),
                      **{k: v for k, v in meta.items()
                         if k not in ("frames", "bytes", "sha256", "duration", "seal",
                                      "marks", "timing")})
    again = build(load(folder), options)
    assert again.synthesised == 2
    assert again.output.read_bytes() == first.output.read_bytes()
    document = json.loads(again.manifest.read_text(encoding="utf-8"))
    assert all(document["pairs"][0]["words"][lang] for lang in ("kk", "zh"))
    third = build(load(folder), options)
    assert third.synthesised == 0


def test_marks_follow_the_trimmed_silence_into_the_master() -> None:
    rate = 22050
    tone = (np.sin(np.arange(rate // 2) * 0.2) * 8000).astype("<i2")
    gap = np.zeros(rate, "<i2")  # a second of silence before each word
    samples = np.concatenate([gap, tone, gap, tone]).tobytes()
    marks = (WordMark(rate, 2 * rate, 0, 3), WordMark(5 * rate // 2, 3 * rate, 4, 7))
    made = mastering.master(Audio(samples, rate, marks, "measured"), AudioFormat())
    # 30 ms of the first second is kept before the sound: each word starts on its tone
    first, second = made.marks
    assert abs(first.start - rate * 30 // 1000) <= rate // 200
    assert abs(second.start - (first.start + 3 * rate // 2)) <= rate // 200
