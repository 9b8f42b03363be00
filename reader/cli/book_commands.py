"""The book commands: check, plan, build and clean."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ..pipeline import formats as outputs
from ..pipeline.build import build
from ..pipeline.clips import ClipJob
from ..pipeline.loading import load
from ..pipeline.options import Events
from ..pipeline.plan import Plan, clean, make_plan
from ..text.shorten import snippet
from .common import (
    BookDir,
    EngineOpt,
    Order,
    OutDir,
    app,
    build_options,
    err,
    format_duration,
    format_size,
    out,
    parse_engines,
    parse_formats,
    parse_order,
    reported,
)


class _ProgressEvents(Events):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("paragraphs", total=None)

    def engines_chosen(self, chosen: dict[str, str]) -> None:
        err.print("engines: " + ", ".join(f"{lang} → {name}" for lang, name in chosen.items()))

    def clips_planned(self, total: int, to_make: int) -> None:
        self.progress.update(self.task, total=total)
        if to_make:
            err.print(f"synthesising {to_make} of {total} clips")

    def clip_done(self, job: ClipJob, made: bool) -> None:
        self.progress.advance(self.task)

    def message(self, text: str) -> None:
        err.print(f"[yellow]note:[/] {escape(text)}", markup=True)


@app.command("build")
def build_command(
    book_dir: BookDir,
    out_dir: OutDir = Path("output"),
    order: Order = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1,
                     help="Parallel workers (default: CPU cores; 4 requests for network engines)."),
    ] = None,
    engine: EngineOpt = None,
    offline: Annotated[bool, typer.Option(help="Skip engines that need the network.")] = False,
    formats: Annotated[
        str | None,
        typer.Option(help=f"Outputs to write, comma-separated, from: {', '.join(outputs.FORMATS)} "
                     f"(default: {','.join(outputs.DEFAULT_FORMATS)})."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan (like `reader plan`); make nothing.")
    ] = False,
    preset: Annotated[
        str | None,
        typer.Option(help="Audio preset over book.toml's [audio]: acx (44.1 kHz, 192 kbit/s, "
                     "-3 dBTP ceiling, for audiobook stores)."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(help="sections: also one MP3 per section and an <id>.m3u8 playlist."),
    ] = None,
) -> None:
    """Synthesise every paragraph (reusing cached clips) and write the audiobook."""
    with reported():
        chosen_formats = parse_formats(formats)
        outputs.check_split(split)
        loaded = load(book_dir, order=parse_order(order), engine_chains=parse_engines(engine),
                      preset=preset)
        options = build_options(out_dir, jobs, offline)
        # A master beside each clip lets the M4B be encoded from lossless audio.
        options = dataclasses.replace(options, masters="m4b" in chosen_formats)
        if dry_run:
            _print_plan(make_plan(loaded, options), as_json=False)
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            report = build(loaded, options, _ProgressEvents(progress))
        for path in outputs.write_outputs(loaded, report, chosen_formats, options, split=split):
            out.print(f"wrote {path}")
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}", markup=True)
        verb = "unchanged:" if report.unchanged else "wrote"
        out.print(
            f"{verb} {report.output} — {format_duration(report.duration)}, {report.chapters} chapters, "
            f"{report.synthesised} clips synthesised, {report.reused} reused"
        )


@app.command("check")
def check_command(book_dir: BookDir, order: Order = None) -> None:
    """Read and pair the texts and show the pairs; synthesises nothing."""
    with reported():
        loaded = load(book_dir, order=parse_order(order))
        book = loaded.book
        table = Table(title=f"{book.id}: {len(loaded.pairs)} pairs", show_lines=False)
        table.add_column("#", justify="right")
        for lang in book.order:
            table.add_column(f"{lang} (chars)")
        section = None
        for pair in loaded.pairs:
            if pair.section_title and pair.section_title != section:
                section = pair.section_title
                table.add_row("", Text(f"# {section}", style="bold"), *[""] * (len(book.order) - 1))
            texts = dict(pair.texts)
            table.add_row(str(pair.index), *[
                f"{snippet(texts[lang].text, 40)} ({len(texts[lang].text)})" if lang in texts
                else "—" for lang in book.order
            ])
        out.print(table)


@app.command("plan")
def plan_command(
    book_dir: BookDir,
    out_dir: OutDir = Path("output"),
    order: Order = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, hidden=True)] = None,
    engine: EngineOpt = None,
    offline: Annotated[bool, typer.Option(help="Skip engines that need the network.")] = False,
    formats: Annotated[str | None, typer.Option(hidden=True)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Show what a build would synthesise, reuse and leave unused; makes nothing."""
    with reported():
        parse_formats(formats)
        loaded = load(book_dir, order=parse_order(order), engine_chains=parse_engines(engine))
        _print_plan(make_plan(loaded, build_options(out_dir, jobs, offline)), as_json=as_json)


@app.command("clean")
def clean_command(
    book_dir: BookDir,
    out_dir: OutDir = Path("output"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Remove cached clips that the book's current texts no longer use."""
    with reported():
        loaded = load(book_dir)
        done = clean(loaded, build_options(out_dir, None, offline=True), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        out.print(f"{verb} {done.clips} unused clips ({format_size(done.bytes)})")


def _print_plan(plan: Plan, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(plan.as_json(), ensure_ascii=False, indent=1))
        return
    out.print("engines: " + ", ".join(f"{lang} → {name}" for lang, name in plan.engines.items()))
    by_lang: dict[str, int] = {}
    for entry in plan.synthesise:
        by_lang[entry.lang or "?"] = by_lang.get(entry.lang or "?", 0) + 1
    split = ", ".join(f"{n} {lang}" for lang, n in by_lang.items())
    out.print(f"synthesise: {len(plan.synthesise)} clips" + (f" ({split})" if split else "")
              + f", about {format_duration(plan.seconds_to_synthesise)} of audio")
    for entry in plan.synthesise:
        out.print(f"  + pair {entry.pair} {entry.lang}: {snippet(entry.text, 50)}", soft_wrap=True)
    out.print(f"reuse: {len(plan.reuse)} cached clips")
    out.print(f"unused: {len(plan.unused)} cached clips of this book no longer needed"
              + (" (`reader clean` removes them)" if plan.unused else ""))
    for entry in plan.unused:
        out.print(f"  - {entry.lang}: {snippet(entry.text, 50)}", soft_wrap=True)


