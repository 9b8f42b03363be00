"""A book's voice settings checked against its engines, before anything is synthesised.

Every engine of a language's chain that can speak it checks the voice it
would use and the options it reads; an option that no engine of the chain
reads is refused. `check` and `build` both run this (through `load`), so they
agree, and a bad setting stops a build before its first clip.
"""

from __future__ import annotations

from typing import Any

from .. import speech
from ..config import Book
from ..errors import ConfigError, EngineUnavailable


def engine_options(engine: speech.Engine, options: tuple[tuple[str, Any], ...]
                   ) -> tuple[tuple[str, Any], ...]:
    """The options an engine reads, of those a language sets."""
    return tuple((key, value) for key, value in options if key in engine.option_names)


def check_voices(book: Book) -> None:
    """Raise ConfigError naming book.toml for an unknown engine, voice or option."""
    for lang in book.order:
        settings = book.voice(lang)
        where = f"{book.toml_path}: [language.{lang}]"
        known: set[str] = set()
        for name in settings.engines:
            try:
                engine = speech.get(name)
            except EngineUnavailable as exc:
                raise ConfigError(f"{where} engine: {exc}") from None
            known |= engine.option_names
            if not engine.supports(lang):
                continue
            voice = settings.voice_for(name) or engine.default_voice(lang)
            try:
                engine.check(lang, voice, dict(engine_options(engine, settings.options)))
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        unknown = sorted({key for key, _ in settings.options} - known)
        if unknown:
            readers = ", ".join(sorted(known)) or "none"
            raise ConfigError(
                f"{where} options: no engine of the chain ({', '.join(settings.engines)}) "
                f"reads {unknown[0]!r}; options they read: {readers}")
