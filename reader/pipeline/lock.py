"""The build lock: one build writes a book's output folder at a time."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from ..errors import BusyError
from .options import Events


@contextlib.contextmanager
def locked(folder: Path, events: Events) -> Iterator[None]:
    """Hold the book's output lock; a second build waits for the first."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            events.message(f"another build is writing {folder}; waiting for it to finish")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError as exc:  # pragma: no cover - interrupted wait
                raise BusyError(f"{folder}: could not take the build lock ({exc})") from None
        yield
