"""Child processes that end with their parent, and memory that a busy process keeps."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1
#: glibc's mallopt parameters, and the largest mmap threshold it accepts (64-bit).
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent exits (Linux; elsewhere nothing).

    Called first thing in every process reader starts that runs Python code,
    so that no worker outlives a build killed with SIGKILL and keeps its
    output pipe open. The setting is not inherited by a fork's child.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        return


def keep_freed_memory() -> None:
    """Have malloc keep freed memory for reuse instead of handing it back (glibc; else nothing).

    Mastering a clip makes a dozen arrays of the clip's length; by default
    glibc maps each (over 128 KB) fresh from the kernel and unmaps it when
    freed, so every one is faulted in and zeroed page by page again: about a
    tenth of a build's CPU time. With arrays up to 32 MB taken from the heap and
    the heap never trimmed, a worker reuses the same pages clip after clip; its
    memory stays at its high-water mark (tens of MB).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    mallopt(_M_TRIM_THRESHOLD, 8 * _MMAP_THRESHOLD_MAX)
    mallopt(_M_TOP_PAD, 2 * _MMAP_THRESHOLD_MAX)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: stop like Ctrl-C, with the signal's exit status."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


@contextlib.contextmanager
def terminations_raise() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise `Terminated` in the main thread."""
    def handler(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
