"""The base class every speech engine subclasses: text in, typed `Audio` out.

Four members are abstract (`version`, `supports`, `default_voice`,
`synthesize`); every other capability has a default here, so an engine
overrides only what it has and callers never probe for a method. Heavy
imports (ctypes libraries, network clients, ONNX runtimes) happen inside
each adapter, when it is first used.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Mapping
from typing import Any

from ..audio.pcm import Audio


class Engine(abc.ABC):
    """What every speech engine provides; the optional methods' defaults suit an engine
    with one voice per language, no voice files and no rate of its own."""

    name: str
    #: True when the engine needs the network (it then keeps its own thread pool).
    networked: bool = False
    #: The `[language.X] options` this engine reads; it is given only these.
    option_names: frozenset[str] = frozenset()

    # --- required: a subclass without one of these cannot be made ----------------------

    @property
    @abc.abstractmethod
    def version(self) -> str:
        """Part of every clip's cache key: a new engine version re-makes clips."""

    @abc.abstractmethod
    def supports(self, lang: str) -> bool:
        """Whether this engine can speak the BCP-47 language."""

    @abc.abstractmethod
    def default_voice(self, lang: str) -> str:
        """The voice used for a language when book.toml names none."""

    @abc.abstractmethod
    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak one paragraph."""

    # --- optional, with defaults ------------------------------------------------------

    def available(self, options: Mapping[str, Any] | None = None) -> str | None:
        """None when usable now (with these options), else a one-line reason it is not.
        Default: always usable."""
        return None

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """Raise ConfigError (one line: what is wrong, how to fix it) for a voice or option
        value this engine cannot use. Runs for every engine of a chain, before any
        synthesis, offline. Default: everything is accepted."""
        return None

    def resolve_voice(self, lang: str, voice: str) -> str:
        """The voice that speaks when book.toml's voice setting for a language is `voice`
        (e.g. "kk" → Piper's Kazakh voice). Default: the setting itself."""
        return voice

    def voice_identity(self, lang: str, voice: str, options: Mapping[str, Any]) -> str:
        """What identifies the sound of a (resolved) voice, for the clip key: checks voice and
        options of the chosen engine (raising ReaderError) first. Default: the version."""
        return self.version

    def credits(self, voice: str) -> str | None:
        """The attribution a voice requires (its licence), or None (the default) when
        the engine owes none."""
        return None

    def options_at_speed(self, options: Mapping[str, Any], speed: float) -> dict[str, Any] | None:
        """The options that speak `speed` times as fast with the engine's own rate, or None
        (the default) when it has none: the audio is then time-stretched."""
        return None

    def voices_for(self, lang: str) -> list[str]:
        """The voices this engine offers for a language, its default first (for
        `reader voices list`). Default: the default voice alone."""
        return [self.default_voice(lang)]


_cpu_share: int | None = None


def set_cpu_share(threads: int) -> None:
    """Set how many threads an engine may use in this process (a build's worker share).

    The build calls it in each worker process it starts, with cores // workers,
    so that engines with their own thread pools (onnxruntime) never run more
    threads than the machine has cores.
    """
    global _cpu_share
    _cpu_share = max(1, threads)


def cpu_share() -> int:
    """Threads an engine may use here: the worker's share, else every core."""
    return _cpu_share or os.cpu_count() or 1
