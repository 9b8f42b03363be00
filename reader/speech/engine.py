"""The protocol every speech engine implements: text in, typed `Audio` out.

Heavy imports (ctypes libraries, network clients, ONNX runtimes) happen inside
each adapter, when it is first used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ..audio.pcm import Audio


@runtime_checkable
class Engine(Protocol):
    """What every speech engine provides."""

    name: str
    #: True when the engine needs the network (it then keeps its own thread pool).
    networked: bool

    @property
    def version(self) -> str:
        """Part of every clip's cache key: a new engine version re-makes clips."""
        ...

    def supports(self, lang: str) -> bool:
        """Whether this engine can speak the BCP-47 language."""
        ...

    def available(self, options: Mapping[str, Any] | None = None) -> str | None:
        """None when usable now (with these options), else a one-line reason it is not."""
        ...

    def default_voice(self, lang: str) -> str:
        """The voice used for a language when book.toml names none."""
        ...

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak one paragraph."""
        ...


@runtime_checkable
class Checked(Protocol):
    """An engine that can tell, before any synthesis, that a voice or option cannot work."""

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """Raise ConfigError (one line: what is wrong, how to fix it) when it cannot."""
        ...
