"""The protocol every speech engine implements: text in, typed `Audio` out.

Heavy imports (ctypes libraries, network clients, ONNX runtimes) happen inside
each adapter, when it is first used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ..audio.pcm import Audio


@runtime_checkable
class Engine(Protocol):
    """What every speech engine provides."""

    name: str
    #: True when the engine needs the network (it then keeps its own thread pool).
    networked: bool
    #: The `[language.X] options` this engine reads; it is given only these.
    option_names: frozenset[str]

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

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """Raise ConfigError (one line: what is wrong, how to fix it) for a voice or option
        value this engine cannot use. Runs before any synthesis, offline."""
        ...

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak one paragraph."""
        ...


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
