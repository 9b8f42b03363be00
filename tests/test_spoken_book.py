"""Spoken forms in a book: espeak's reading, the [pronounce] config, clip keys, manifest, CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reader.audio.frames import DECODER_DELAY
from reader.audio.mastering import ENCODER_DELAY
from reader.cli import app
from reader.cli.speech_commands import changes, play
from reader.errors import ConfigError
from reader.pipeline.build import build
from reader.pipeline.clips import plan_clips
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.speech.espeak import EspeakEngine
from reader.text.spoken import spoken_form

from .conftest import RATE, SAMPLE, decode_pcm, write_book
from .test_build import SynthCounter

runner = CliRunner()
TOML = 'album = "Test"\norder = ["kk", "zh"]\n[pauses]\nparagraph = 0.3\npair = 0.6\nlead_in = 0.2\n'
KK = "Бірінші сөз.\n\nСи Цзиньпин сөйледі.\n\n2019 жылы 8 қаңтар."
ZH = "第一句。\n\n习近平讲话。\n\n2019年1月8日。"


def _bare(phonemes: list[str]) -> str:
    return "".join(phonemes).replace("ˈ", "").replace("ˌ", "")


def test_espeak_reads_a_normalised_year_with_ling_not_qian() -> None:
    engine = EspeakEngine()
    said = spoken_form("截至2019年4月", "zh")
    assert said == "截至二〇一九年四月"
    normalised, raw = _bare(engine.phonemes(said, voice="cmn")), _bare(
        engine.phonemes("截至2019年4月", voice="cmn"))
    ling, qian = "liɜŋ", "tɕhiɛ5n"  # 零/〇 and 千 in espeak-ng's cmn phonemes
    assert ling in normalised and qian not in normalised
    assert qian in raw  # what the issue heard: 二千十九


def test_espeak_keeps_its_kazakh_voice_for_spelt_acronyms() -> None:
    engine = EspeakEngine()
    assert "(en)" in "".join(engine.phonemes("GDP", voice="kk"))
    assert "(en)" not in "".join(engine.phonemes(spoken_form("GDP", "kk"), voice="kk"))
    assert "(en)" not in "".join(engine.phonemes(spoken_form("GDP", "zh"), voice="cmn"))


def test_espeak_pauses_at_an_unspaced_dash_once_normalised() -> None:
    engine = EspeakEngine()
    written = "«Ең соңғы бір шақырым»–бастапқыда ұзақ"
    assert len(engine.phonemes(written, voice="kk")) == 1  # one clause: no pause
    assert len(engine.phonemes(spoken_form(written, "kk"), voice="kk")) == 2


def _book(tmp_path: Path, pronounce: str = "", name: str = "b") -> Path:
    return write_book(tmp_path / name, KK, ZH, TOML + pronounce)


def test_book_entries_and_shared_files_merge(tmp_path: Path) -> None:
    (tmp_path / "shelf.toml").write_text("", encoding="utf-8")
    (tmp_path / "lexicon.toml").write_text(
        '[kk]\n"Си Цзиньпин" = "Си Зиньпин"\n"сөз" = "сөөз"\n[en]\n"x" = "y"\n',
        encoding="utf-8")
    book = _book(tmp_path, '[pronounce]\nlexicon = ["../lexicon.toml"]\n'
                 '[pronounce.kk]\n"Си Цзиньпин" = "Си Жиньпиң"\n')
    loaded = load(book)
    lexicon = dict(loaded.book.pronounce.lexicon("kk"))
    assert lexicon == {"Си Цзиньпин": "Си Жиньпиң", "сөз": "сөөз"}  # the book's own wins
    assert loaded.spoken("Си Цзиньпин сөйледі.", "kk") == "Си Жиньпиң сөйледі."
    assert loaded.warnings == ()


@pytest.mark.parametrize(("pronounce", "message"), [
    ('[pronounce.kk]\n"Си Цзиньпин" = ""\n', "empty entry"),
    ('[pronounce.kk]\n"" = "x"\n', "empty entry"),
    ('[pronounce.kk]\n"Си" = "  "\n', "empty entry"),
    ('[pronounce.kk]\n"Си" = 3\n', "expected a string"),
    ('[pronounce.en]\n"a" = "b"\n', "no language 'en'"),
    ('[pronounce]\nkeep_latin = "yes"\n', "true or false"),
    ('[pronounce]\nlexicon = ["../outside.toml"]\n', "outside the book folder"),
    ('[pronounce]\nlexicon = ["missing.toml"]\n', "no such file"),
])
def test_bad_pronounce_tables_stop_with_exit_2(tmp_path: Path, pronounce: str,
                                               message: str) -> None:
    (tmp_path / "outside.toml").write_text('[kk]\n"a" = "b"\n', encoding="utf-8")
    book = _book(tmp_path, pronounce)
    with pytest.raises(ConfigError, match=message):
        load(book)
    result = runner.invoke(app, ["check", str(book)])
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("entry", [
    '"Си Цзиньпин" = "Си Жиньпиң\\u0000 сөйледі"',  # a NUL cut speech short
    '"Си Цзиньпин" = "Си\\nЖиньпиң"',
    '"Си\\u0007 Цзиньпин" = "Си Жиньпиң"',  # in the written form too
])
@pytest.mark.parametrize("in_file", [True, False], ids=["lexicon file", "book.toml"])
def test_a_control_character_in_a_lexicon_entry_stops_with_exit_2(
        tmp_path: Path, entry: str, in_file: bool) -> None:
    lexicon = tmp_path / "b" / "lexicon.toml"
    lexicon.parent.mkdir()
    lexicon.write_text(f"[kk]\n{entry}\n", encoding="utf-8")
    book = _book(tmp_path, '[pronounce]\nlexicon = ["lexicon.toml"]\n' if in_file
                 else f"[pronounce.kk]\n{entry}\n")
    result = runner.invoke(app, ["check", str(book)])
    assert result.exit_code == 2, result.output
    assert "control character U+00" in result.output
    assert (str(lexicon) if in_file else str(book / "book.toml")) in result.output
    assert "Си" in result.output  # the entry is named
    assert "Traceback" not in result.output


def test_a_symlink_out_of_the_book_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.toml").write_text('[kk]\n"a" = "b"\n', encoding="utf-8")
    book = _book(tmp_path, '[pronounce]\nlexicon = ["lexicon.toml"]\n')
    os.symlink(tmp_path / "elsewhere.toml", book / "lexicon.toml")
    with pytest.raises(ConfigError, match="outside the book folder"):
        load(book)
    (tmp_path / "shelf.toml").write_text("", encoding="utf-8")  # now a shelf: allowed
    assert load(book).book.pronounce.lexicon("kk") == (("a", "b"),)


def test_a_key_the_book_never_uses_is_a_warning(tmp_path: Path) -> None:
    book = _book(tmp_path, '[pronounce.kk]\n"Мао Цзэдун" = "Мао Зыдұң"\n'
                 '"Си Цзиньпин" = "Си Жиньпиң"\n')
    loaded = load(book)
    assert len(loaded.warnings) == 1
    assert "'Мао Цзэдун' occurs nowhere in kk.txt" in loaded.warnings[0]
    result = runner.invoke(app, ["check", str(book)])
    assert result.exit_code == 0 and "occurs nowhere in kk.txt" in result.output


def test_page_and_subtitles_show_the_written_text(tmp_path: Path) -> None:
    book = _book(tmp_path)
    result = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "out"),
                                 "--jobs", "1", "--formats", "mp3,vtt,json,html"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "b"
    vtt = (folder / "b.kk-zh.vtt").read_text(encoding="utf-8")
    page = (folder / "index.html").read_text(encoding="utf-8")
    for shown in (re.sub(r"<[^>]*>", "", vtt), re.sub(r"<[^>]*>", "", page)):
        assert "2019年1月8日" in shown and "2019 жылы 8 қаңтар" in shown
        assert "二〇一九" not in shown and "тоғызыншы" not in shown


def test_a_lexicon_edit_remakes_only_the_clips_whose_spoken_form_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = _book(tmp_path, '[pronounce.kk]\n"Си Цзиньпин" = "Си Жиньпиң"\n')
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    first = build(load(book), options)
    assert first.synthesised == 6
    manifest = json.loads(first.manifest.read_text(encoding="utf-8"))
    pair = manifest["pairs"][1]
    assert pair["texts"]["kk"] == "Си Цзиньпин сөйледі."  # shown as written
    assert pair["spoken"]["kk"] == "Си Жиньпиң сөйледі."  # spoken as the lexicon says
    assert manifest["pairs"][2]["spoken"] == {
        "kk": "екі мың он тоғызыншы жылы сегізінші қаңтар.", "zh": "二〇一九年一月八日。"}
    assert manifest["pairs"][0]["spoken"] == manifest["pairs"][0]["texts"]
    assert "Си Цзиньпин" in pair["chapter"]["title"]

    (book / "book.toml").write_text(TOML + '[pronounce.kk]\n"Си Цзиньпин" = "Си Зиньпин"\n',
                                    encoding="utf-8")
    counter = SynthCounter(monkeypatch)
    second = build(load(book), options)
    assert counter.texts == ["Си Зиньпин сөйледі."]
    assert second.synthesised == 1 and second.reused == 5
    after = json.loads(second.manifest.read_text(encoding="utf-8"))
    changed = [(p["index"], lang) for p, q in zip(manifest["pairs"], after["pairs"], strict=True)
               for lang in p["clips"] if p["clips"][lang] != q["clips"][lang]]
    assert changed == [(2, "kk")]


def test_clip_keys_follow_the_spoken_form_not_the_written_text(tmp_path: Path) -> None:
    one = write_book(tmp_path / "one", "2019 жылы.", "2019年。")
    two = write_book(tmp_path / "two", "екі мың он тоғызыншы жылы.", "二〇一九年。")
    keys_one = [job.key for job in plan_clips(load(one))[0]]
    keys_two = [job.key for job in plan_clips(load(two))[0]]
    assert keys_one == keys_two  # same words said: the same clips


def test_check_speech_prints_what_differs_side_by_side(tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    result = runner.invoke(app, ["check", "--speech", str(book)])
    assert result.exit_code == 0, result.output
    assert "4 of 8 paragraphs are spoken otherwise than written" in result.output
    flat = result.output.replace("│", " ")
    for said in ("Жиньпиң", "тоғызыншы", "二〇一九年四", "点六"):
        assert said in flat


def test_changes_show_each_difference_with_context() -> None:
    assert changes("а б 2019 жылы в г д е ж з и", "а б екі мың он тоғызыншы жылы в г д е ж з и",
                   "kk", context=1) == [("…б 2019 жылы…", "…б екі мың он тоғызыншы жылы…")]
    assert changes("截至2019年", "截至二〇一九年", "zh", context=1) == [
        ("截至2019年", "截至二〇一九年")]


def test_say_speaks_a_line_into_a_file(tmp_path: Path) -> None:
    book = _book(tmp_path, '[pronounce.kk]\n"Си Цзиньпин" = "Си Жиньпиң"\n')
    out = tmp_path / "said.wav"
    result = runner.invoke(app, ["say", str(book), "--lang", "kk", "Си Цзиньпин 2019 жылы",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Си Жиньпиң екі мың он тоғызыншы жылы" in result.output
    assert out.read_bytes()[:4] == b"RIFF"
    assert len(decode_pcm(out)) / 2 / RATE > 0.5


def test_say_writes_a_wav_whose_header_is_true_and_that_starts_with_the_speech(
        tmp_path: Path) -> None:
    book = _book(tmp_path)
    wav, mp3 = tmp_path / "said.wav", tmp_path / "said.mp3"
    for path in (wav, mp3):
        result = runner.invoke(app, ["say", str(book), "--pair", "2", "--out", str(path)])
        assert result.exit_code == 0, result.output
    data = wav.read_bytes()
    riff_size, = struct.unpack_from("<I", data, 4)
    assert riff_size == len(data) - 8  # not 0xFFFFFFFF, as a pipe's header says
    with wave.open(str(wav)) as handle:
        assert (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) == (1, 2, RATE)
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), "<i2").astype(float)
        assert 44 + 2 * handle.getnframes() == len(data)  # the data chunk's size is true
    # The MP3 decodes late by the encoder's delay and the decoder's; the WAV, made from
    # the PCM before encoding, has neither.
    decoded = np.frombuffer(decode_pcm(mp3), "<i2").astype(float)
    span = len(pcm) - 4000
    lags = range(0, 3000)
    best = max(lags, key=lambda lag: float(np.dot(pcm[:span], decoded[lag:lag + span])))
    assert abs(best - (ENCODER_DELAY + DECODER_DELAY)) <= 2


@pytest.mark.parametrize("suffix", [".mp3", ".wav"])
def test_say_reports_the_length_it_wrote_without_decoding_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """The seconds `say` reports are what the file decodes to: the PCM's samples for a
    WAV, every MP3 frame's 1152 for an MP3 (a decoder gives them all); found from what
    was written, with no decoder run over the file."""
    import reader.audio.ffmpeg
    from reader.pipeline.say import lines_to_say, say

    loaded = load(_book(tmp_path))
    lines = lines_to_say(loaded, lang=None, text=None, pair=2)
    out = tmp_path / f"said{suffix}"

    def refused(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("say ran ffmpeg")

    with monkeypatch.context() as patched:
        patched.setattr(reader.audio.ffmpeg, "run", refused)
        said = say(loaded, lines, out)
    assert said.seconds == len(decode_pcm(out)) / 2 / RATE > 1


def test_say_lets_go_of_a_lines_audio_before_it_speaks_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pair's paragraphs are written one at a time: while the second is spoken, the
    first one's engine audio and master are gone (long paragraphs run to hundreds of MB)."""
    import weakref

    from reader.audio import mastering
    from reader.pipeline.say import lines_to_say, say

    loaded = load(_book(tmp_path))
    lines = lines_to_say(loaded, lang=None, text=None, pair=2)
    made: list[weakref.ref[object]] = []
    master = mastering.master

    def watched(audio, fmt):  # type: ignore[no-untyped-def]
        assert all(ref() is None for ref in made), "an earlier line is still held"
        clip = master(audio, fmt)
        made.extend([weakref.ref(audio), weakref.ref(clip)])
        return clip

    monkeypatch.setattr(mastering, "master", watched)
    say(loaded, lines, tmp_path / "said.wav")
    assert len(made) == 4


def test_say_names_the_file_it_was_asked_to_write(tmp_path: Path) -> None:
    book = _book(tmp_path)
    folder = tmp_path / "said.wav"
    folder.mkdir()  # a folder where the file should go
    result = runner.invoke(app, ["say", str(book), "--lang", "kk", "сөз", "--out", str(folder)])
    assert result.exit_code == 2
    assert f"error: {folder}: " in result.output and ".part" not in result.output


def test_say_speaks_a_pair_into_the_output_folder(tmp_path: Path) -> None:
    book = _book(tmp_path)
    result = runner.invoke(app, ["say", str(book), "--pair", "3", "--out-dir",
                                 str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    made = tmp_path / "out" / "b" / "say" / "pair-3.mp3"
    assert made.exists()
    assert "kk · espeak (kk): екі мың он тоғызыншы жылы сегізінші қаңтар." in result.output
    assert "zh · espeak (cmn): 二〇一九年一月八日。" in result.output
    seconds = len(decode_pcm(made)) / 2 / RATE
    only_kk = tmp_path / "kk.mp3"
    runner.invoke(app, ["say", str(book), "--pair", "3", "--lang", "kk", "--out", str(only_kk)])
    assert seconds > len(decode_pcm(only_kk)) / 2 / RATE + 0.3  # both, with the pause


@pytest.mark.parametrize(("args", "message"), [
    (["--lang", "kk"], "either a text"),
    (["hello"], "add --lang"),
    (["--pair", "9"], "pairs 1 to 3"),
    (["--lang", "en", "hello"], "no language 'en'"),
    (["--pair", "1", "hello", "--lang", "kk"], "not both"),
    (["--lang", "kk", "сөз", "--out", "x.ogg"], ".mp3 or .wav"),
])
def test_say_refuses_bad_requests(tmp_path: Path, args: list[str], message: str) -> None:
    book = _book(tmp_path)
    result = runner.invoke(app, ["say", str(book), *args])
    assert result.exit_code == 2 and message in result.output


def test_play_is_skipped_quietly_without_a_player(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert play(tmp_path / "x.mp3") is None


def test_check_speech_leftovers_lists_tokens_for_the_lexicon(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", "Apple 2019 жылы.\n\nApple тағы.", "苹果发布iPhone。\n\n好。")
    result = runner.invoke(app, ["check", "--speech", "--leftovers", str(book)])
    assert result.exit_code == 0, result.output
    rows = [line.replace("│", " ").split() for line in result.output.splitlines()]
    assert ["kk", "Apple", "2", "1"] in rows and ["zh", "iPhone", "1", "1"] in rows
    assert "2 tokens left as written that espeak may not say well" in result.output


def _long_book(tmp_path: Path, kk_chars: int, unit: str = "paragraph") -> Path:
    """A book whose second kk paragraph holds `kk_chars` characters (words of 5 and a space)."""
    long = ("сөзде " * (kk_chars // 6 + 1))[:kk_chars - 2] + "р."
    return write_book(tmp_path / "b", f"Бірінші.\n\n{long}\n", "第一。\n\n第二。\n",
                      f'unit = "{unit}"\n' + TOML)


def test_a_paragraph_too_long_for_one_clip_is_refused_before_synthesis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,800 s of Kazakh at 13 characters a second is 23,400 characters; one more is too long.
    book = _long_book(tmp_path, 23401)
    monkeypatch.setattr(EspeakEngine, "synthesize", lambda *a, **k: pytest.fail("synthesis"))
    for command in (["check", str(book)], ["build", str(book), "--out", str(tmp_path / "o")],
                    ["say", str(book), "--pair", "2", "--out", str(tmp_path / "x.wav")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert f"{book / 'kk.txt'}:3 (paragraph 2): 23,401 characters" in result.output
        assert "split the paragraph" in result.output
    short = _book(tmp_path, name="short")
    said = runner.invoke(app, ["say", str(short), "--lang", "zh", "二" * 7201])  # 4 a second
    assert said.exit_code == 2 and "say: 7,201 characters" in said.output


def test_a_long_paragraph_is_fine_by_sentence_and_up_to_the_limit(tmp_path: Path) -> None:
    by_sentence = _long_book(tmp_path / "s", 23401, unit="sentence")
    assert load(by_sentence).book.unit == "sentence"
    # `say --pair` speaks the paragraph whole, whatever the unit.
    said = runner.invoke(app, ["say", str(by_sentence), "--pair", "2"])
    assert said.exit_code == 2 and "(paragraph 2): 23,401 characters" in said.output
    assert len(load(_long_book(tmp_path / "p", 23400)).pairs) == 2
