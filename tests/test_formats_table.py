"""The formats table: a row per output, and the inputs a row declares are those its writer reads.

Each writer runs on a tiny built book whose manifest and configuration note every key read
from them (and whether the cover file was looked up). Then, row by row: every input the row
declares was read, and everything read is covered by an input the row declares (else a
change to it would leave the output stale). Not recorded: the loaded pairs (the manifest's
pairs are made from them) and the inputs that are the writers' own constants.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.pipeline import formats
from reader.pipeline.build import build
from reader.pipeline.cache import ClipCache
from reader.pipeline.formats import FORMATS, INPUTS, OUTPUTS, PRESET_OUTPUTS, SPLITS, Place
from reader.pipeline.loading import LoadedBook, load
from reader.pipeline.options import BuildOptions

from .conftest import write_book
from .images import png

#: What the cover's look-up is noted as (its bytes or its name are read after it).
COVER = "cover file"
COVER_PATH = formats.cover_path

#: What each input digests, as what a writer reads: paths in the manifest
#: ("pairs[].chapter"; "" = all of it), "Book.<attribute>" of the configuration, COVER.
#: A path covers what lies below it, and the containers above it are read on the way.
COVERS: dict[str, tuple[str, ...]] = {
    "document": ("",),
    "pairs": ("pairs",),
    "duration_ms": ("audio.duration_ms",),
    "audio_file": ("audio.file",),
    "chapters": ("pairs[].chapter",),
    "units": ("pairs[].units",),
    "spoken": ("pairs[].index", "pairs[].section", "pairs[].texts", "pairs[].clips"),
    "cover": (COVER, "Book.cover"),
    "cover_name": (COVER, "Book.cover"),
    # book.toml's metadata and the tool's version, and the manifest's copy of them
    "book": ("book", "generator", "Book.id", "Book.titles", "Book.album", "Book.author",
             "Book.source", "Book.date", "Book.order", "Book.title", "Book.full_title",
             "Book.stem"),
    "sound": ("Book.audio", "Book.pauses"),
    "front": ("Book.anki_front", "Book.order"),
}
#: Inputs with an entry per pair, in order: they cover a pair's index, its 1-based position.
PER_PAIR = {"document", "pairs", "chapters", "units", "spoken"}
#: Inputs that are the writer's own constants (versions, fixed figures): nothing to record.
CONSTANTS = {"anki_model", "page_assets", "epub_version", "m4b_version", "subtitles", "acx"}
#: Settings a writer may read that decide which clips it finds (planning the clips again,
#: say): the clips' keys are in the manifest, so a row's manifest input covers them.
CLIP_SETTINGS = {"Book.voices", "Book.voice", "Book.pronounce", "Book.unit", "Book.pattern",
                 "Book.root", "Book.text_path", "Book.toml_path"}
#: Rows whose writer is not run here, and why; a new row must be checked or listed here.
UNCHECKED: dict[str, str] = {}


class Recording(dict[str, Any]):
    """A manifest (part) that notes every key read from it, as a path ("pairs[].chapter")."""

    def __init__(self, value: dict[str, Any], where: str, seen: set[str]) -> None:
        super().__init__(value)
        self.where, self.seen = where, seen

    def _path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _wrap(self, key: str, value: Any) -> Any:
        path = self._path(key)
        self.seen.add(path)
        if isinstance(value, dict):
            return Recording(value, path, self.seen)
        if isinstance(value, list):
            return [Recording(item, f"{path}[]", self.seen) if isinstance(item, dict) else item
                    for item in value]
        return value

    def __getitem__(self, key: str) -> Any:
        return self._wrap(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self._wrap(key, super().get(key, default))

    def __contains__(self, key: object) -> bool:
        self.seen.add(self._path(str(key)))
        return super().__contains__(key)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return ((key, self._wrap(key, value)) for key, value in super().items())

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (value for _, value in self.items())


class RecordingBook:
    """A Book that notes each attribute read from it ("Book.audio")."""

    def __init__(self, book: Any, seen: set[str]) -> None:
        self._book, self._seen = book, seen

    def __getattr__(self, name: str) -> Any:
        self._seen.add(f"Book.{name}")
        return getattr(self._book, name)


def in_manifest(path: str) -> bool:
    """Whether a read path is in the manifest (not the configuration, not the cover)."""
    return path != COVER and not path.startswith("Book.")


def below(path: str, by: tuple[str, ...]) -> bool:
    """Whether a read path is one of `by` or lies below one ("": the whole manifest)."""
    return any(path == c or path.startswith((c + ".", c + "[]")) or (c == "" and in_manifest(path))
               for c in by)


def on_the_way(path: str, by: tuple[str, ...]) -> bool:
    """Whether a read path is a container above one of `by` (read to get there)."""
    return any(c.startswith((path + ".", path + "[]")) for c in by)


@dataclasses.dataclass
class Tiny:
    """A tiny built book: loaded, its manifest, its MP3 and its clip cache."""

    loaded: LoadedBook
    document: dict[str, Any]
    mp3: Path
    cache: ClipCache


def _build(root: Path, **how: Any) -> Tiny:
    book = write_book(root / "tiny", "# Бір\n\nСәлем, әлем.\n\n# Екі\n\nЕкінші абзац.\n",
                      "# 一\n\n你好，世界。\n\n# 二\n\n第二段。\n")
    (book / "cover.png").write_bytes(png(4, 4))
    loaded = load(book, **how)
    options = BuildOptions(out=root / "out", jobs=1, masters=True)
    report = build(loaded, options)
    return Tiny(loaded, json.loads(report.manifest.read_text("utf-8")), report.output,
                options.clip_cache())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    """Paragraph by paragraph, with a cover and the lossless masters (for the M4B)."""
    return _build(tmp_path_factory.mktemp("table"))


@pytest.fixture(scope="module")
def tiny_sentences(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    """Sentence by sentence (for the Anki deck)."""
    return _build(tmp_path_factory.mktemp("table-sentences"), unit="sentence")


#: Each checked row, with the build its writer runs on.
SENTENCE_ROWS = {"apkg"}


def reads(row: str, built: Tiny, folder: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Run a row's writer on the built book into `folder`; return what it read."""
    seen: set[str] = set()

    def cover_path(book: Any) -> Path | None:
        seen.add(COVER)
        return COVER_PATH(book._book if isinstance(book, RecordingBook) else book)

    monkeypatch.setattr(formats, "cover_path", cover_path)
    folder.mkdir()
    shutil.copyfile(built.mp3, folder / built.mp3.name)  # the EPUB's audio
    loaded = dataclasses.replace(built.loaded,
                                 book=RecordingBook(built.loaded.book, seen))  # type: ignore[arg-type]
    output = OUTPUTS[row]
    place = Place(loaded, Recording(built.document, "", seen), folder,  # type: ignore[arg-type]
                  built.cache, "sections" if row == "sections" else None,
                  row in SENTENCE_ROWS, built.loaded.book.order[0] if output.per_language else "")
    output.write(place)
    return seen


def test_every_format_but_the_mp3_and_every_split_is_a_row() -> None:
    assert set(OUTPUTS) == (set(FORMATS) - {"mp3"}) | set(SPLITS) | set(PRESET_OUTPUTS)
    assert all(name in INPUTS for row in OUTPUTS.values() for name in row.inputs)


def test_every_input_is_recordable_or_a_constant() -> None:
    assert set(COVERS) | CONSTANTS == set(INPUTS) and not set(COVERS) & CONSTANTS


def mismatches(row: str, inputs: tuple[str, ...], seen: set[str]) -> list[str]:
    """How a row declaring `inputs` disagrees with what its writer read (`seen`)."""
    found = []
    declared = [name for name in inputs if name not in CONSTANTS]
    for name in declared:  # declared but never read: rewrites the files for nothing
        if not any(below(path, COVERS[name]) for path in seen):
            found.append(f"{row}: declares {name!r} but its writer reads none of it")
    digested = tuple(path for name in declared for path in COVERS[name])
    known = CLIP_SETTINGS | {path for name in COVERS for path in COVERS[name]}
    for path in sorted(seen - CLIP_SETTINGS):  # read but not declared: a stale output
        if path.startswith("Book.") and path not in known:
            found.append(f"{row}: reads {path}, which no input digests")
        elif not (below(path, digested) or on_the_way(path, digested)
                  or (path == "pairs[].index" and PER_PAIR & set(declared))):
            found.append(f"{row}: reads {path} but declares no input that digests it")
    return found


@pytest.fixture(scope="module")
def seen(tiny: Tiny, tiny_sentences: Tiny, tmp_path_factory: pytest.TempPathFactory
         ) -> dict[str, set[str]]:
    """Row → what its writer read, for every checked row."""
    folder = tmp_path_factory.mktemp("writers")
    with pytest.MonkeyPatch.context() as monkeypatch:
        return {row: reads(row, tiny_sentences if row in SENTENCE_ROWS else tiny,
                           folder / row, monkeypatch)
                for row in OUTPUTS if row not in UNCHECKED}


@pytest.mark.parametrize("row", [row for row in OUTPUTS if row not in UNCHECKED])
def test_a_row_declares_exactly_what_its_writer_reads(row: str, seen: dict[str, set[str]]
                                                      ) -> None:
    assert mismatches(row, OUTPUTS[row].inputs, seen[row]) == []


def test_a_row_declaring_an_input_its_writer_ignores_is_caught(seen: dict[str, set[str]]
                                                               ) -> None:
    # podcast chapters: the chapters and the audio file's name, not the words nor the cover
    assert mismatches("json", (*OUTPUTS["json"].inputs, "units", "cover"), seen["json"]) == [
        "json: declares 'units' but its writer reads none of it",
        "json: declares 'cover' but its writer reads none of it"]


def test_a_row_missing_an_input_its_writer_reads_is_caught(seen: dict[str, set[str]]) -> None:
    # the tracks' pictures come from the cover; their timing from the book's audio settings
    inputs = tuple(name for name in OUTPUTS["tracks"].inputs if name not in ("cover", "sound"))
    assert {line.split(" but ")[0] for line in mismatches("tracks", inputs, seen["tracks"])} \
        >= {"tracks: reads cover file", "tracks: reads Book.audio", "tracks: reads Book.pauses"}


def test_the_table_lists_every_row_as_checked_or_unchecked() -> None:
    assert set(UNCHECKED) <= set(OUTPUTS)
    assert all(reason for reason in UNCHECKED.values())
