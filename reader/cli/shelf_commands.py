"""`reader build SHELF` and `reader check SHELF`: every book, a table at the end, failures named.

build_command and check_command (book_commands) hand a shelf (a folder of books) here.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..errors import ReaderError
from ..pipeline.clips import ClipJob
from ..pipeline.events import Events
from ..pipeline.loading import load
from ..pipeline.options import BuildOptions
from ..pipeline.shelf import BookOutcome, book_folders, build_shelf, exit_code
from .common import err, format_duration, out


class _BookEvents(Events):
    """One progress bar per book; engine choices and notes prefixed with the book."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress, self.name = progress, name
        self.task = progress.add_task(name, total=None)

    def engines_chosen(self, chosen: dict[str, str]) -> None:
        err.print(f"{self.name}: engines: "
                  + ", ".join(f"{lang} → {engine}" for lang, engine in chosen.items()))

    def clips_planned(self, total: int, to_make: int) -> None:
        self.progress.update(self.task, total=total)

    def clip_done(self, job: ClipJob, made: bool) -> None:
        self.progress.advance(self.task)

    def message(self, text: str) -> None:
        err.print(f"[yellow]note:[/] {escape(self.name)}: {escape(text)}", markup=True)


def outcome_table(outcomes: list[BookOutcome]) -> Table:
    """book, duration, chapters, clips made/reused, status: one row per book."""
    table = Table(title=f"{len(outcomes)} book{'s' if len(outcomes) != 1 else ''}")
    for name, justify in (("book", "left"), ("duration", "right"), ("chapters", "right"),
                          ("clips made", "right"), ("reused", "right"), ("status", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for outcome in outcomes:
        report = outcome.report
        if report is None:
            status = "failed: bad input" if outcome.exit_code == 2 else "failed"
            table.add_row(outcome.folder.name, "", "", "", "", status)
            continue
        status = "unchanged" if report.unchanged else "built"
        table.add_row(outcome.folder.name, format_duration(report.duration), str(report.chapters),
                      str(report.synthesised), str(report.reused), status)
    return table


def run_shelf(folder: Path, options: BuildOptions, *, formats: tuple[str, ...],
                  split: str | None, order: tuple[str, ...] | None,
                  engine_chains: dict[str, tuple[str, ...]], unit: str | None = None,
                  pattern: str | None = None, preset: str | None = None) -> None:
    """Build every book in the folder, print the table, and exit 1 (or 2) naming each failure."""
    columns = (TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        outcomes = build_shelf(
            folder, options, formats=formats, split=split, order=order,
            engine_chains=engine_chains, unit=unit, pattern=pattern, preset=preset,
            events_for=lambda book_dir: _BookEvents(progress, book_dir.name))
    for outcome in outcomes:
        if outcome.report is not None:
            for warning in outcome.report.warnings:
                err.print(f"[yellow]warning:[/] {escape(outcome.folder.name)}: "
                          f"{escape(warning)}", markup=True)
    out.print(outcome_table(outcomes))
    failed = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in failed:
        first = outcome.error.splitlines()[0] if outcome.error else "failed"
        err.print(f"[bold red]error:[/] {escape(outcome.folder.name)}: {escape(first)}",
                  markup=True, soft_wrap=True)
    if failed:
        err.print(f"{len(failed)} of {len(outcomes)} books failed: "
                  + ", ".join(outcome.folder.name for outcome in failed))
        raise typer.Exit(exit_code(outcomes))


def check_shelf(folder: Path, *, order: tuple[str, ...] | None, unit: str | None,
                    pattern: str | None) -> None:
    """Read and pair every book in the folder: one row each; exit 2 (or 1) naming failures."""
    table = Table(title=f"{folder.name}: books")
    for name in ("book", "languages", "pairs", "status"):
        table.add_column(name, justify="right" if name == "pairs" else "left")
    failures: list[tuple[Path, str, int]] = []
    warnings: list[str] = []
    for book_dir in book_folders(folder):
        try:
            loaded = load(book_dir, order=order, unit=unit, pattern=pattern)
        except ReaderError as exc:
            failures.append((book_dir, str(exc).splitlines()[0], exc.exit_code))
            table.add_row(book_dir.name, "", "", "bad input" if exc.exit_code == 2 else "failed")
            continue
        table.add_row(book_dir.name, ", ".join(loaded.book.order), str(len(loaded.pairs)), "ok")
        warnings += [f"{book_dir.name}: {warning}" for warning in loaded.warnings]
    out.print(table)
    for warning in warnings:
        err.print(f"warning: {warning}")
    for book_dir, first, _code in failures:
        err.print(f"error: {book_dir.name}: {first}")
    if failures:
        total = len(book_folders(folder))
        err.print(f"{len(failures)} of {total} books have problems: "
                  + ", ".join(book_dir.name for book_dir, _, _ in failures))
        raise typer.Exit(2 if all(code == 2 for _, _, code in failures) else 1)
