"""Worker processes that never outlive the build, and stop at once when it is interrupted.

Each worker asks the kernel to kill it when its parent dies (Linux
PR_SET_PDEATHSIG), so a build killed with SIGKILL leaves no worker behind to
hold its output pipe open; and ignores SIGINT, so Ctrl-C in a terminal reaches
only the build, which then kills its workers itself instead of waiting for
them (a worker interrupted mid-task could hang the pool).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal

from ..processes import die_with_parent, keep_freed_memory
from ..speech.engine import set_cpu_share


def _init_worker(parent: int, threads: int | None = None) -> None:
    die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_freed_memory()
    if threads is not None:
        set_cpu_share(threads)


def process_pool(workers: int, threads: int | None = None) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of `workers` spawned processes tied to this one's life.

    `threads`: how many threads an engine with its own thread pool (onnxruntime)
    may use in each worker, so that threads × workers stay within the cores.
    """
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker, initargs=(os.getpid(), threads),
    )


def stop_now(pool: concurrent.futures.Executor) -> None:
    """Cancel what has not started and, for processes, kill what is running; don't wait."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    pool.shutdown(wait=isinstance(pool, concurrent.futures.ProcessPoolExecutor),
                  cancel_futures=True)
