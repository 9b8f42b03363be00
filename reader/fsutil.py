"""Crash-safe file writing: temporary name in the same folder, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it into place on success.

    On any error (or a kill) the final name is never left half-written; the
    temporary file is removed when Python gets the chance.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def write_bytes(final: Path, data: bytes) -> None:
    """Write a whole file atomically."""
    with atomic_path(final) as temp:
        temp.write_bytes(data)
