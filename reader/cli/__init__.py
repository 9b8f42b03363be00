"""The `reader` command: a thin Typer layer over the pipeline.

Each command parses its options and calls library functions (see
book_commands and text_commands); common.reported turns a ReaderError into one
line and an exit code.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Annotated

import typer

from .. import __version__
from ..pipeline.workers import terminations_raise
from . import (  # noqa: F401 - they register their commands
    book_commands,
    publish_commands,
    speech_commands,
    text_commands,
    voice_commands,
)
from .common import _state, app, out


def _version(value: bool) -> None:
    if value:
        out.print(f"reader {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors, warnings and the result.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also each clip as it is made.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Turn parallel texts into bilingual audiobooks with chapters."""
    _state["debug"] = debug
    _state["quiet"] = quiet
    _state["verbose"] = verbose and not quiet


def main() -> None:
    """Console-script entry point.

    SIGTERM and SIGHUP stop a command like Ctrl-C does (finished work kept, one
    line). After an interrupt, threads still waiting on the network would hold
    the process open until their requests time out, so it ends at once.
    """
    with terminations_raise():
        try:
            app(prog_name="reader")
        except SystemExit as exc:
            if exc.code in _INTERRUPTED and threading.active_count() > 1:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(int(exc.code or 0))
            raise


#: Exit statuses of an interrupted command: Ctrl-C, SIGHUP, SIGTERM.
_INTERRUPTED = (130, 129, 143)


if __name__ == "__main__":  # pragma: no cover
    main()
