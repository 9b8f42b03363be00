"""Finding and running ffmpeg, and importing pydub so that it uses the same binary.

The imageio-ffmpeg wheel ships an ffmpeg with libmp3lame and AAC, so a fresh
machine needs nothing but pip. ``READER_FFMPEG`` names another binary.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable
from typing import Any

from ..errors import AudioError


@functools.cache
def executable() -> str:
    """Path of the ffmpeg binary: $READER_FFMPEG, the bundled one, or one on PATH."""
    chosen = os.environ.get("READER_FFMPEG")
    if chosen:
        return chosen
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise AudioError("ffmpeg not found; pip install imageio-ffmpeg or set READER_FFMPEG")


@functools.cache
def version() -> str:
    """ffmpeg's version line; part of every clip's cache key (encoders change)."""
    return run(["-version"]).decode(errors="replace").splitlines()[0]


def run(args: list[str], stdin: bytes | bytearray | None = None) -> bytes:
    """Run ffmpeg quietly; return its stdout or raise AudioError with its last words."""
    command = [executable(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    if args and args[0] != "-version":
        command.insert(2, "-y")
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg at {command[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise AudioError(f"ffmpeg failed ({done.returncode}): {tail[0]}")
    return done.stdout


def run_stderr(args: list[str], stdin: bytes | None = None) -> str:
    """Run ffmpeg and return what it printed on stderr (for filters that report there)."""
    command = [executable(), "-hide_banner", "-nostdin", "-nostats", *args]
    done = subprocess.run(command, input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise AudioError(f"ffmpeg failed ({done.returncode}): {tail[0]}")
    return done.stderr.decode(errors="replace")


@functools.cache
def pydub() -> Any:
    """The pydub module, pointed at our ffmpeg before it can warn that none is on PATH."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # pydub imports the standard audioop, deprecated in 3.11 and 3.12
        # (audioop-lts replaces it from 3.13 on).
        warnings.simplefilter("ignore", DeprecationWarning)
        import pydub as module
    module.AudioSegment.converter = executable()
    module.AudioSegment.ffmpeg = executable()
    return module


def run_fed(args: list[str], chunks: Iterable[bytes]) -> None:
    """Run ffmpeg reading `chunks` on its standard input as they come (memory stays flat).

    Its messages go to a temporary file rather than a pipe, so a chatty ffmpeg
    can never block while this process is still writing.
    """
    command = [executable(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    command.remove("-nostdin")  # it reads stdin here
    with tempfile.TemporaryFile() as log:
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=log)
        except OSError as exc:
            raise AudioError(f"cannot run ffmpeg at {command[0]}: {exc.strerror}") from None
        assert process.stdin is not None
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its exit status and message say why
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
            code = process.wait()
        if code != 0:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise AudioError(f"ffmpeg failed ({code}): {lines[0]}")
