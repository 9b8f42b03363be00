"""The `reader` command: a thin Typer layer over the pipeline.

Each command parses its options and calls library functions (see
book_commands and text_commands); common.reported turns a ReaderError into one
line and an exit code.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def _interrupted_while_starting(_signum: int, _frame: object) -> None:
    os.write(2, b"interrupted\n")
    os._exit(130)


# Ctrl-C while the modules below load (a good part of a second) ends the command with one
# line, like Ctrl-C later does, rather than a traceback from deep inside an import. The
# handler before it comes back once they are loaded; `main` catches the rest.
try:
    _before_imports = signal.signal(signal.SIGINT, _interrupted_while_starting)
except ValueError:  # imported outside the main thread: no signal handler can be set there
    _before_imports = None

from typing import Annotated  # noqa: E402

import typer  # noqa: E402

from .. import __version__  # noqa: E402
from ..processes import terminations_raise  # noqa: E402
from . import (  # noqa: E402, F401 - they register their commands
    book_commands,
    publish_commands,
    speech_commands,
    text_commands,
    voice_commands,
)
from .common import _state, app, err, out, set_output  # noqa: E402

if _before_imports is not None:
    signal.signal(signal.SIGINT, _before_imports)


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
    _state.update(debug=False, quiet=False, verbose=False)
    set_output(debug=debug, quiet=quiet, verbose=verbose)


def main() -> None:
    """Console-script entry point.

    SIGTERM and SIGHUP stop a command like Ctrl-C does (finished work kept, one
    line). After an interrupt, threads still waiting on the network would hold
    the process open until their requests time out, so it ends at once.
    """
    with terminations_raise():
        try:
            try:
                app(prog_name="reader")
            except KeyboardInterrupt:
                # Ctrl-C outside a command's own handling (while options are parsed).
                if _state["debug"]:
                    raise
                err.print("interrupted")
                raise SystemExit(130) from None
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
