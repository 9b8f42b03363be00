"""The speech layer: engines behind one protocol, a registry, and request chunking.

An engine turns one paragraph into `Audio`; the registry picks one engine per
language from a book's chain.
"""

from ..audio.pcm import Audio
from .engine import Engine
from .registry import choose, credits, engines_for, get, names, register

__all__ = ["Audio", "Engine", "choose", "credits", "engines_for", "get", "names", "register"]
