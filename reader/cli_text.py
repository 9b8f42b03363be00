"""CLI commands for preparing texts: `reader import` and `reader align` (issue 7)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the text-preparation commands to the app."""
