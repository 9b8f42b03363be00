"""Start-up: `reader --help`, `--version` and `check` answer without loading the audio stack,
the output writers, the importers or the engines (each imported by the command that uses it)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT, SAMPLE

#: Third-party packages that only building, importing, publishing or an engine needs
#: (not markdown_it: rich renders the help with it).
HEAVY = ("numpy", "soundfile", "soxr", "pyebur128", "lameenc", "pydub", "mutagen", "genanki",
         "feedgen", "fsspec", "lxml", "bs4", "docx", "ebooklib", "edge_tts", "gtts", "piper",
         "onnxruntime", "dask", "distributed")

_RUN = f"""
import sys
from reader.cli import app
try:
    app(sys.argv[1:], prog_name="reader")
except SystemExit:
    pass
print("loaded:", *sorted(name for name in {HEAVY!r} if name in sys.modules))
"""


def loaded_by(*args: str, before: str = "") -> list[str]:
    """The HEAVY packages in sys.modules after `reader ARGS` ran in a fresh interpreter
    (after the code `before`)."""
    done = subprocess.run([sys.executable, "-c", before + _RUN, *args], capture_output=True,
                          text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          cwd=ROOT)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), done.stdout + done.stderr
    return last.split()[1:]


@pytest.mark.parametrize("args", [(), ("--version",), ("--help",), ("build", "--help"),
                                  ("check", str(SAMPLE))], ids=" ".join)
def test_the_cli_starts_without_heavy_packages(args: tuple[str, ...]) -> None:
    assert loaded_by(*args) == []


def test_a_heavy_package_imported_at_start_is_seen() -> None:
    assert loaded_by("--version", before="import numpy, mutagen\n") == ["mutagen", "numpy"]
