"""The voice commands: `reader voices list|install|remove` (Piper voices, offline use).

Thin: parse options, call reader.speech.voices, print (the listing, which asks every
engine of the registry, is made here: the voices folder knows only Piper). Installing is the only
step of reader that downloads a voice; a build never does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

from .. import speech
from ..errors import ReaderError
from ..speech import voices
from .common import app, err, format_size, out, reported

voices_app = typer.Typer(no_args_is_help=True, help="List, install and remove Piper voices.")
app.add_typer(voices_app, name="voices")


def listing(langs: Iterable[str] = (), root: Path | None = None) -> list[dict[str, Any]]:
    """Per language family: what each engine offers and which Piper voices are installed.

    Languages are those asked for, else every language of the Piper catalogue
    known here and of the installed voices.
    """
    root = root or voices.voices_dir()
    catalogue = voices.catalogue_rows(root)
    mine = voices.installed(root)
    wanted = sorted({voices.family(lang) for lang in langs}) or sorted(
        {voices.family(row["language"]) for row in catalogue} | {voice.family for voice in mine})
    result = []
    for lang in wanted:
        engines: dict[str, list[str]] = {}
        for name in speech.names():
            engine = speech.get(name)
            if name == "piper" or not engine.supports(lang):
                continue
            try:
                engines[name] = list(engine.voices_for(lang))
            except ReaderError:
                continue
        result.append({
            "lang": lang, "engines": engines,
            "piper": [row for row in catalogue if voices.family(row["language"]) == lang],
            "installed": [voices.installed_row(voice) for voice in mine if voice.family == lang],
        })
    return result


@voices_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Only this language (repeatable).")
    ] = None,
) -> None:
    """Per language: the voices each engine offers and the Piper voices installed."""
    with reported():
        rows = listing(lang or ())
        if as_json:
            out.print(json.dumps({"voices_dir": str(voices.voices_dir()), "languages": rows},
                                 ensure_ascii=False, indent=1), markup=False)
            return
        out.print(f"Piper voices are installed in {voices.voices_dir()}", markup=False)
        if not voices.cached_catalogue():
            out.print("(Piper's full catalogue is listed after the first `reader voices "
                      "install`; the voices below are the ones known for this project)",
                      markup=False)
        for row in rows:
            out.print(f"\n{row['lang']}", markup=False)
            for engine, offered in row["engines"].items():
                out.print(f"  {engine}: {', '.join(offered)}", markup=False)
            have = {voice["name"] for voice in row["installed"]}
            for voice in row["installed"]:
                speakers = voice["speakers"]
                who = f"{speakers} speakers ({', '.join(voice['speaker_names'][:6])})" \
                    if speakers > 1 else "1 speaker"
                out.print(f"  piper: {voice['name']}  installed, {voice['quality']}, {who}, "
                          f"{format_size(voice['size'])}, licence {voice['licence']}",
                          markup=False)
            for entry in row["piper"]:
                if entry["name"] in have:
                    continue
                size = f", {format_size(entry['size'])}" if entry["size"] else ""
                licence = f", licence {entry['licence']}" if entry["licence"] else ""
                out.print(f"  piper: {entry['name']}  not installed, {entry['quality']}, "
                          f"{entry['speakers']} speaker(s){size}{licence}", markup=False)


@voices_app.command("install")
def install_command(
    names: Annotated[list[str], typer.Argument(help="Voice names, e.g. kk_KZ-issai-high.")],
    source: Annotated[
        str, typer.Option("--from", help="A mirror of Piper's voices (URL) or a folder with "
                          "the same layout (voices.json at its root).")
    ] = voices.DEFAULT_SOURCE,
) -> None:
    """Download voices, check every file against the catalogue, install all or none."""
    with reported(interrupted="nothing was installed and the installed voices are as they "
                  f"were; what was downloaded is kept in {voices.voices_dir() / '.partial'} "
                  "and the same command resumes it"):
        columns = (TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            tasks: dict[str, TaskID] = {}

            def advance(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = progress.add_task(name, total=total)
                progress.update(tasks[name], completed=done)

            done = voices.install(names, source=source, progress=advance)
    with reported(interrupted="the voices are installed"):
        for voice in done:
            out.print(f"{voice.name}: installed ({voice.language}, {voice.quality}, "
                      f"{voice.num_speakers} speaker(s), {format_size(voice.size)}) "
                      f"in {voice.folder}; licence: {voice.licence}", markup=False)


@voices_app.command("remove")
def remove_command(
    names: Annotated[list[str], typer.Argument(help="Installed voice names.")],
) -> None:
    """Remove installed voices."""
    with reported():
        for name in voices.remove(names):
            out.print(f"removed {name}", markup=False)
