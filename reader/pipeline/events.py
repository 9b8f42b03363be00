"""What a build reports while it runs: the library calls these hooks, the CLI shows them."""

from __future__ import annotations

from .clip_job import ClipJob


class Events:
    """What a build reports while it runs; the CLI overrides these."""

    def engines_chosen(self, chosen: dict[str, str]) -> None:
        """Called once, before synthesis, with lang → "engine (voice)"."""

    def clips_planned(self, total: int, to_make: int) -> None:
        """Called before synthesis with the number of clips and how many are new."""

    def clip_done(self, job: ClipJob, made: bool) -> None:
        """Called for each clip as it becomes available."""

    def message(self, text: str) -> None:
        """A warning or a note worth showing."""

    def step(self, name: str) -> None:
        """Called when a step after synthesis starts ("the MP3", "m4b", …)."""
