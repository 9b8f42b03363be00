"""The book commands: check, plan, build and clean."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ..config import load_book
from ..errors import ConfigError
from ..outputs import DEFAULT_FORMATS, FORMATS
from ..pipeline.events import Events
from ..pipeline.options import BuildOptions
from ..text.shorten import snippet
from .common import (
    BookDir,
    EngineOpt,
    Order,
    OutDir,
    _state,
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
from .speech_commands import print_speech

if TYPE_CHECKING:
    from ..pipeline.clips import ClipJob
    from ..pipeline.loading import LoadedBook
    from ..pipeline.plan import Plan

# The pipeline (numpy, mutagen, the output writers) is imported by the command that runs
# it, so `reader --help`, `--version` and `check` start without it.

UnitOpt = Annotated[
    str | None,
    typer.Option("--unit", help="paragraph (a pair at a time) or sentence (aligned sentences, "
                 "spoken alternately); default: book.toml's unit, else paragraph."),
]
PatternOpt = Annotated[
    str | None,
    typer.Option("--pattern", help='What is spoken per unit, e.g. "kk zh zh@0.8 _" or a preset: '
                 "listen, learn, shadow (default: book.toml's pattern, else the book's order)."),
]

CacheOpt = Annotated[
    str | None,
    typer.Option("--cache", help="The clip cache the book was built with, as given to "
                 "`reader build --cache` (default: OUT/.cache/clips; for a store's URL, "
                 "the local folder that mirrors it)."),
]


def with_cache(options: BuildOptions, cache: str | None) -> BuildOptions:
    """The options with --cache applied: a folder, or a store's URL (see cache_location)."""
    if cache is None:
        return options
    from ..pipeline.cache import cache_location

    folder, url = cache_location(cache)
    return dataclasses.replace(options, cache=folder, cache_url=url)


class _NoteEvents(Events):
    """Notes only (for commands without a progress bar)."""

    def message(self, text: str) -> None:
        if not _state["quiet"]:
            err.print(f"[yellow]note:[/] {escape(text)}", markup=True)


class _ProgressEvents(Events):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("paragraphs", total=None)
        self.step_task: TaskID | None = None

    def engines_chosen(self, chosen: dict[str, str]) -> None:
        if not _state["quiet"]:
            err.print("engines: " + ", ".join(f"{lang} → {name}" for lang, name in chosen.items()))

    def clips_planned(self, total: int, to_make: int) -> None:
        self.progress.update(self.task, total=total)
        if to_make and not _state["quiet"]:
            err.print(f"synthesising {to_make} of {total} clips")

    def clip_done(self, job: ClipJob, made: bool) -> None:
        self.progress.advance(self.task)
        if made and _state["verbose"]:
            err.print(f"made pair {job.pair} {job.lang} ({job.engine} {job.voice}): "
                      f"{snippet(job.text, 40)}")

    def message(self, text: str) -> None:
        if not _state["quiet"]:
            err.print(f"[yellow]note:[/] {escape(text)}", markup=True)

    def step(self, name: str) -> None:
        # After synthesis: one step at a time, with a spinner and the time it has taken.
        self.progress.update(self.task, visible=False)
        if self.step_task is not None:
            self.progress.update(self.step_task, visible=False)
        self.step_task = self.progress.add_task(f"writing {name}", total=None)


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
        typer.Option(help=f"Outputs to write, comma-separated, from: {', '.join(FORMATS)} "
                     f"(default: {','.join(DEFAULT_FORMATS)})."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan (like `reader plan`); make nothing.")
    ] = False,
    preset: Annotated[
        str | None,
        typer.Option(help="Audio preset over book.toml's [audio]: acx (44.1 kHz, 192 kbit/s, "
                     "-3 dBTP ceiling, for audiobook stores; also a file per chapter in acx/)."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(help="sections: also one MP3 per section and an <id>.m3u8 playlist, in sections/."),
    ] = None,
    unit: UnitOpt = None,
    pattern: PatternOpt = None,
    cluster: Annotated[
        str | None,
        typer.Option(help="Make the clips on a Dask cluster: tcp://HOST:PORT (a running "
                     "scheduler) or local:N (N worker processes here)."),
    ] = None,
    cache: Annotated[
        str | None,
        typer.Option(help="The clip cache (default: OUT/.cache/clips): a folder (with "
                     "--cluster, one every worker mounts at the same path), or an fsspec URL "
                     "of a shared store (s3://…, gs://…) that a local folder mirrors."),
    ] = None,
) -> None:
    """Synthesise every paragraph (reusing cached clips) and write the audiobook.

    BOOK_DIR may also be a shelf, a folder of books (e.g. texts/): every book is built,
    sharing one clip cache and one pool of workers.

    Example: reader build texts/last-mile --formats mp3,m4b,vtt,json,html
    """
    from ..pipeline.build import build
    from ..pipeline.cache import check_store
    from ..pipeline.formats import check_formats
    from ..pipeline.loading import load
    from ..pipeline.plan import make_plan
    from ..pipeline.shelf import is_shelf

    with reported(), contextlib.ExitStack() as stack:
        if cluster:
            from ..pipeline.cluster import parse_cluster

            parse_cluster(cluster)  # a malformed address is bad input, before anything starts
        chosen_formats = parse_formats(formats)
        check_formats(chosen_formats, split)
        # A master beside each clip lets the M4B be encoded from lossless audio.
        options = dataclasses.replace(with_cache(build_options(out_dir, jobs, offline), cache),
                                      masters="m4b" in chosen_formats)
        url = options.cache_url
        if url:
            check_store(url)

        def on_cluster(options: BuildOptions) -> BuildOptions:
            if not cluster:
                return options
            from ..pipeline.cluster import cluster_executor

            executor = stack.enter_context(cluster_executor(
                cluster, options.cache_root, shared_folder=options.cache_url is None))
            return dataclasses.replace(options, executor=executor)

        if is_shelf(book_dir):
            if dry_run:
                raise ConfigError(f"--dry-run: {book_dir} is a shelf (a folder of books); "
                                  "run `reader plan` on one book")
            from .shelf_commands import run_shelf

            run_shelf(book_dir, on_cluster(options), formats=chosen_formats, split=split,
                          order=parse_order(order), engine_chains=parse_engines(engine),
                          unit=unit, pattern=pattern, preset=preset)
            return
        loaded = load(book_dir, order=parse_order(order), engine_chains=parse_engines(engine),
                      unit=unit, pattern=pattern, preset=preset)
        if dry_run:
            _print_plan(make_plan(loaded, options), as_json=False)
            return
        options = on_cluster(options)
        columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True, disable=_state["quiet"]) as progress:
            report = build(loaded, options, _ProgressEvents(progress), formats=chosen_formats,
                           split=split)
        for path in report.written if not _state["quiet"] else ():
            out.print(f"wrote {path}")
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}", markup=True)
        verb = "unchanged:" if report.unchanged else "wrote"
        out.print(
            f"{verb} {report.output} — {format_duration(report.duration)}, {report.chapters} chapters, "
            f"{report.synthesised} clips synthesised, {report.reused} reused"
        )


@app.command("check")
def check_command(
    book_dir: BookDir,
    order: Order = None,
    unit: UnitOpt = None,
    pattern: PatternOpt = None,
    speech: Annotated[
        bool, typer.Option("--speech", help="Show each paragraph spoken otherwise than written.")
    ] = False,
    leftovers: Annotated[
        bool, typer.Option("--leftovers", help="With --speech: also list each token left as "
                           "written that espeak may not say well (Latin words, digits, signs).")
    ] = False,
) -> None:
    """Read and pair the texts and show the pairs; synthesises nothing.

    With --unit sentence: each pair's sentences as aligned, with a confidence per pair.
    With --speech: each paragraph whose spoken form differs from its text;
    add --leftovers for what the rules left as written, to put in the lexicon.
    BOOK_DIR may also be a shelf (a folder of books): each is checked, one row per book.

    Example: reader check texts/last-mile --speech
    """
    from ..pipeline.loading import load
    from ..pipeline.shelf import is_shelf

    with reported():
        if is_shelf(book_dir):
            from .shelf_commands import check_shelf

            check_shelf(book_dir, order=parse_order(order), unit=unit, pattern=pattern)
            return
        loaded = load(book_dir, order=parse_order(order), unit=unit, pattern=pattern)
        if speech:
            print_speech(loaded, with_leftovers=leftovers)
            return
        book = loaded.book
        if book.unit == "sentence":
            _print_sentences(loaded)
            return
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
        for warning in loaded.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}", markup=True)


def _print_sentences(loaded: LoadedBook) -> None:
    from ..pipeline.learning import pattern_text
    from ..pipeline.units import units_of

    book = loaded.book
    units = units_of(loaded)
    table = Table(title=f"{book.id}: {len(loaded.pairs)} pairs, {len(units)} sentence pairs "
                  f"(pattern: {pattern_text(loaded.steps)})", show_lines=False)
    table.add_column("#", justify="right")
    for lang in book.order:
        table.add_column(lang)
    table.add_column("step")
    table.add_column("conf", justify="right")
    for item in units:
        table.add_row(f"{item.pair.index}.{item.number}", *[
            snippet(text, 40) if (text := item.text(lang)) is not None else "—"
            for lang in book.order
        ], item.kind, "fixed" if item.fixed else f"{item.confidence:.2f}")
    out.print(table)


@app.command("plan")
def plan_command(
    book_dir: BookDir,
    out_dir: OutDir = Path("output"),
    order: Order = None,
    engine: EngineOpt = None,
    offline: Annotated[bool, typer.Option(help="Skip engines that need the network.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    unit: UnitOpt = None,
    pattern: PatternOpt = None,
    cache: CacheOpt = None,
) -> None:
    """Show what a build would synthesise, reuse and leave unused; makes nothing.

    Example: reader plan texts/last-mile --json
    """
    from ..pipeline.loading import load
    from ..pipeline.plan import make_plan

    with reported():
        loaded = load(book_dir, order=parse_order(order), engine_chains=parse_engines(engine),
                      unit=unit, pattern=pattern)
        options = with_cache(build_options(out_dir, None, offline), cache)
        _print_plan(make_plan(loaded, options), as_json=as_json)


@app.command("clean")
def clean_command(
    book_dir: BookDir,
    out_dir: OutDir = Path("output"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
    cache: CacheOpt = None,
) -> None:
    """Remove cached clips this book made that its last build no longer uses.

    What a book uses is read from the manifests in the output folder, so no
    engine is asked; clips another book there uses are kept.

    Example: reader clean texts/last-mile --dry-run
    """
    from ..pipeline.plan import clean

    with reported():
        book = load_book(book_dir)
        options = with_cache(build_options(out_dir, None, offline=False), cache)
        done = clean(book, options, dry_run=dry_run,
                     events=_NoteEvents())
        for warning in done.warnings:
            err.print(f"warning: {warning}")
        verb = "would remove" if dry_run else "removed"
        noun = "clip" if done.clips == 1 else "clips"
        out.print(f"{verb} {done.clips} unused {noun} ({format_size(done.bytes)})")


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
              + (" (`reader clean` removes them once the book is built)" if plan.unused else ""))
    for entry in plan.unused:
        out.print(f"  - {entry.lang}: {snippet(entry.text, 50)}", soft_wrap=True)


