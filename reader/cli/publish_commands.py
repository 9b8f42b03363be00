"""The publishing commands: feed (a podcast feed and an index page for an output folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..outputs import DEFAULT_CATEGORY
from ..outputs import FEED_SETTINGS_FILE as SETTINGS_FILE
from .common import app, err, out, reported


@app.command("feed")
def feed_command(
    out_dir: Annotated[Path, typer.Argument(help="The output folder `reader build --out` wrote.")],
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help=f"The http(s) address OUT_DIR is served from "
                     f"(or base_url in OUT_DIR/{SETTINGS_FILE})."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="The podcast's title.")] = None,
    image: Annotated[
        str | None,
        typer.Option(help="Podcast artwork: an http(s) URL or a file in OUT_DIR, a square "
                     ".jpg/.png of 1400–3000 px (Apple Podcasts' rule)."),
    ] = None,
    author: Annotated[str | None, typer.Option(help="The podcast's author.")] = None,
    language: Annotated[
        str | None,
        typer.Option(help="The feed's language, e.g. kk or zh-CN (default: the books' first "
                     "language)."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(help=f'An Apple Podcasts category, "Category" or "Category/Subcategory" '
                     f"(default: {DEFAULT_CATEGORY})."),
    ] = None,
    owner_name: Annotated[
        str | None, typer.Option(help="itunes:owner's name (default: --author).")
    ] = None,
    owner_email: Annotated[
        str | None, typer.Option(help="itunes:owner's email (Apple Podcasts asks for it).")
    ] = None,
    explicit: Annotated[
        bool | None,
        typer.Option("--explicit/--clean", help="itunes:explicit true/false (default: clean)."),
    ] = None,
    any_image_size: Annotated[
        bool,
        typer.Option(help="Publish artwork Apple Podcasts would refuse (not square, or "
                     "outside 1400–3000 px), with a warning."),
    ] = False,
) -> None:
    """Write OUT_DIR/feed.xml (a podcast feed, one item per book) and OUT_DIR/index.html.

    Each setting is the option when given, else the key of the same name in
    OUT_DIR/feed.toml (base_url, title, image, author, language, category,
    owner_name, owner_email, explicit), else its default.
    """
    from ..pipeline.publish import publish  # the feed's writers load when a feed is written

    with reported():
        done = publish(out_dir, base_url, title=title, image=image, author=author,
                       language=language, category=category, owner_name=owner_name,
                       owner_email=owner_email, explicit=explicit,
                       any_image_size=any_image_size)
        for line in done.warnings:
            err.print(f"[yellow]warning:[/] {escape(line)}", markup=True)
        out.print(f"wrote {done.feed} — {done.items} items from {done.books} books"
                  + (f", {len(done.new)} with new audio" if done.new else ", no new audio"))
        out.print(f"wrote {done.page}")
