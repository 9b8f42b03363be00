"""The embedded espeak-ng engine: real audio for Kazakh and Mandarin."""

from __future__ import annotations

import array
import math

import pytest

from reader import speech as engines
from reader.pipeline.loading import load
from reader.speech.espeak import EspeakEngine

from .conftest import SAMPLE


def rms_dbfs(samples: bytes) -> float:
    values = array.array("h", samples)
    if not values:
        return -math.inf
    mean = sum(v * v for v in values) / len(values)
    return 10 * math.log10(mean / 32768**2) if mean else -math.inf


@pytest.mark.parametrize(
    ("lang", "text"),
    [("kk", "Ең соңғы бір шақырым."), ("zh", "最后一公里。")],
)
def test_short_sentence_is_non_silent_audio_at_espeak_rate(lang: str, text: str) -> None:
    engine = engines.get("espeak")
    audio = engine.synthesize(text, lang=lang, voice=engine.default_voice(lang), options={})
    assert audio.rate == 22050
    assert 0.5 < audio.duration < 6
    assert rms_dbfs(audio.samples) > -35


def test_engine_reports_languages_and_version() -> None:
    engine = engines.get("espeak")
    assert engine.supports("kk") and engine.supports("zh") and not engine.supports("xx")
    assert engine.default_voice("zh") == "cmn"
    assert engine.available() is None
    assert engine.version.startswith("espeak-ng 1.")
    assert "espeak" in engines.engines_for("kk")


def test_chinese_voice_never_switches_to_english_on_the_seed() -> None:
    engine = EspeakEngine()
    loaded = load(SAMPLE)
    seen = set()
    for pair in loaded.pairs:
        text = pair.text("zh")
        seen.update(text)
        clauses = engine.phonemes(text, voice="cmn")
        switches = [c for c in clauses if "(en)" in c or "(" in c]
        assert not switches, f"pair {pair.index}: espeak switched language in {switches[:1]}"
    # Every character of the seed's Chinese, one at a time, too.
    for char in sorted(seen):
        assert "(en)" not in "".join(engine.phonemes(char, voice="cmn")), char


def test_latin_letters_do_switch_so_the_check_can_fail() -> None:
    assert any("(en)" in c for c in EspeakEngine().phonemes("最后 ABC", voice="cmn"))
