"""Shelf builds: every book on a shelf, one clip cache and one worker pool.

A shelf is a folder of books: a folder without a book.toml whose subfolders
hold one each (`texts/`). A `shelf.toml` in it (see reader/pronounce.py) also
lets its books share lexicon files. Every book is read and paired first, so a book with bad input
is reported before anything is synthesised; then the others are built one
after another on one pool of workers (or the caller's cluster). A book that
fails does not stop the rest: its error is recorded and the next book starts.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ReaderError
from .events import Events
from .loading import LoadedBook, load
from .options import BuildOptions
from .workers import process_pool, stop_now

if TYPE_CHECKING:
    from .build import BuildReport


@dataclass(frozen=True)
class BookOutcome:
    """One book of a shelf build: its report, or the error that stopped it."""

    folder: Path
    report: BuildReport | None = None
    error: str = ""
    #: The error's exit code (2: the book's input must be fixed; 1: anything else).
    exit_code: int = 0
    written: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the book was built."""
        return self.report is not None


def is_shelf(folder: Path) -> bool:
    """True for a shelf (a folder of books): no book.toml of its own, and subfolders that have one."""
    return (folder.is_dir() and not (folder / "book.toml").exists()
            and bool(book_folders(folder)))


def book_folders(folder: Path) -> list[Path]:
    """The subfolders holding a book.toml, by name."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "book.toml").is_file())


def exit_code(outcomes: list[BookOutcome]) -> int:
    """0 when every book was built; 2 when every failure was bad input; else 1.

    Bad input alone means editing the books is the fix (as for one book); any
    other failure (an engine, ffmpeg, a worker) may pass when run again.
    """
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return 0
    return 2 if all(o.exit_code == 2 for o in failed) else 1


def _spawn_pool(jobs: int) -> concurrent.futures.Executor:
    # Each worker gets its share of the cores for engines with thread pools (as in clips).
    return process_pool(jobs, threads=max(1, (os.cpu_count() or 1) // jobs))


def build_shelf(
    folder: Path, options: BuildOptions, *,
    formats: tuple[str, ...],
    split: str | None = None,
    order: tuple[str, ...] | None = None,
    engine_chains: dict[str, tuple[str, ...]] | None = None,
    unit: str | None = None,
    pattern: str | None = None,
    preset: str | None = None,
    events_for: Callable[[Path], Events] = lambda _folder: Events(),
) -> list[BookOutcome]:
    """Build every book in `folder` into `options.out`; one outcome per book, in name order.

    Builds share `options.executor` when the caller gives one (a Dask cluster),
    else one process pool of `options.jobs` workers made here.
    """
    from .build import build  # the output writers: not needed to tell or check a shelf

    loaded: dict[Path, LoadedBook] = {}
    outcomes: dict[Path, BookOutcome] = {}
    books = book_folders(folder)
    for book_dir in books:  # every book's input is checked before anything is synthesised
        try:
            loaded[book_dir] = load(book_dir, order=order, engine_chains=engine_chains,
                                    unit=unit, pattern=pattern, preset=preset)
        except ReaderError as exc:
            outcomes[book_dir] = BookOutcome(book_dir, error=str(exc), exit_code=exc.exit_code)
    own_pool = options.executor is None and options.jobs > 1 and bool(loaded)
    pool = _spawn_pool(options.jobs) if own_pool else options.executor
    try:
        for book_dir, book in loaded.items():
            shared = dataclasses.replace(options, executor=pool)
            try:
                report = build(book, shared, events_for(book_dir), formats=formats, split=split)
                outcomes[book_dir] = BookOutcome(book_dir, report,
                                                 written=tuple(report.written))
            except ReaderError as exc:
                outcomes[book_dir] = BookOutcome(book_dir, error=str(exc),
                                                 exit_code=exc.exit_code)
            except concurrent.futures.process.BrokenProcessPool as exc:
                # A worker process died (killed, out of memory): this book fails, and the
                # next ones get a fresh pool rather than the broken one.
                outcomes[book_dir] = BookOutcome(
                    book_dir, error=f"a worker process died while building it ({exc}); "
                    "run the build again to finish it", exit_code=1)
                if own_pool and pool is not None:
                    stop_now(pool)
                    pool = _spawn_pool(options.jobs)
    except BaseException:
        # Ctrl-C, SIGTERM: what is running is killed, not awaited (as for one book).
        if own_pool and pool is not None:
            stop_now(pool)
            pool = None
        raise
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=True)
    return [outcomes[book_dir] for book_dir in books]

