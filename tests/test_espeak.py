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


# --- the speaker: a helper process that forks a pristine espeak per utterance -------------


def test_the_same_text_gives_the_same_samples_whatever_was_spoken_before() -> None:
    """espeak-ng carries state from one utterance to the next in C statics; each is spoken
    by a fresh fork of a process that never speaks, so a clip depends on its text alone."""
    engine = EspeakEngine()
    text = "Ауыл тұрғындарының табысы 2020 жылы екі есе өсті."

    def spoken() -> bytes:
        return engine.synthesize(text, lang="kk", voice="kk", options={}).samples

    first = spoken()
    engine.synthesize("最后一公里。", lang="zh", voice="cmn", options={"rate": 300})
    assert spoken() == first


def test_a_clip_longer_than_the_speakers_relay_arrives_whole_and_the_next_one_too() -> None:
    """The speaker passes a child's answer on a megabyte at a time: a clip of several
    megabytes comes whole (its last word ends where its samples end), and the answers
    after it stay in step (a short text then gives the samples it gives alone)."""
    from reader.speech.espeak import _RELAY

    engine = EspeakEngine()
    short = engine.synthesize("Екі.", lang="kk", voice="kk", options={}).samples
    text = " ".join(["Ауыл тұрғындарының табысы екі есе өсті."] * 40)
    long = engine.synthesize(text, lang="kk", voice="kk", options={})
    assert len(long.samples) > 2 * _RELAY
    assert isinstance(long.samples, bytearray)  # the buffer it was received into, not a copy
    assert long.marks[-1].end == long.frames
    assert long.marks[-1].text_end == len(text) - 1  # the last word, without its full stop
    assert engine.synthesize("Екі.", lang="kk", voice="kk", options={}).samples == short


def test_a_failed_request_reports_the_childs_message_and_the_speaker_goes_on() -> None:
    from reader.errors import EngineError

    engine = EspeakEngine()
    before = engine.synthesize("Үш.", lang="kk", voice="kk", options={}).samples
    with pytest.raises(EngineError, match="espeak: no voice 'xx'; try kk or cmn"):
        engine.synthesize("Үш.", lang="kk", voice="xx", options={})
    assert engine.synthesize("Үш.", lang="kk", voice="kk", options={}).samples == before


def _speaker_pid() -> int:
    from reader.speech.espeak import _LIBRARY

    EspeakEngine().synthesize("Бір.", lang="kk", voice="kk", options={})
    assert _LIBRARY.speaker is not None
    return _LIBRARY.speaker[1]


def test_the_speaker_holds_none_of_the_parents_files() -> None:
    """A build's pipes must close when their owner does: the speaker keeps only stdio
    and its socket, whatever the process that started it had open."""
    import os
    import stat

    pid = _speaker_pid()
    kept = {int(fd) for fd in os.listdir(f"/proc/{pid}/fd")}
    sockets = {fd for fd in kept - {0, 1, 2}
               if stat.S_ISSOCK(os.stat(f"/proc/{pid}/fd/{fd}").st_mode)}
    assert kept - {0, 1, 2} == sockets and len(sockets) == 1, kept


def test_a_killed_speaker_is_replaced_and_speaks_the_same() -> None:
    import os
    import signal

    engine = EspeakEngine()
    before = engine.synthesize("Екі.", lang="kk", voice="kk", options={}).samples
    pid = _speaker_pid()
    os.kill(pid, signal.SIGKILL)
    assert engine.synthesize("Екі.", lang="kk", voice="kk", options={}).samples == before
    assert _speaker_pid() != pid


def test_the_speaker_ends_with_the_process_that_started_it(tmp_path) -> None:
    """Even when that process ends without cleaning up (os._exit, as a killed worker)."""
    import os
    import select
    import subprocess
    import sys

    script = ("import os\nfrom reader.speech.espeak import EspeakEngine, _LIBRARY\n"
              "EspeakEngine().synthesize('Үш.', lang='kk', voice='kk', options={})\n"
              "print(_LIBRARY.speaker[1], flush=True)\nos._exit(0)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    pid = int(done.stdout)
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # already gone
    try:
        assert select.select([handle], [], [], 30)[0], "the speaker outlived its parent"
    finally:
        os.close(handle)
