"""The build lock: one build writes a book's output folder at a time."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import BusyError
from .events import Events


@contextlib.contextmanager
def locked(folder: Path, events: Events, waiting: str | None = None) -> Iterator[None]:
    """Hold the lock file in `folder`; a second build of the same book waits for the first.

    `waiting` is the note given when another holder makes this one wait.

    The lock file is opened without following a symbolic link and never
    truncated, so a link planted in its place cannot make the tool empty a
    file elsewhere.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".lock"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BusyError(f"{path}: is a symbolic link, not the build's lock file; "
                            "remove it and build again") from None
        raise
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            events.message(waiting or f"another build is writing {folder}; "
                           "waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
