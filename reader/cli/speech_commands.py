"""The speech commands: `reader say` (audition a line or a pair) and `reader check --speech`."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..text.paragraphs import is_unspaced
from .common import BookDir, app, err, out, reported

if TYPE_CHECKING:
    from ..pipeline.loading import LoadedBook

#: Players tried in order, with how to call them; paplay and aplay only take WAV.
_PLAYERS: tuple[tuple[str, list[str], bool], ...] = (
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "quiet"], True),
    ("afplay", [], True),
    ("paplay", [], False),
    ("aplay", ["-q"], False),
)


def changes(written: str, spoken: str, lang: str, context: int = 3) -> list[tuple[str, str]]:
    """The places where two forms differ, each with a little context on both sides.

    Words are compared (characters for Chinese and the like); a change comes
    with `context` units before and after, and changes that close merge.
    """
    unspaced = is_unspaced(lang)
    a = list(written) if unspaced else written.split(" ")
    b = list(spoken) if unspaced else spoken.split(" ")
    join = "".join if unspaced else " ".join
    width = context * 3 if unspaced else context
    spans: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if spans and i1 - spans[-1][1] <= 2 * width:
            spans[-1][1], spans[-1][3] = i2, j2
        else:
            spans.append([i1, i2, j1, j2])
    out = []
    for i1, i2, j1, j2 in spans:
        before, after = max(0, i1 - width), min(len(a), i2 + width)
        shift_before, shift_after = i1 - before, after - i2
        out.append((
            ("…" if before else "") + join(a[before:after]) + ("…" if after < len(a) else ""),
            ("…" if before else "") + join(b[j1 - shift_before : j2 + shift_after])
            + ("…" if j2 + shift_after < len(b) else ""),
        ))
    return out


def print_speech(loaded: LoadedBook, *, with_leftovers: bool = False) -> int:
    """Print, side by side, every paragraph whose spoken form differs from its text.

    Each place that differs is one row, with a few words around it; returns how
    many paragraphs differ. With `with_leftovers`, then every token the rules
    left as written that espeak may not say well (see `print_leftovers`).
    """
    book = loaded.book
    table = Table(title=f"{book.id}: paragraphs spoken otherwise than written", show_lines=True)
    for column in ("#", "lang", "written", "spoken"):
        table.add_column(column, justify="right" if column == "#" else "left",
                         overflow="fold")
    changed = total = 0
    for pair in loaded.pairs:
        for lang, paragraph in pair.texts:
            total += 1
            spoken = loaded.spoken(paragraph.text, lang)
            if spoken != paragraph.text:
                changed += 1
                for written_part, spoken_part in changes(paragraph.text, spoken, lang):
                    table.add_row(str(pair.index), lang, written_part, spoken_part)
    if changed:
        out.print(table)
    out.print(f"{changed} of {total} paragraphs are spoken otherwise than written")
    if with_leftovers:
        print_leftovers(loaded)
    for warning in loaded.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", markup=True)
    return changed


def print_leftovers(loaded: LoadedBook) -> int:
    """List each token left as written that espeak may not say well, with where it is first.

    Latin words, digits, letters mixed with digits and signs: what to put in the
    lexicon before listening. Returns how many different tokens there are.
    """
    from ..text.spoken import leftovers

    found: dict[tuple[str, str], list[int]] = {}
    said = loaded.book.pronounce
    for pair in loaded.pairs:
        for lang, paragraph in pair.texts:
            for token in leftovers(paragraph.text, lang, lexicon=said.lexicon(lang),
                                   keep_latin=said.keep_latin):
                found.setdefault((lang, token), []).append(pair.index)
    if found:
        table = Table(title="left as written (add them to the lexicon)", show_lines=False)
        for column in ("lang", "token", "times", "first pair"):
            table.add_column(column, justify="right" if column in ("times", "first pair")
                             else "left")
        for (lang, token), pairs in found.items():
            table.add_row(lang, escape(token), str(len(pairs)), str(pairs[0]))
        out.print(table)
    out.print(f"{len(found)} tokens left as written that espeak may not say well")
    return len(found)


def play(path: Path) -> str | None:
    """Play a file with the first player found; the player's name, or None when there is none."""
    for name, args, takes_mp3 in _PLAYERS:
        found = shutil.which(name)
        if not found:
            continue
        with tempfile.TemporaryDirectory() as folder:
            target = path
            if path.suffix.lower() == ".mp3" and not takes_mp3:
                target = Path(folder) / "say.wav"
                from ..audio import ffmpeg

                target.write_bytes(ffmpeg.run(["-i", str(path), "-f", "wav", "pipe:1"]))
            subprocess.run([found, *args, str(target)], check=False,
                           stdin=subprocess.DEVNULL, capture_output=True)
        return name
    return None


@app.command("say")
def say_command(
    book_dir: BookDir,
    text: Annotated[str | None, typer.Argument(help="The words to speak (with --lang).")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the text, e.g. kk.")] = None,
    pair: Annotated[
        int | None,
        typer.Option("--pair", min=1, help="Speak pair N's paragraphs (--lang: only that one)."),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (.mp3 or .wav; default: "
                     "output/<id>/say/…)."),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where output/<id>/say/ is made (without --out).")
    ] = Path("output"),
    offline: Annotated[bool, typer.Option(help="Skip engines that need the network.")] = False,
    play_it: Annotated[
        bool | None,
        typer.Option("--play/--no-play",
                     help="Play the file (default: when run in a terminal and a player exists)."),
    ] = None,
) -> None:
    """Speak a line, or a pair's paragraphs, as the book would (engine, voice, lexicon)."""
    with reported():
        from ..pipeline.loading import load
        from ..pipeline.say import default_path, lines_to_say, say

        loaded = load(book_dir)
        lines = lines_to_say(loaded, lang=lang, text=text, pair=pair)
        path = out_file or default_path(loaded, out_dir, lang=lang, text=text, pair=pair)
        said = say(loaded, lines, path, offline=offline)
        for line in said.lines:
            out.print(f"{line.lang} · {line.engine}: {line.spoken}")
        out.print(f"wrote {said.path} ({said.seconds:.1f} s)")
        if play_it is None:
            play_it = sys.stdout.isatty()
        if play_it and play(said.path) is None:
            err.print("no player found (ffplay, afplay, paplay, aplay); open the file yourself")
