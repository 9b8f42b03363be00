"""The engine base class and the one resolution of a language to (engine, voice, options).

Fake engines registered through the registry: one with only the four required
members (the base class's defaults do the rest), one that overrides the
optional ones, driven through the registry, a build, `say`, the worker's
version check and `reader voices list`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reader import speech
from reader.cli import app
from reader.config import Voice
from reader.errors import ConfigError
from reader.pipeline import clips
from reader.pipeline.loading import load
from reader.speech import Audio, Engine

from .conftest import write_book

runner = CliRunner()


def _tone(text: str) -> Audio:
    rate = 24000
    count = int(0.05 * max(1, len(text)) * rate)
    return Audio(b"".join(int(8000 * math.sin(2 * math.pi * 440 * i / rate)).to_bytes(
        2, "little", signed=True) for i in range(count)), rate)


class Minimal(Engine):
    """Only what the base class requires."""

    name = "minimal"
    version = "minimal 1"

    def supports(self, lang: str) -> bool:
        return lang in ("kk", "zh")

    def default_voice(self, lang: str) -> str:
        return f"{lang}-plain"

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        return _tone(text)


class Fancy(Minimal):
    """Reads one option, resolves a language tag to its own voice, keys clips by voice."""

    name = "fancy"
    version = "fancy 2"
    option_names = frozenset({"speed"})

    def resolve_voice(self, lang: str, voice: str) -> str:
        return f"Fancy-{voice}" if voice in ("kk", "zh") else voice

    def voice_identity(self, lang: str, voice: str, options: Mapping[str, Any]) -> str:
        if options.get("speed", 1) not in (1, 2):
            raise ConfigError(f"fancy option speed: {options['speed']!r}; use 1 or 2")
        return f"{self.version} / {voice}"

    def voices_for(self, lang: str) -> list[str]:
        return [f"Fancy-{lang}", f"Fancy-{lang}-slow"]


@pytest.fixture
def fakes() -> Iterator[None]:
    speech.register("minimal", Minimal)
    speech.register("fancy", Fancy)
    yield
    for name in ("minimal", "fancy"):
        speech.registry._REGISTRY.pop(name, None)
        speech.registry._INSTANCES.pop(name, None)


def test_the_base_class_gives_every_optional_capability_a_default(fakes: None) -> None:
    engine = speech.get("minimal")
    assert engine.networked is False and engine.option_names == frozenset()
    assert engine.available() is None and engine.available({"rate": 1}) is None
    assert engine.check("kk", "anything", {"rate": 1}) is None
    assert engine.resolve_voice("kk", "kk") == "kk"
    assert engine.voice_identity("kk", "kk-plain", {}) == "minimal 1"  # its version
    assert engine.credits("kk-plain") is None and speech.credits("minimal", "kk-plain") is None
    assert engine.options_at_speed({"rate": 160}, 0.8) is None  # no rate of its own: stretch
    assert engine.voices_for("zh") == ["zh-plain"]


def test_an_engine_without_a_required_member_cannot_be_made() -> None:
    class Mute(Engine):
        name = "mute"
        version = "mute 1"

        def supports(self, lang: str) -> bool:
            return True

        def default_voice(self, lang: str) -> str:
            return lang

    with pytest.raises(TypeError, match="synthesize"):
        Mute()  # type: ignore[abstract]


def test_an_engine_with_only_the_required_members_resolves(fakes: None) -> None:
    settings = Voice(engines=("minimal",), options=(("rate", 200),))
    resolved = speech.resolve("kk", settings)
    assert (resolved.engine.name, resolved.voice, resolved.options, resolved.identity) == (
        "minimal", "kk-plain", (), "minimal 1")  # rate is not an option it reads
    assert resolved.label == "minimal (kk-plain)"


def test_resolution_resolves_the_voice_narrows_the_options_and_keys_by_identity(
        fakes: None) -> None:
    settings = Voice(engines=("fancy",), voice="kk", options=(("speed", 2), ("tld", "com")))
    resolved = speech.resolve("kk", settings)
    assert resolved.voice == "Fancy-kk"
    assert resolved.options == (("speed", 2),)
    assert resolved.identity == "fancy 2 / Fancy-kk"
    # What a worker settles from a clip job's engine, voice and options is the same.
    assert speech.settle(resolved.engine, "kk", resolved.voice, resolved.options) == resolved


def test_a_bad_option_is_refused_by_resolution_naming_where(fakes: None) -> None:
    settings = Voice(engines=("fancy",), options=(("speed", 3),))
    with pytest.raises(ConfigError) as caught:
        speech.resolve("zh", settings, where="b/book.toml [language.zh]")
    assert str(caught.value) == "b/book.toml [language.zh]: fancy option speed: 3; use 1 or 2"


def test_resolution_reports_the_engines_passed_over(fakes: None) -> None:
    skipped: list[str] = []
    resolved = speech.resolve("en", Voice(engines=("minimal", "espeak")), skipped=skipped)
    assert resolved.engine.name == "espeak"
    assert skipped == ["minimal cannot speak 'en'"]


def _book(tmp_path: Path, speed: int) -> Path:
    toml = ('album = "T"\norder = ["kk", "zh"]\n'
            f'[language.kk]\nengine = ["fancy"]\nvoice = "kk"\noptions = {{ speed = {speed} }}\n'
            '[language.zh]\nengine = ["minimal"]\n')
    return write_book(tmp_path / "book", "Бірінші.\n\nЕкінші.\n", "第一。\n\n第二。\n", toml)


def test_the_worker_checks_the_identity_the_plan_keyed_by(fakes: None, tmp_path: Path) -> None:
    jobs, chosen = clips.plan_clips(load(_book(tmp_path, 2)))
    assert chosen == {"kk": "fancy (Fancy-kk)", "zh": "minimal (zh-plain)"}
    by_lang = {job.lang: job for job in jobs}
    assert clips._engine_version(by_lang["kk"]) == "fancy 2 / Fancy-kk"
    assert clips._engine_version(by_lang["zh"]) == "minimal 1"


def test_say_refuses_a_bad_option_with_the_message_build_gives(fakes: None,
                                                              tmp_path: Path) -> None:
    book = _book(tmp_path, 5)
    built = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "out")])
    said = runner.invoke(app, ["say", str(book), "--lang", "kk", "Сәлем",
                               "--out", str(tmp_path / "say.wav")])
    assert built.exit_code == said.exit_code == 2, (built.output, said.output)
    line = " ".join(built.output.split())
    assert "book.toml [language.kk]: fancy option speed: 5; use 1 or 2" in line
    assert " ".join(said.output.split()) == line
    assert not (tmp_path / "say.wav").exists()


def test_the_voices_listing_asks_every_registered_engine(fakes: None, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_VOICES", str(tmp_path / "voices"))
    result = runner.invoke(app, ["voices", "list", "--lang", "kk", "--json"])
    assert result.exit_code == 0, result.output
    (kk,) = json.loads(result.output)["languages"]
    assert kk["engines"]["minimal"] == ["kk-plain"]  # the default: its default voice
    assert kk["engines"]["fancy"] == ["Fancy-kk", "Fancy-kk-slow"]
