"""Locks: one build writes a book's output folder at a time, and clean removes
clips from a clip cache only while no build is using it.

Order, to rule out a deadlock: the cache's lock is taken before a book's lock,
by builds and by clean alike.
"""

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
def locked(folder: Path, events: Events, waiting: str | None = None, *,
           shared: bool = False) -> Iterator[None]:
    """Hold the lock file in `folder`; a second build of the same book waits for the first.

    `waiting` is the note given when another holder makes this one wait;
    `shared` holders (builds using one clip cache) wait only for an exclusive one.

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
            raise BusyError(f"{path}: is a symbolic link, not the tool's lock file; "
                            "remove it and run the command again") from None
        raise
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            events.message(waiting or f"another build is writing {folder}; "
                           "waiting for it to finish")
            fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)


def using_cache(root: Path, events: Events) -> contextlib.AbstractContextManager[None]:
    """A build's hold on a clip cache (shared: builds run side by side; clean waits)."""
    return locked(root, events, f"clean is removing clips from the clip cache {root}; "
                  "waiting for it to finish", shared=True)


def cleaning_cache(root: Path, events: Events) -> contextlib.AbstractContextManager[None]:
    """Clean's hold on a clip cache (exclusive: no build is using any of its clips)."""
    return locked(root, events, f"a build is using the clip cache {root}; "
                  "clean waits for it to finish")
