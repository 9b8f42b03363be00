"""Outputs made from the cached clips and the manifest, after the bilingual MP3 (issue 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Formats `reader build --formats` accepts; "mp3" is the bilingual MP3 + manifest.
FORMATS = ("mp3",)
DEFAULT_FORMATS = ("mp3",)


def write_outputs(loaded: Any, report: Any, formats: tuple[str, ...], options: Any) -> list[Path]:
    """Write the extra outputs asked for; return the paths written."""
    return []
