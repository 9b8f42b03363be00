"""A test engine for Dask workers: espeak, except that the first time it meets a given
paragraph it kills the Dask scheduler (whose process id a file holds) and then speaks it.

It reaches the workers through a WorkerPlugin registered before the build.
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


class SchedulerKillingEngine(EspeakEngine):
    """espeak that SIGKILLs the scheduler on `fatal` text, once (while `marker` does not exist)."""

    name = "scheduler-killing"

    def __init__(self, pid_file: Path, marker: Path, fatal: str) -> None:
        super().__init__()
        self.pid_file, self.marker, self.fatal = pid_file, marker, fatal

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        if self.fatal in text and not self.marker.exists():
            self.marker.write_text("killed", encoding="utf-8")
            os.kill(int(self.pid_file.read_text(encoding="utf-8")), signal.SIGKILL)
        return super().synthesize(text, lang=lang, voice=voice, options=options)


def register(pid_file: Path, marker: Path, fatal: str) -> None:
    """Make the engine available in this process."""
    speech.register("scheduler-killing",
                    lambda: SchedulerKillingEngine(pid_file, marker, fatal))


class RegisterEngine(WorkerPlugin):
    """Registers the engine on every worker."""

    def __init__(self, pid_file: Path, marker: Path, fatal: str) -> None:
        self.pid_file, self.marker, self.fatal = pid_file, marker, fatal

    def setup(self, worker: Any) -> None:
        register(self.pid_file, self.marker, self.fatal)
