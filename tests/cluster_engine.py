"""A test engine for Dask workers: espeak, except that it kills its own worker process the
first time it meets a given paragraph (a marker file records that it did).

It reaches the workers through a WorkerPlugin, which the scheduler also gives to
the worker that replaces a killed one.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from reader import speech
from reader.audio.pcm import Audio
from reader.speech.espeak import EspeakEngine


class KillingEngine(EspeakEngine):
    """espeak that SIGKILLs its process on `fatal` text, once (while `marker` does not exist)."""

    name = "killing"

    def __init__(self, marker: Path, fatal: str) -> None:
        super().__init__()
        self.marker, self.fatal = marker, fatal

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        if self.fatal in text and not self.marker.exists():
            self.marker.write_text(str(os.getpid()), encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-task, no clean-up
        return super().synthesize(text, lang=lang, voice=voice, options=options)


def register(marker: Path, fatal: str) -> None:
    """Make the killing engine available in this process."""
    speech.register("killing", lambda: KillingEngine(marker, fatal))


class RegisterKillingEngine(WorkerPlugin):
    """Registers the killing engine on every worker, present and future."""

    def __init__(self, marker: Path, fatal: str) -> None:
        self.marker, self.fatal = marker, fatal

    def setup(self, worker: Any) -> None:
        register(self.marker, self.fatal)
