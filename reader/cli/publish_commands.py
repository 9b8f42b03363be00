"""The publishing commands: feed (a podcast feed and a catalogue page for an output folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..pipeline.publish import publish
from .common import app, out, reported


@app.command("feed")
def feed_command(
    out_dir: Annotated[Path, typer.Argument(help="The output folder `reader build --out` wrote.")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="The http(s) address OUT_DIR is served from.")
    ],
    title: Annotated[str | None, typer.Option(help="The podcast's title.")] = None,
    image: Annotated[
        str | None,
        typer.Option(help="Podcast artwork: an http(s) URL or a file in OUT_DIR (.jpg/.png)."),
    ] = None,
    author: Annotated[str | None, typer.Option(help="The podcast's author.")] = None,
) -> None:
    """Write OUT_DIR/feed.xml (a podcast feed, one item per book) and OUT_DIR/index.html."""
    with reported():
        done = publish(out_dir, base_url, title=title, image=image, author=author)
        out.print(f"wrote {done.feed} — {done.items} items from {done.books} books"
                  + (f", {len(done.new)} with new audio" if done.new else ", no new audio"))
        out.print(f"wrote {done.page}")
