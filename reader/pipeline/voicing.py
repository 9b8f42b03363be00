"""A book's voice settings checked against its engines, before anything is synthesised.

Every engine of a language's chain that can speak it checks the voice it
would use and the options it reads; an option that no engine of the chain
reads is refused. `check` and `build` both run this (through `load`), so they
agree, and a bad setting stops a build before its first clip.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import speech
from ..config import Book
from ..errors import ConfigError, EngineError, EngineUnavailable


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
                engine.check(lang, voice, dict(speech.engine_options(engine, settings.options)))
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        unknown = sorted({key for key, _ in settings.options} - known)
        if unknown:
            readers = ", ".join(sorted(known)) or "none"
            raise ConfigError(
                f"{where} options: no engine of the chain ({', '.join(settings.engines)}) "
                f"reads {unknown[0]!r}; options they read: {readers}")


def voice_changes(book: Book, previous: dict[str, str], chosen: dict[str, str],
                  to_make: Callable[[str], int], *, offline: bool) -> list[str]:
    """One line per language whose engine or voice differs from the book's last build.

    `previous` and `chosen` map a language to "engine (voice)"; `to_make`
    counts the clips a language still needs (asked only for a language that
    changed). When the last build used an online engine that the book's chain
    still names but that cannot be reached now, the build stops (EngineError,
    exit 1) rather than silently re-voicing the whole book with the next engine
    of the chain.
    """
    lines = []
    for lang, now in chosen.items():
        before = previous.get(lang)
        if before is None or before == now:
            continue
        engine = before.split(" ", 1)[0]
        chain = book.voice(lang).engines
        if (not offline and engine in chain and engine in speech.names()
                and speech.get(engine).networked and not now.startswith(engine + " ")):
            raise EngineError(
                f"{lang}: the last build of {book.id} spoke it with {before}, which cannot be "
                f"reached now; rather than re-voice the book with {now} "
                f"({to_make(lang)} clips to make), the build stops. Build again when "
                f"{engine} is reachable, or switch on purpose: --offline, or "
                f"--engine {lang}=ENGINE")
        lines.append(f"{lang}: {before} → {now}: {to_make(lang)} clips to make")
    return lines
