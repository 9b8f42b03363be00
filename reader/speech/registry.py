"""The engine registry: names → engines, and resolving a language to the engine, voice
and options that speak it.

`resolve` is the one place a language's settings become what speaks it: the
build's clip plan, `say` and a remote worker's version check all go through
it (or its second half, `settle`), so they choose, check and key alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Voice
from ..errors import EngineUnavailable, ReaderError
from .engine import Engine

_REGISTRY: dict[str, Callable[[], Engine]] = {}
_INSTANCES: dict[str, Engine] = {}


def register(name: str, factory: Callable[[], Engine]) -> None:
    """Make an engine available under a name (used in book.toml and --engine)."""
    _REGISTRY[name] = factory
    _INSTANCES.pop(name, None)


def names() -> list[str]:
    """Registered engine names."""
    _load_builtins()
    return sorted(_REGISTRY)


def get(name: str) -> Engine:
    """The engine registered under a name (one instance per process)."""
    _load_builtins()
    if name not in _REGISTRY:
        raise EngineUnavailable(
            f"unknown engine {name!r}; available engines: {', '.join(sorted(_REGISTRY))}"
        )
    if name not in _INSTANCES:
        _INSTANCES[name] = _REGISTRY[name]()
    return _INSTANCES[name]


def credits(engine: str, voice: str) -> str | None:
    """The attribution a voice requires (its licence), or None when its engine owes none."""
    return get(engine).credits(voice)


def engines_for(lang: str) -> list[str]:
    """Names of the registered engines that can speak a language."""
    return [name for name in names() if get(name).supports(lang)]


def choose(
    lang: str, chain: tuple[str, ...], *, offline: bool = False, skipped: list[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> Engine:
    """The first engine of a chain that speaks the language and is available now.

    Why each engine before it was passed over is appended to `skipped`.
    """
    reasons: list[str] = []
    for name in chain:
        engine = get(name)
        if not engine.supports(lang):
            reasons.append(f"{name} cannot speak {lang!r}")
            continue
        if offline and engine.networked:
            reasons.append(f"{name} needs the network (--offline)")
            continue
        why = engine.available(options)
        if why is None:
            if skipped is not None:
                skipped.extend(reasons)
            return engine
        reasons.append(f"{name}: {why}")
    able = ", ".join(engines_for(lang)) or "none"
    raise EngineUnavailable(
        f"no engine can speak {lang!r} here ({'; '.join(reasons)}); "
        f"engines that speak {lang!r}: {able}; set [language.{lang}] engine in book.toml "
        f"or pass --engine {lang}=ENGINE"
    )


@dataclass(frozen=True)
class Resolved:
    """What speaks a language: the engine, its voice and the options it reads, and the
    identity that goes into every clip key (the engine's version, or its voice's)."""

    lang: str
    engine: Engine
    voice: str
    options: tuple[tuple[str, Any], ...]
    identity: str

    @property
    def label(self) -> str:
        """"espeak (kk)": how builds and `say` name what spoke."""
        return f"{self.engine.name} ({self.voice})"


def engine_options(engine: Engine, options: tuple[tuple[str, Any], ...]
                   ) -> tuple[tuple[str, Any], ...]:
    """The options an engine reads, of those a language sets."""
    return tuple((key, value) for key, value in options if key in engine.option_names)


def settle(engine: Engine, lang: str, voice: str, options: tuple[tuple[str, Any], ...]
           ) -> Resolved:
    """An engine's voice and options for a language, checked, with their identity.

    The voice setting is resolved (book.toml's "kk" → Piper's Kazakh voice),
    the options narrowed to those the engine reads, and the engine asked for
    the identity, which checks voice and options (ReaderError, before any
    synthesis). Settling a Resolved's own voice and options gives it back.
    """
    voice = engine.resolve_voice(lang, voice)
    options = engine_options(engine, options)
    return Resolved(lang, engine, voice, options,
                    engine.voice_identity(lang, voice, dict(options)))


def resolve(lang: str, settings: Voice, *, offline: bool = False,
            skipped: list[str] | None = None, where: str = "") -> Resolved:
    """The engine, voice and options that speak `lang` with a book's settings for it.

    The first available engine of the chain (see `choose`), the voice the
    settings name for it or its default, settled (see `settle`). A bad voice or
    option raises its ReaderError, prefixed with `where` (e.g. "book.toml
    [language.kk]").
    """
    engine = choose(lang, settings.engines, offline=offline, skipped=skipped,
                    options=dict(settings.options))
    voice = settings.voice_for(engine.name) or engine.default_voice(lang)
    try:
        return settle(engine, lang, voice, settings.options)
    except ReaderError as exc:
        if not where:
            raise
        raise type(exc)(f"{where}: {exc}") from None


_builtins_loaded = False


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    from .edge import EdgeEngine
    from .espeak import EspeakEngine
    from .gtts_engine import GttsEngine
    from .piper import PiperEngine

    _REGISTRY.setdefault("espeak", EspeakEngine)
    _REGISTRY.setdefault("gtts", GttsEngine)
    _REGISTRY.setdefault("edge", EdgeEngine)
    _REGISTRY.setdefault("piper", PiperEngine)
