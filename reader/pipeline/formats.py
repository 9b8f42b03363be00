"""Outputs made from the cached clips and the manifest, after the bilingual MP3.

Each output is a job: the files it writes, the inputs that decide their
content, and the writer. A job runs only when its inputs changed since it last
ran or its files are not the ones it wrote (missing, or edited since: size and
SHA-256 differ); what ran is recorded in ``<id>/.outputs.json`` (input digest,
files and their sums per job). A job not asked for this time has its files
removed: the folder holds what one build asked for, nothing older.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, fsutil, speech
from ..audio import ffmpeg
from ..audio.mastering import ENCODER_DELAY, encoder_gain_db
from ..audio.timeline import lay_out
from ..config import Book, check_cover
from ..digest import json_digest
from ..errors import AudioError, ConfigError
from ..images import file_kind
from ..manifest_types import Manifest
from ..outputs import FORMATS, anki, epub, m4b, page, sidecars, tracks
from ..paths import inside
from ..records import load_json
from .cache import ClipCache
from .clips import master_path, pause, pause_pieces, plan_clips, synthesise
from .events import Events
from .loading import LoadedBook
from .manifest import path_for as manifest_path

#: Values of `reader build --split`.
SPLITS = ("sections",)
#: Outputs an audio preset asks for (`preset = "acx"`): ACX takes a file per chapter.
PRESET_OUTPUTS = ("acx",)
#: ACX's room tone: 0.5–1 s before the first words (the clip's own lead-in adds a
#: little), 1–5 s after the last.
ACX_ROOM_TONE = (0.6, 2.0)
STATE_FILE = ".outputs.json"
#: Raise when a writer changes what it writes, so old outputs are rebuilt.
WRITERS_VERSION = 1
COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png")


@dataclass(frozen=True)
class Job:
    """One output: its state key, the files it writes, what decides them, and its writer."""

    key: str
    files: tuple[Path, ...]
    inputs: Any
    write: Callable[[], list[Path]]
    #: What the progress shows while it runs (the key when empty).
    step: str = ""


def cover_path(book: Book) -> Path | None:
    """The book's cover image: book.toml's `cover` when the config knows it, else cover.jpg/png."""
    if book.cover:
        return inside(book.root, book.cover, "the cover", f"{book.toml_path}: cover")
    for name in COVER_NAMES:
        found = book.root / name
        if found.is_file():
            inside(book.root, name, "the cover")
            check_cover(found, book.toml_path)
            return found
    return None


def clip_frames(document: Manifest, cache: ClipCache) -> dict[tuple[int, str], tuple[str, int]]:
    """(pair, lang) → (key, frames) for every clip the manifest names, checked in the cache."""
    found: dict[tuple[int, str], tuple[str, int]] = {}
    for pair in document["pairs"]:
        for lang, key in pair["clips"].items():
            clip = cache.get(key)
            if clip is None:
                raise AudioError(
                    f"paragraph {pair['index']} ({lang}): clip {key[:12]}… is missing from "
                    f"{cache.root}; run `reader build` again to make it"
                )
            found[(pair["index"], lang)] = (key, clip.frames)
    return found


def master_pcm(loaded: LoadedBook, clips: dict[tuple[int, str], tuple[str, int]],
               cache: ClipCache) -> Iterator[bytes]:
    """The book's PCM from the clips' lossless masters, on the MP3's timeline.

    Clips made without a master (by a build that did not ask for the M4B) are
    made again with one first: the same MP3, since synthesis is deterministic.
    """
    book = loaded.book
    missing = [job for job in plan_clips(loaded)[0]
               if not master_path(cache, job.key).exists()]
    if missing:
        synthesise(missing, book.audio, cache, max(1, os.cpu_count() or 1), Events(),
                   processes=not any(speech.get(job.engine).networked for job in missing),
                   masters=True)
    timeline = lay_out(loaded.pairs, clips, pause_pieces(book, cache), book.audio.frame_seconds)
    pieces = [(piece.frames, master_path(cache, piece.key) if piece.pair else None)
              for piece in timeline.pieces]
    padding = cache.padding(timeline.pieces[-1].key) if timeline.pieces else 0
    # A master is what LAME was given; the MP3 plays it at LAME's gain, and so must the M4B.
    return m4b.timeline_pcm(pieces, 1152 if book.audio.mpeg1 else 576, book.audio.sample_rate,
                            drop_at_end=ENCODER_DELAY + padding,
                            gain_db=encoder_gain_db(book.audio))


def _file_digest(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path else None


def _cover_bytes(book: Book) -> bytes:
    """The cover's bytes for an MP3's picture (APIC); empty when the book has none."""
    path = cover_path(book)
    return path.read_bytes() if path else b""


def _book_inputs(book: Book) -> dict[str, Any]:
    return {"writers": WRITERS_VERSION, "reader": __version__, "id": book.id,
            "titles": dict(book.titles), "album": book.album, "author": book.author,
            "source": book.source, "date": book.date, "order": list(book.order)}


@dataclass
class Place:
    """What a format's row is given: the book, its manifest, where to write, the clips."""

    loaded: LoadedBook
    document: Manifest
    folder: Path
    cache: ClipCache
    split: str | None
    #: Spoken by sentence or by a pattern (the manifest has units).
    units: bool
    #: The language of a per-language row's job ("" otherwise).
    lang: str = ""
    _frames: dict[tuple[int, str], tuple[str, int]] = dataclasses.field(default_factory=dict)

    @property
    def book(self) -> Book:
        """The book being built."""
        return self.loaded.book

    def frames(self) -> dict[tuple[int, str], tuple[str, int]]:
        """(pair, lang) → (clip key, frames), read and checked in the cache when first asked."""
        if not self._frames:
            self._frames.update(clip_frames(self.document, self.cache))
        return self._frames

    def cover_name(self) -> str | None:
        """The name of the book's cover beside the reading page (None: the book has none)."""
        cover = cover_path(self.book)
        if cover is None:
            return None
        return page.COVER_FILES[1] if file_kind(cover) == "png" else page.COVER_FILES[0]

    def text(self, path: Path, render: Callable[[Manifest], str]) -> list[Path]:
        """Write `render(document)` to `path` as UTF-8."""
        fsutil.write_bytes(path, render(self.document).encode("utf-8"))
        return [path]


def _sound(place: Place) -> dict[str, Any]:
    book = place.book
    return {"pauses": dataclasses.asdict(book.pauses), "audio": dataclasses.asdict(book.audio),
            "ffmpeg": ffmpeg.version()}


def _spoken(place: Place) -> list[list[Any]]:
    lang = place.lang
    return [[p["index"], p["section"], p["texts"][lang], p["clips"][lang]]
            for p in place.document["pairs"] if lang in p["clips"]]


#: What decides an output's files: a name each, and how it is read. A row lists those
#: it depends on; when one changes, the row's files are written again.
INPUTS: dict[str, Callable[[Place], Any]] = {
    "book": lambda place: _book_inputs(place.book),
    "document": lambda place: place.document,
    "pairs": lambda place: place.document["pairs"],
    "duration_ms": lambda place: place.document["audio"]["duration_ms"],
    "audio_file": lambda place: place.document["audio"]["file"],
    "chapters": lambda place: [p["chapter"] for p in place.document["pairs"]],
    "units": lambda place: [pair.get("units") for pair in place.document["pairs"]],
    "spoken": _spoken,
    "sound": _sound,
    "front": lambda place: place.book.anki_front or place.book.order[1],
    "anki_model": lambda place: anki.MODEL_VERSION,
    "page_assets": lambda place: page.assets_digest(sentences=place.units),
    "cover_name": lambda place: place.cover_name(),
    "cover": lambda place: _file_digest(cover_path(place.book)),
    "epub_version": lambda place: epub.EPUB_VERSION,
    "m4b_version": lambda place: m4b.M4B_VERSION,
    "subtitles": lambda place: sidecars.SUBTITLES_VERSION,
    "acx": lambda place: [ACX_ROOM_TONE, tracks.ACX_SHORTEST],
}


@dataclass(frozen=True)
class Output:
    """A row of OUTPUTS: the files one format writes, what decides them, and its writer."""

    files: Callable[[Place], tuple[Path, ...]]
    #: Names in INPUTS, in the order they are digested.
    inputs: tuple[str, ...]
    write: Callable[[Place], list[Path]]
    #: One job per language of the book (its key "<key>-<lang>"), `place.lang` set.
    per_language: bool = False
    #: The job's key in the outputs record (the format's name when empty).
    key: str = ""


def _stem_file(suffix: str) -> Callable[[Place], tuple[Path, ...]]:
    return lambda place: (place.folder / f"{place.book.stem}{suffix}",)


def _page_files(place: Place) -> tuple[Path, ...]:
    names = (*page.ASSETS, *(page.SENTENCE_ASSETS if place.units else ()))
    return (place.folder / "index.html", *(place.folder / page.ASSET_FOLDER / n for n in names))


def _write_apkg(place: Place) -> list[Path]:
    (path,) = _stem_file(".apkg")(place)
    return [anki.write_apkg(path, place.document, place.cache.path, INPUTS["front"](place))]


def _write_epub(place: Place) -> list[Path]:
    (path,) = _stem_file(".epub")(place)
    audio = place.folder / place.document["audio"]["file"]
    return [epub.write_epub(path, place.document, audio, cover_path(place.book))]


def _write_track(place: Place) -> list[Path]:
    path, marker = _track_file(place)
    tracks.write_track(path, place.book, place.loaded.pairs, place.lang, place.frames(),
                       pause_pieces(place.book, place.cache), place.cache,
                       cover=_cover_bytes(place.book))
    return [path, marker]


def _track_file(place: Place) -> tuple[Path, ...]:
    path = tracks.track_path(place.folder, place.book, place.lang)
    return (path, path.parent / tracks.HIDDEN_MARKER)


def _section_files(place: Place) -> tuple[Path, ...]:
    count = len(tracks.sections(place.loaded.pairs))
    playlist = tracks.playlist_path(place.folder, place.book)
    return (*tracks.section_paths(place.folder, place.book, count), playlist,
            playlist.parent / tracks.HIDDEN_MARKER)


def _write_sections(place: Place) -> list[Path]:
    return tracks.write_sections(place.folder, place.book, place.loaded.pairs, place.frames(),
                                 pause_pieces(place.book, place.cache), place.cache,
                                 cover=_cover_bytes(place.book))


def _m4b_files(place: Place) -> tuple[Path, ...]:
    folder = place.folder / "m4b"
    return (folder / f"{place.book.stem}.m4b", folder / tracks.HIDDEN_MARKER)


def _write_m4b(place: Place) -> list[Path]:
    path, _ = _m4b_files(place)
    document = place.document
    m4b.write_m4b(path, master_pcm(place.loaded, place.frames(), place.cache), place.book,
                  sidecars.manifest_chapters(document), cover_path(place.book),
                  credits="; ".join((document.get("credits") or {}).values()))
    return [path, tracks.mark_hidden(path.parent)]


def _acx_groups(place: Place) -> list[tuple[str, tuple[Any, ...]]]:
    seconds = {p["index"]: sum(p["end"][lang] - p["start"][lang] for lang in p["start"]) / 1000
               for p in place.document["pairs"]}
    return tracks.acx_groups(place.book, place.loaded.pairs, seconds)


def _acx_files(place: Place) -> tuple[Path, ...]:
    titles = [title for title, _ in _acx_groups(place)]
    return (*tracks.acx_paths(place.folder, titles),
            place.folder / tracks.ACX_FOLDER / tracks.HIDDEN_MARKER)


def _write_acx(place: Place) -> list[Path]:
    book, cache = place.book, place.cache
    room_tone = (pause(ACX_ROOM_TONE[0], book.audio, cache),
                 pause(ACX_ROOM_TONE[1], book.audio, cache))
    return tracks.write_acx(place.folder, book, _acx_groups(place), place.frames(),
                            pause_pieces(book, cache), room_tone, cache,
                            cover=_cover_bytes(book))


#: Every output but the book's MP3 (written by the build itself), cheapest first:
#: the order jobs run in. A new format is a row here (and its name in reader.outputs.FORMATS).
OUTPUTS: dict[str, Output] = {
    "vtt": Output(_stem_file(".vtt"), ("book", "pairs", "subtitles"),
                  lambda place: place.text(_stem_file(".vtt")(place)[0], sidecars.webvtt)),
    "lrc": Output(_stem_file(".lrc"), ("book", "duration_ms", "pairs", "subtitles"),
                  lambda place: place.text(_stem_file(".lrc")(place)[0], sidecars.lrc)),
    # Enhanced LRC: a stamp per word; its own name, beside the plain one.
    "lrcw": Output(_stem_file(".words.lrc"), ("book", "duration_ms", "pairs", "subtitles"),
                   lambda place: place.text(_stem_file(".words.lrc")(place)[0],
                                            sidecars.lrc_words)),
    "apkg": Output(_stem_file(".apkg"), ("book", "front", "anki_model", "units"), _write_apkg),
    "json": Output(lambda place: (place.folder / f"{place.book.id}.chapters.json",),
                   ("book", "audio_file", "chapters"),
                   lambda place: place.text(place.folder / f"{place.book.id}.chapters.json",
                                            sidecars.podcast_chapters)),
    "html": Output(_page_files, ("book", "document", "page_assets", "cover_name"),
                   lambda place: page.write_page(place.folder, place.document,
                                                 place.cover_name())),
    "epub": Output(_stem_file(".epub"), ("book", "document", "cover", "epub_version"),
                   _write_epub),
    "tracks": Output(_track_file, ("book", "sound", "spoken", "cover"), _write_track,
                     per_language=True, key="track"),
    "sections": Output(_section_files, ("book", "sound", "pairs", "cover"), _write_sections,
                       key="split-sections"),
    "m4b": Output(_m4b_files, ("book", "sound", "document", "cover", "m4b_version"),
                  _write_m4b),
    "acx": Output(_acx_files, ("book", "sound", "pairs", "cover", "acx"), _write_acx),
}


def plan(loaded: LoadedBook, document: Manifest, folder: Path, formats: tuple[str, ...],
         cache: ClipCache, split: str | None = None) -> list[Job]:
    """The jobs for the chosen formats (and the split), in the order of OUTPUTS."""
    units = page.has_units(document)  # spoken by sentence or by a pattern
    check_unit_formats(loaded.book.unit, units, formats, split)
    asked = set(formats) | ({split} if split else set())
    if loaded.book.preset in PRESET_OUTPUTS and not units:  # made from paragraph clips
        asked.add(loaded.book.preset)
    shared = Place(loaded, document, folder, cache, split, units)
    jobs: list[Job] = []
    cover, name = cover_path(loaded.book), shared.cover_name()
    if cover is not None and name is not None:
        # Copied beside the reading page, where the page, the index page and the feed find it.
        data = cover.read_bytes()
        cover_file = folder / page.ASSET_FOLDER / name

        def write_cover(path: Path = cover_file, data: bytes = data) -> list[Path]:
            fsutil.write_bytes(path, data)
            return [path]

        jobs.append(Job("cover", (cover_file,), hashlib.sha256(data).hexdigest(), write_cover))
    for name, output in OUTPUTS.items():
        if name not in asked:
            continue
        langs = loaded.book.order if output.per_language else ("",)
        for lang in langs:
            place = dataclasses.replace(shared, lang=lang) if lang else shared
            key = output.key or name
            jobs.append(Job(f"{key}-{lang}" if lang else key, output.files(place),
                            [INPUTS[input_name](place) for input_name in output.inputs],
                            functools.partial(output.write, place)))
    return jobs


#: The outputs record: per job, the digest of its inputs and the files it wrote
#: (and, checked apart so that a record without them is only out of date,
#: "sums": file → [size, SHA-256]).
STATE_SHAPE = {str: {"digest": str, "files": [str]}}


def _sum(path: Path) -> list[Any]:
    """[size, SHA-256] of a file, read in blocks (an M4B or MP3 may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return [path.stat().st_size, digest.hexdigest()]


def _intact(folder: Path, entry: dict[str, Any]) -> bool:
    """Whether every file the record names is as it was written (same size and SHA-256)."""
    sums = entry.get("sums")
    if not isinstance(sums, dict) or set(sums) != set(entry.get("files", ())):
        return False
    for name, recorded in sums.items():
        path = folder / name
        try:
            if (path.is_symlink() or not isinstance(recorded, list) or len(recorded) != 2
                    or path.stat().st_size != recorded[0] or _sum(path) != recorded):
                return False
        except OSError:
            return False
    return True


def _remove_files(folder: Path, names: Any, keep: set[Path]) -> list[Path]:
    """Delete the named files inside `folder` (never through a link, never one in `keep`),
    and the subfolders they leave empty; return those removed (the tool's dotfiles aside)."""
    removed = []
    for name in names if isinstance(names, list) else []:
        gone = folder / name
        if (isinstance(name, str) and gone not in keep and not gone.is_symlink()
                and gone.is_file() and gone.resolve().is_relative_to(folder.resolve())):
            gone.unlink()
            if not gone.name.startswith("."):
                removed.append(gone)
            with contextlib.suppress(OSError):  # not empty: other outputs live there
                if gone.parent != folder:
                    gone.parent.rmdir()
    return removed


def check_formats(formats: tuple[str, ...], split: str | None) -> None:
    """Raise ConfigError for an unknown format or way to split the book."""
    if split is not None and split not in SPLITS:
        raise ConfigError(f"--split {split}: unknown; choose from {', '.join(SPLITS)}")
    unknown = [name for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise ConfigError(f"--formats: unknown format {unknown[0] if unknown else '(none)'}; "
                          f"choose from {', '.join(FORMATS)}")


def check_unit_formats(unit: str, learning: bool, formats: tuple[str, ...],
                       split: str | None) -> None:
    """Raise ConfigError for outputs the book's unit and pattern cannot make.

    One-language tracks and section files are made from paragraph clips; the
    Anki deck needs sentences. `build` calls this before any synthesis.
    """
    if learning and ("tracks" in formats or "m4b" in formats or split):
        raise ConfigError("--formats tracks, m4b and --split need the classic book (paragraph "
                          "by paragraph, pattern = the book's order); build them without "
                          "--unit sentence / --pattern")
    if "apkg" in formats and unit != "sentence":
        raise ConfigError("--formats apkg: the Anki deck has a note per sentence pair; "
                          'build with --unit sentence (or unit = "sentence" in book.toml)')


@dataclass
class Written:
    """What `write_formats` changed in the folder."""

    written: list[Path]
    removed: list[Path]
    #: Jobs dropped from the record (not asked for this time).
    forgotten: list[str]

    @property
    def changed(self) -> bool:
        """Whether the folder (its outputs or their record) differs from before."""
        return bool(self.written or self.removed or self.forgotten)


def write_formats(loaded: LoadedBook, document: Manifest, folder: Path,
                  formats: tuple[str, ...], cache: ClipCache, split: str | None = None,
                  warnings: list[str] | None = None,
                  on_step: Callable[[str], None] | None = None,
                  first: tuple[Job, ...] = ()) -> Written:
    """Run, in `folder`, the `first` jobs and those of the outputs asked for whose inputs
    changed or whose files differ from what was written; remove the files of jobs not
    asked for this time.

    `folder` is a new generation of the book's output folder (see staging):
    every file is written under a new name and renamed, never edited in place.
    """
    check_formats(formats, split)
    state, problem = load_json(folder / STATE_FILE, STATE_SHAPE)
    if problem and warnings is not None:
        warnings.append(f"{problem}; every output is made again")
    state = state or {}
    jobs = [*first, *plan(loaded, document, folder, formats, cache, split)]
    # What this build writes is never removed, whatever a (hand-edited) record says.
    keep = {path for job in jobs for path in job.files} | {
        manifest_path(folder, loaded.book.id), folder / STATE_FILE}
    done = Written([], [], sorted(set(state) - {job.key for job in jobs}))
    for key in done.forgotten:  # asked for before, not now
        done.removed += _remove_files(folder, state.pop(key).get("files"), keep)
    if done.forgotten:
        _save_state(folder, state)
    for job in jobs:
        wanted = json_digest(job.inputs)
        before = state.get(job.key) or {}
        if before.get("digest") == wanted and _intact(folder, before) \
                and {str(path.relative_to(folder)) for path in job.files} <= set(before["files"]):
            continue
        if on_step is not None:
            on_step(job.step or job.key)
        paths = job.write()
        names = [str(path.relative_to(folder)) for path in paths]
        # e.g. the file of a section that no longer exists
        done.removed += _remove_files(folder, sorted(set(before.get("files", [])) - set(names)),
                                      keep)
        state[job.key] = {"digest": wanted, "files": names,
                          "sums": {name: _sum(folder / name) for name in names}}
        _save_state(folder, state)
        done.written += [path for path in paths if not path.name.startswith(".")]
    return done


def _save_state(folder: Path, state: dict[str, Any]) -> None:
    fsutil.write_bytes(folder / STATE_FILE,
                       json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"))
