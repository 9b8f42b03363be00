"""The Piper engine on a tiny generated Piper-format voice, loaded by piper-tts itself."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reader.audio import ffmpeg
from reader.audio.pcm import WordMark
from reader.cli import app
from reader.errors import ConfigError, InputError
from reader.pipeline import clips, workers
from reader.speech import engine as engine_module
from reader.speech import get, voices
from reader.speech.phoneme_words import matched, phoneme_words
from reader.speech.piper import DEFAULT_SENTENCE_PAUSE, PiperEngine, load_voice, sentence_marks

from .conftest import SAMPLE, ffmetadata, ffmpeg_chapters, write_book
from .piper_voice import SAMPLE_RATE, install_fake

pytest.importorskip("onnx")
runner = CliRunner()
SPEAKERS = ["female1", "female2", "female3", "male1", "male2", "male3"]
KK_TEXT = "Ауыл тұрғындары жаңа жол салды. Енді балалар мектепке жаяу барады."


@pytest.fixture
def voices_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A voices folder (READER_VOICES) with a six-speaker kk voice and a zh voice."""
    root = tmp_path / "voices"
    install_fake(root, "kk_KZ-issai-high", "kk", SPEAKERS)
    install_fake(root, "zh_CN-huayan-medium", "cmn", licence="MIT")
    monkeypatch.setenv("READER_VOICES", str(root))
    return root


def _engine() -> PiperEngine:
    return PiperEngine()  # a fresh one: no voice cached from another test


def _peak(samples: bytes) -> int:
    import numpy as np

    return int(np.abs(np.frombuffer(samples, dtype="<i2").astype(np.int32)).max())


def test_the_fake_voice_loads_through_piper_and_our_session_speaks_the_same(
        voices_root: Path) -> None:
    from piper import PiperVoice, SynthesisConfig

    model = voices_root / "kk_KZ-issai-high" / "kk_KZ-issai-high.onnx"
    theirs = PiperVoice.load(model)
    ours = load_voice(model, Path(f"{model}.json"), threads=1)
    config = SynthesisConfig(speaker_id=2, normalize_audio=False)
    a = [c.audio_int16_bytes for c in theirs.synthesize(KK_TEXT, syn_config=config)]
    b = [c.audio_int16_bytes for c in ours.synthesize(KK_TEXT, syn_config=config)]
    assert len(a) == 2 and a == b  # one chunk per sentence, same samples
    assert ours.session.get_session_options().intra_op_num_threads == 1


def test_sentences_are_joined_with_the_sentence_pause_and_not_normalised(
        voices_root: Path) -> None:
    from piper import PiperVoice, SynthesisConfig

    model = voices_root / "kk_KZ-issai-high" / "kk_KZ-issai-high.onnx"
    chunks = list(PiperVoice.load(model).synthesize(
        KK_TEXT, syn_config=SynthesisConfig(normalize_audio=False)))
    speech = sum(len(c.audio_int16_bytes) // 2 for c in chunks)
    engine = _engine()
    audio = engine.synthesize(KK_TEXT, lang="kk", voice="kk_KZ-issai-high", options={})
    assert audio.rate == SAMPLE_RATE
    assert audio.frames == speech + round(DEFAULT_SENTENCE_PAUSE * SAMPLE_RATE)
    longer = engine.synthesize(KK_TEXT, lang="kk", voice="kk_KZ-issai-high",
                               options={"sentence_pause": 1.0})
    assert longer.frames == speech + SAMPLE_RATE
    # The fake speaks at 0.3 of full scale; Piper's normalisation would make it 32767.
    assert abs(_peak(audio.samples) - 0.3 * 32767) < 50


def test_speaker_by_number_or_name_and_length_scale(voices_root: Path) -> None:
    engine = _engine()

    def say(**options: object) -> bytes:
        return engine.synthesize(KK_TEXT, lang="kk", voice="kk_KZ-issai-high",
                                 options=dict(options)).samples

    assert say(speaker=3) == say(speaker="male1")
    assert say(speaker=3) != say(speaker=0)
    assert len(say(length_scale=2.0)) > 1.9 * len(say(length_scale=1.0)) - 2 * SAMPLE_RATE


@pytest.mark.parametrize(("options", "words"), [
    ({"speaker": 6}, "speakers 0–5"),
    ({"speaker": "male9"}, "male1"),
    ({"speaker": 1.5}, "a number or a name"),
    ({"length_scale": 0}, "from 0.1 to 5.0"),
    ({"noise_scale": "loud"}, "noise_scale"),
    ({"lenght_scale": 1.2}, "not a Piper option"),
])
def test_bad_options_are_refused_before_synthesis(voices_root: Path, options: dict[str, object],
                                                  words: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        _engine().voice_identity("kk", "kk_KZ-issai-high", options)


def test_a_speaker_for_a_one_speaker_voice_is_refused(voices_root: Path) -> None:
    with pytest.raises(ConfigError, match="one speaker"):
        _engine().voice_identity("zh", "zh_CN-huayan-medium", {"speaker": 1})


def test_options_of_other_engines_in_the_chain_are_left_alone(voices_root: Path) -> None:
    _engine().voice_identity("kk", "kk_KZ-issai-high", {"rate": 160, "pitch": 40})


def test_the_model_file_is_part_of_the_identity(voices_root: Path, tmp_path: Path) -> None:
    engine = _engine()
    first = engine.voice_identity("kk", "kk_KZ-issai-high", {})
    record = voices_root / "kk_KZ-issai-high" / "voice.json"
    data = json.loads(record.read_text())
    model_md5 = next(m["md5_digest"] for p, m in data["files"].items() if p.endswith(".onnx"))
    assert f"md5:{model_md5}" in first
    # Another model under the same name (reinstalled from a newer catalogue) re-makes clips.
    for meta in data["files"].values():
        meta["md5_digest"] = "0" * 32
    record.write_text(json.dumps(data))
    assert engine.voice_identity("kk", "kk_KZ-issai-high", {}) != first
    # A model named by path, without a catalogue record: its SHA-256.
    copy = tmp_path / "mine"
    shutil.copytree(voices_root / "kk_KZ-issai-high", copy)
    (copy / "voice.json").unlink()
    by_path = engine.voice_identity("kk", str(copy / "kk_KZ-issai-high.onnx"), {})
    assert re.search(r"sha256:[0-9a-f]{64}$", by_path)


def _book(tmp_path: Path, voice: str, lang: str = "kk") -> Path:
    toml = ('album = "T"\norder = ["kk", "zh"]\n'
            f'[language.{lang}]\nengine = ["piper"]\nvoice = {{ piper = "{voice}" }}\n')
    return write_book(tmp_path / "book", "Бірінші. Екінші.\n", "第一。第二。\n", toml)


@pytest.mark.parametrize(("voice", "words"), [
    ("kk_KZ-isai-high", ["unknown Piper voice 'kk_KZ-isai-high'", "did you mean kk_KZ-issai-high",
                         "reader voices list"]),
    ("zh_CN-huayan-medium", ["speaks zh_CN, not 'kk'"]),
    ("kk_KZ-raya-x_low", ["is not installed", "reader voices install kk_KZ-raya-x_low"]),
])
def test_bad_voices_exit_2_before_synthesis(voices_root: Path, tmp_path: Path, voice: str,
                                            words: list[str]) -> None:
    book = _book(tmp_path, voice)
    result = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    line = " ".join(result.output.split())
    for word in words:
        assert word in line
    assert "book.toml [language.kk]" in line
    assert not (tmp_path / "out" / ".cache" / "clips").exists() or not any(
        (tmp_path / "out" / ".cache" / "clips").rglob("*.mp3"))


@pytest.mark.parametrize("voice", ["zh_CN-huayan-medium", "kk_KZ-raya-x_low"])
def test_say_refuses_a_bad_voice_as_build_does(voices_root: Path, tmp_path: Path,
                                              voice: str) -> None:
    book = _book(tmp_path, voice)
    built = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "out")])
    said = runner.invoke(app, ["say", str(book), "--lang", "kk", "Сәлем",
                               "--out", str(tmp_path / "say.wav")])
    assert built.exit_code == said.exit_code == 2, said.output
    assert " ".join(said.output.split()) == " ".join(built.output.split())
    assert not (tmp_path / "say.wav").exists()


def test_a_model_without_its_config_exits_2(voices_root: Path, tmp_path: Path) -> None:
    (voices_root / "kk_KZ-issai-high" / "kk_KZ-issai-high.onnx.json").unlink()
    result = runner.invoke(app, ["build", str(_book(tmp_path, "kk_KZ-issai-high")),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "kk_KZ-issai-high.onnx.json" in result.output
    # The same for a model named by path.
    model = tmp_path / "loose.onnx"
    shutil.copy(voices_root / "kk_KZ-issai-high" / "kk_KZ-issai-high.onnx", model)
    with pytest.raises(InputError, match=r"no loose\.onnx\.json beside it"):
        _engine().voice_identity("kk", str(model), {})


def test_without_installed_voices_a_chain_falls_through(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_VOICES", str(tmp_path / "empty"))
    why = _engine().available()
    assert why is not None and "reader voices install" in why


def test_workers_get_their_share_of_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    class Recorder(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, max_workers: int, mp_context: object = None,
                     initializer: object = None, initargs: tuple[object, ...] = ()) -> None:
            seen.update(workers=max_workers, initializer=initializer, initargs=initargs)
            super().__init__(max_workers=max_workers)

    monkeypatch.setattr(workers.concurrent.futures, "ProcessPoolExecutor", Recorder)
    monkeypatch.setattr(clips.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(clips, "make_clip", lambda job, fmt, cache, masters=False: job)
    jobs = [clips.ClipJob(i, "kk", f"t{i}", "", "espeak", "kk", (), f"key{i}") for i in range(5)]

    class Cache:
        def get(self, key: str) -> None:
            return None

    clips.synthesise(jobs, None, Cache(), 3, clips.Events())  # type: ignore[arg-type]
    # 8 cores, 3 workers: 2 onnxruntime threads each (6 ≤ 8), set in each worker at start.
    assert seen["workers"] == 3 and seen["initializer"] is workers._init_worker
    assert seen["initargs"] == (os.getpid(), 2)
    engine_module.set_cpu_share(2)
    try:
        assert engine_module.cpu_share() == 2
    finally:
        engine_module._cpu_share = None


def _loudness(path: Path) -> float:
    done = subprocess.run([ffmpeg.executable(), "-hide_banner", "-nostats", "-i", str(path),
                           "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True,
                          check=True)
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", done.stderr)[-1])


def test_the_sample_book_is_built_with_piper_for_both_languages(
        voices_root: Path, tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    result = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "out"),
                                 "--engine", "kk=piper", "--engine", "zh=piper", "--jobs", "2",
                                 "--formats", "mp3,vtt,json,html,m4b"])
    assert result.exit_code == 0, result.output
    assert "kk → piper (kk_KZ-issai-high), zh → piper (zh_CN-huayan-medium)" in result.output
    mp3 = tmp_path / "out" / "last-mile" / "last-mile.kk-zh.mp3"
    assert len(ffmpeg_chapters(mp3)) == 4
    manifest = json.loads((mp3.parent / "last-mile.manifest.json").read_text())
    text = json.dumps(manifest)
    assert "kk_KZ-issai-high" in text and "zh_CN-huayan-medium" in text
    # Piper's alignments give every word of the sample its place, in both languages.
    assert manifest["timings"] == {"kk": "measured", "zh": "measured"}
    assert manifest["credits"] == {
        "kk": "Piper voice kk_KZ-issai-high (kk_KZ), licence: CC BY 4.0",
        "zh": "Piper voice zh_CN-huayan-medium (zh_CN), licence: MIT"}
    from mutagen.id3 import ID3

    from reader.manifest_types import read_manifest

    assert read_manifest(mp3.parent / "last-mile.manifest.json")[1] is None  # clean reads it
    assert str(ID3(mp3)["COMM:voices:eng"]) == "; ".join(manifest["credits"].values())
    assert ("description=Voices: Piper voice kk_KZ-issai-high (kk_KZ), licence: CC BY 4.0"
            in ffmetadata(mp3.parent / "m4b" / mp3.with_suffix(".m4b").name))
    page = (mp3.parent / "index.html").read_text(encoding="utf-8")
    assert ('<footer class="credits">Voices: Piper voice kk_KZ-issai-high (kk_KZ), licence: '
            "CC BY 4.0; Piper voice zh_CN-huayan-medium (zh_CN), licence: MIT</footer>") in page
    # Mastering brings the fake voice (0.3 of full scale) to the book's loudness.
    assert abs(_loudness(mp3) - (-19.0)) < 1.5
    # A rebuild makes nothing: the keys (voice identity included) are stable.
    again = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "out"),
                                "--engine", "kk=piper", "--engine", "zh=piper"])
    assert again.exit_code == 0 and "0 clips synthesised, 8 reused" in " ".join(
        again.output.split()), again.output
    assert get("piper").name == "piper"
    assert voices.credits("kk_KZ-issai-high") == \
        "Piper voice kk_KZ-issai-high (kk_KZ), licence: CC BY 4.0"


@pytest.mark.parametrize(("lang", "voice", "meant"), [
    ("kk", "kk", "kk_KZ-issai-high"),  # the sample's voice for espeak
    ("zh", "cmn", "zh_CN-huayan-medium"),
    ("zh", "zh-CN", "zh_CN-huayan-medium"),  # a gTTS tag
    ("kk", "kk_KZ-issai-high", "kk_KZ-issai-high"),
    ("kk", "kk_KZ-issai", "kk_KZ-issai"),  # not a language tag: checked, and refused
])
def test_a_language_tag_stands_for_the_languages_piper_voice(
        voices_root: Path, lang: str, voice: str, meant: str) -> None:
    assert _engine().resolve_voice(lang, voice) == meant


def test_with_no_voice_installed_the_error_names_the_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_VOICES", str(tmp_path / "none"))
    engine = _engine()
    with pytest.raises(InputError, match="reader voices install kk_KZ-issai-high"):
        engine.voice_identity("kk", engine.resolve_voice("kk", "kk"), {})


def test_an_espeak_book_owes_no_credits(built_sample: Any) -> None:
    _, report = built_sample
    from mutagen.id3 import ID3

    assert "credits" not in json.loads(report.manifest.read_text(encoding="utf-8"))
    assert "COMM:voices:eng" not in ID3(report.output)


def test_threads_share_one_loaded_voice_safely(voices_root: Path) -> None:
    # A build that also uses a network engine runs every engine in threads.
    engine = _engine()
    texts = [f"{KK_TEXT} {'Тағы бір сөйлем. ' * n}" for n in range(6)]
    alone = [engine.synthesize(t, lang="kk", voice="kk_KZ-issai-high", options={}).samples
             for t in texts]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: engine.synthesize(
            t, lang="kk", voice="kk_KZ-issai-high", options={}).samples, texts))
    assert together == alone and len(set(alone)) == len(texts)
    assert len(engine._loaded) == 1  # loaded once


# --- word marks from the phoneme alignments ---------------------------------------------------

@pytest.mark.parametrize(("alignments", "expected"), [
    # ^ and $ carry no word; a space ends one; each phoneme's samples include its pad
    ([("^", 3), ("s", 2), ("æ", 2), (" ", 3), ("ɑ", 2), ("$", 2)], [(3, 7, 0), (10, 12, 0)]),
    # a clause's comma and full stop are pauses after the word, not part of it
    ([("^", 1), ("a", 2), (",", 4), (" ", 1), ("b", 2), (".", 5), ("$", 1)],
     [(1, 3, 0), (8, 10, 0)]),
    # Mandarin: "s." is ʂ (a letter inside the word); one tone number per syllable
    ([("^", 1), ("s", 1), (".", 1), ("ˈ", 1), ("u", 1), ("5", 1), (" ", 1),
      ("k", 1), ("o", 1), ("5", 1), ("l", 1), ("i", 1), ("2", 1), ("$", 1)],
     [(1, 6, 1), (7, 13, 2)]),
    ([("^", 4), ("$", 4)], []),
])
def test_phoneme_words_run_from_first_to_last_sounding_phoneme(
        alignments: list[tuple[str, int]], expected: list[tuple[int, int, int]]) -> None:
    assert phoneme_words(alignments) == expected


@pytest.mark.parametrize(("text", "words", "expected"), [
    # word k of the phonemes is word k of the text
    ("Сәлем, әлем!", [(0, 5, 0), (8, 12, 0)], [(0, 5, 0, 5), (8, 12, 7, 11)]),
    # espeak says a hyphenated word as one
    ("әдіс-амал қарастырып", [(0, 5, 0), (6, 9, 0)], [(0, 5, 0, 9), (6, 9, 10, 20)]),
    # 公里: one phoneme word with two tones covers two characters
    ("最后一公里", [(0, 1, 1), (1, 2, 1), (2, 3, 1), (3, 5, 2)],
     [(0, 1, 0, 1), (1, 2, 1, 2), (2, 3, 2, 3), (3, 5, 3, 5)]),
    # a Latin word among Han characters takes one phoneme word, whatever its tones
    ("AI技术", [(0, 2, 0), (2, 3, 1), (3, 4, 1)], [(0, 2, 0, 2), (2, 3, 2, 3), (3, 4, 3, 4)]),
    # counts that disagree: no pairing rather than a wrong one
    ("бір екі үш", [(0, 5, 0), (6, 9, 0)], None),
    ("бір екі", [(0, 5, 0), (6, 9, 0), (9, 12, 0)], None),
    ("你好", [(0, 5, 3)], None),
])
def test_phoneme_words_pair_with_the_texts_words(
        text: str, words: list[tuple[int, int, int]],
        expected: list[tuple[int, int, int, int]] | None) -> None:
    assert matched(text, words) == expected


def test_a_sentence_that_does_not_pair_is_estimated_within_its_own_speech() -> None:
    # Two sentences, chunks at samples 0 and 100; the second has a word too few.
    first = [("^", 10), ("b", 20), (" ", 10), ("e", 20), ("$", 10)]
    second = [("^", 10), ("x", 40), ("$", 10)]
    marks, timing = sentence_marks("Бір екі. Үш төрт.", "kk", [(0, first), (100, second)])
    assert timing == "estimated"
    # first sentence measured; the second spread by syllables (1 : 1) over 110–150
    assert marks == (WordMark(10, 30, 0, 3), WordMark(40, 60, 4, 7),
                     WordMark(110, 130, 9, 11), WordMark(130, 150, 12, 16))
    assert sentence_marks("Бір екі.", "kk", [(0, first)])[1] == "measured"
    assert sentence_marks("Бір екі.", "kk", [(0, None)]) == ((), "none")


def _silent_runs(samples: bytes) -> list[tuple[int, int]]:
    """Runs of exact zeros at least 100 samples long: the fake voice's spaces and pauses."""
    import numpy as np

    zero = np.frombuffer(samples, dtype="<i2") == 0
    runs, start = [], None
    for k, quiet in enumerate([*zero.tolist(), False]):
        if quiet and start is None:
            start = k
        elif not quiet and start is not None:
            if k - start >= 100:
                runs.append((start, k))
            start = None
    return runs


@pytest.mark.parametrize(("lang", "voice", "text", "words"), [
    ("kk", "kk_KZ-issai-high", KK_TEXT,
     ["Ауыл", "тұрғындары", "жаңа", "жол", "салды", "Енді", "балалар", "мектепке", "жаяу",
      "барады"]),
    # espeak says 公里 as one word and the rest character by character
    ("zh", "zh_CN-huayan-medium", "最后一公里很远。我们去北京。",
     ["最", "后", "一", "公里", "很", "远", "我", "们", "去", "北", "京"]),
])
def test_piper_marks_every_spoken_word_where_the_voice_says_it(
        voices_root: Path, lang: str, voice: str, text: str, words: list[str]) -> None:
    audio = _engine().synthesize(text, lang=lang, voice=voice, options={"length_scale": 1.5})
    assert audio.timing == "measured"
    assert [text[m.text_start:m.text_end] for m in audio.marks] == words
    assert all(0 <= m.start < m.end <= audio.frames for m in audio.marks)
    assert all(a.end <= b.start for a, b in zip(audio.marks, audio.marks[1:]))
    # The fake voice is silent exactly on the spaces between words (and the sentence
    # pause): no word's mark holds a silence, and every gap between words has one.
    silences = _silent_runs(audio.samples)
    for mark in audio.marks:
        assert not any(a < mark.end and mark.start < b for a, b in silences), mark
    for before, after in zip(audio.marks, audio.marks[1:]):
        assert any(before.end <= a and b <= after.start for a, b in silences)


def test_a_voice_without_durations_to_expose_speaks_without_marks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "voices"
    install_fake(root, "kk_KZ-issai-high", "kk", durations=False)
    monkeypatch.setenv("READER_VOICES", str(root))
    audio = _engine().synthesize(KK_TEXT, lang="kk", voice="kk_KZ-issai-high", options={})
    assert audio.frames > 0 and audio.marks == () and audio.timing == "none"
