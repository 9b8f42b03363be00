"""What every command shares: the app, the consoles, option types, and turning errors
into one line and an exit code.

ReaderError is caught only here (in `reported`) and becomes one readable line
on stderr with its exit code (2 for bad input, 1 for anything else); --debug
shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ..config import parse_engine_chain
from ..errors import ConfigError, ReaderError
from ..outputs import DEFAULT_FORMATS, FORMATS
from ..pipeline.options import BuildOptions
from ..processes import Terminated


def set_output(*, debug: bool = False, quiet: bool = False, verbose: bool = False) -> None:
    """Turn on --debug, --quiet or --verbose (--quiet wins over --verbose, in any order)."""
    _state["debug"] = _state["debug"] or debug
    _state["quiet"] = _state["quiet"] or quiet
    _state["verbose"] = (_state["verbose"] or verbose) and not _state["quiet"]


def _output_flags(
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show tracebacks.", expose_value=False,
        callback=lambda value: set_output(debug=value))] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Only errors, warnings and the result.", expose_value=False,
        callback=lambda value: set_output(quiet=value))] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Also each clip as it is made.", expose_value=False,
        callback=lambda value: set_output(verbose=value))] = False,
) -> None:
    """Only its options are used: every command takes them after its name too."""


class _Commands(TyperGroup):
    """The top group: --debug, --quiet and --verbose are also options of every command,
    so `reader build BOOK -q` means what `reader -q build BOOK` does."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        flags = typer.Typer(add_completion=False)
        flags.command()(_output_flags)
        params = typer.main.get_command(flags).params
        pending = list(self.commands.values())
        while pending:
            command = pending.pop()
            if isinstance(command, TyperGroup):
                pending.extend(command.commands.values())
            else:
                command.params.extend(params)


_state = {"debug": False, "quiet": False, "verbose": False}
app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    help="Turn parallel texts into bilingual audiobooks with chapters.",
)
# Paths, book text and values are printed as written: no markup ("[…]"), no emoji codes
# (":fire:" in a folder name stays ":fire:").
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

BookDir = Annotated[Path, typer.Argument(help="Book folder: book.toml and one <lang>.txt per language.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Where output/<id>/ is written.")]
Order = Annotated[str | None, typer.Option(help="Language order, e.g. kk,zh (default: book.toml).")]
EngineOpt = Annotated[
    list[str] | None,
    typer.Option("--engine", help="LANG=ENGINE[,ENGINE…]: engine chain for a language (repeatable)."),
]


@contextlib.contextmanager
def reported(interrupted: str = "finished clips are kept and the next build resumes",
             ) -> Iterator[None]:
    """Turn ReaderError into one line on stderr and its exit code.

    `interrupted` says what Ctrl-C (or SIGTERM) leaves behind for this command.
    """
    try:
        yield
    except typer.Exit:
        raise  # an exit code chosen on purpose (a folder of books with failures)
    except ReaderError as exc:
        if _state["debug"]:
            raise
        first, *rest = str(exc).splitlines() or [type(exc).__name__]
        err.print(f"[bold red]error:[/] {escape(first)}", markup=True, soft_wrap=True)
        for line in rest:
            err.print(line, markup=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except (KeyboardInterrupt, Terminated) as exc:
        if _state["debug"]:
            raise
        code = exc.exit_code if isinstance(exc, Terminated) else 130
        what = "interrupted" if code == 130 else f"stopped by {exc}"
        err.print(f"{what}; {interrupted}", markup=False, soft_wrap=True)
        raise typer.Exit(code) from None
    except OSError as exc:
        if _state["debug"]:
            raise
        err.print(f"error: {describe_os_error(exc)}", markup=False, soft_wrap=True)
        raise typer.Exit(2 if exc.errno in _INPUT_ERRNOS else 1) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        err.print(f"error: unexpected {type(exc).__name__}: {exc}; nothing half-written was "
                  "kept; run again with `reader --debug …` to see where, and report it",
                  markup=False, soft_wrap=True)
        raise typer.Exit(1) from None


#: Failures of the file system that the user fixes by choosing another place or name.
_INPUT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG, errno.ENOTDIR,
                 errno.EISDIR, errno.EEXIST}
_FIXES = {
    errno.ENOSPC: "the disk is full; free some space and build again (finished clips are kept, "
                  "the previous output is untouched)",
    errno.EDQUOT: "the disk quota is used up; free some space and build again",
    errno.EACCES: "permission denied; choose a folder you can write (--out) or fix its permissions",
    errno.EPERM: "operation not permitted; choose another folder (--out)",
    errno.EROFS: "the file system is read-only; choose a writable folder with --out",
    errno.ENAMETOOLONG: "file name too long for this file system; use a shorter book folder name",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another --out",
    errno.EISDIR: "this is a folder where a file was expected",
}


def describe_os_error(exc: OSError) -> str:
    """One line for a file-system failure: the path, the system's words, and what to do."""
    where = exc.filename or ""
    fix = _FIXES.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{where}: {fix}" if where else fix


def parse_order(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_engines(values: list[str] | None) -> dict[str, tuple[str, ...]]:
    chains: dict[str, tuple[str, ...]] = {}
    for value in values or []:
        lang, sep, chain = value.partition("=")
        if not sep or not lang.strip():
            raise ConfigError(f"--engine {value}: expected LANG=ENGINE[,ENGINE…], e.g. zh=espeak")
        chains[lang.strip()] = parse_engine_chain(chain, f"--engine {value}")
    return chains


def parse_formats(value: str | None) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_FORMATS
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [name for name in chosen if name not in FORMATS]
    if unknown or not chosen:
        raise ConfigError(f"--formats {value}: unknown format {unknown[0] if unknown else '(none)'}; "
                          f"choose from {', '.join(FORMATS)}")
    return chosen


def format_duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def build_options(out_dir: Path, jobs: int | None, offline: bool) -> BuildOptions:
    options = BuildOptions(out=out_dir, offline=offline)
    if jobs is not None:
        options = dataclasses.replace(options, jobs=jobs, network_jobs=jobs)
    return options


def format_size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover


