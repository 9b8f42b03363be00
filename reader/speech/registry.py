"""The engine registry: names → engines, and choosing one engine per language from a chain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import EngineUnavailable
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
    credit = getattr(get(engine), "credits", None)
    return str(credit(voice)) if credit is not None else None


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
