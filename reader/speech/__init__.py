"""The speech layer: engines behind one base class, a registry, and request chunking.

An engine turns one paragraph into `Audio`; the registry resolves each language
of a book to the engine, voice and options that speak it.
"""

from ..audio.pcm import Audio
from .engine import Engine
from .registry import (
    Resolved,
    choose,
    credits,
    engine_options,
    engines_for,
    get,
    names,
    register,
    resolve,
    settle,
)

__all__ = ["Audio", "Engine", "Resolved", "choose", "credits", "engine_options", "engines_for",
           "get", "names", "register", "resolve", "settle"]
