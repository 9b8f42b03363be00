"""The `reader` command: a thin Typer layer over reader.build.

Each command parses its options and calls library functions; ReaderError is
caught only here and becomes one readable line and an exit code (2 for bad
input, 1 for anything else). --debug shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from . import __version__, cli_text, outputs
from .build import BuildOptions, ClipJob, Events, build, load
from .config import parse_engine_chain
from .errors import ConfigError, ReaderError
from .plan import Plan, clean, make_plan
from .timeline import snippet

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn parallel texts into bilingual audiobooks with chapters.",
)
out = Console(highlight=False, soft_wrap=True, markup=False)  # book text may hold "[…]"
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
_state = {"debug": False}

BookDir = Annotated[Path, typer.Argument(help="Book folder: book.toml and one <lang>.txt per language.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Where output/<id>/ is written.")]
Order = Annotated[str | None, typer.Option(help="Language order, e.g. kk,zh (default: book.toml).")]
EngineOpt = Annotated[
    list[str] | None,
    typer.Option("--engine", help="LANG=ENGINE[,ENGINE…]: engine chain for a language (repeatable)."),
]


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Turn ReaderError into one line on stderr and its exit code."""
    try:
        yield
    except ReaderError as exc:
        if _state["debug"]:
            raise
        first, *rest = str(exc).splitlines() or [type(exc).__name__]
        err.print(f"[bold red]error:[/] {escape(first)}", markup=True, soft_wrap=True)
        for line in rest:
            err.print(line, markup=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted; finished clips are kept and the next build resumes")
        raise typer.Exit(130) from None


def _order(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _engines(values: list[str] | None) -> dict[str, tuple[str, ...]]:
    chains: dict[str, tuple[str, ...]] = {}
    for value in values or []:
        lang, sep, chain = value.partition("=")
        if not sep or not lang.strip():
            raise ConfigError(f"--engine {value}: expected LANG=ENGINE[,ENGINE…], e.g. zh=espeak")
        chains[lang.strip()] = parse_engine_chain(chain, f"--engine {value}")
    return chains


def _formats(value: str | None) -> tuple[str, ...]:
    if value is None:
        return outputs.DEFAULT_FORMATS
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [name for name in chosen if name not in outputs.FORMATS]
    if unknown or not chosen:
        raise ConfigError(f"--formats {value}: unknown format {unknown[0] if unknown else '(none)'}; "
                          f"choose from {', '.join(outputs.FORMATS)}")
    return chosen


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


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
    split: Annotated[
        str | None,
        typer.Option(help="sections: also one MP3 per section and an <id>.m3u8 playlist."),
    ] = None,
) -> None:
    """Synthesise every paragraph (reusing cached clips) and write the audiobook."""
    with _reported():
        chosen_formats = _formats(formats)
        outputs.check_split(split)
        loaded = load(book_dir, order=_order(order), engine_chains=_engines(engine))
        options = _options(out_dir, jobs, offline)
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
            f"{verb} {report.output} — {_duration(report.duration)}, {report.chapters} chapters, "
            f"{report.synthesised} clips synthesised, {report.reused} reused"
        )


@app.command("check")
def check_command(book_dir: BookDir, order: Order = None) -> None:
    """Read and pair the texts and show the pairs; synthesises nothing."""
    with _reported():
        loaded = load(book_dir, order=_order(order))
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
    with _reported():
        _formats(formats)
        loaded = load(book_dir, order=_order(order), engine_chains=_engines(engine))
        _print_plan(make_plan(loaded, _options(out_dir, jobs, offline)), as_json=as_json)


@app.command("clean")
def clean_command(
    book_dir: BookDir,
    out_dir: OutDir = Path("output"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Remove cached clips that the book's current texts no longer use."""
    with _reported():
        loaded = load(book_dir)
        done = clean(loaded, _options(out_dir, None, offline=True), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        out.print(f"{verb} {done.clips} unused clips ({_size(done.bytes)})")


def _options(out_dir: Path, jobs: int | None, offline: bool) -> BuildOptions:
    options = BuildOptions(out=out_dir, offline=offline)
    if jobs is not None:
        options = dataclasses.replace(options, jobs=jobs, network_jobs=jobs)
    return options


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover


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
              + f", about {_duration(plan.seconds_to_synthesise)} of audio")
    for entry in plan.synthesise:
        out.print(f"  + pair {entry.pair} {entry.lang}: {snippet(entry.text, 50)}", soft_wrap=True)
    out.print(f"reuse: {len(plan.reuse)} cached clips")
    out.print(f"unused: {len(plan.unused)} cached clips of this book no longer needed"
              + (" (`reader clean` removes them)" if plan.unused else ""))
    for entry in plan.unused:
        out.print(f"  - {entry.lang}: {snippet(entry.text, 50)}", soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"reader {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Turn parallel texts into bilingual audiobooks with chapters."""
    _state["debug"] = debug


cli_text.register(app)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="reader")


if __name__ == "__main__":  # pragma: no cover
    main()
