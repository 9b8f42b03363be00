"""The manifest's format: its types, and the shape a manifest read back must have.

The manifest (``<id>.manifest.json``) is the book as built; reader.pipeline.manifest
and reader.pipeline.learning write it, every later output reads it. The types say
what this version writes; `SHAPE` what a manifest read back is checked for
(`read_manifest`): its required keys, which tests/test_manifest_types.py keeps equal
to the types' required keys. Keys outside the shape (words, timings, credits, …) may
be missing from a manifest written by an older version, so readers `.get` them.

Times are milliseconds from the book's start; a word is [start ms, end ms, first
character, end character] in its text.
"""

# No `from __future__ import annotations`: on Python 3.11 TypedDict sees NotRequired[...]
# only in real annotations, and __required_keys__ must stay true to the shape.
from pathlib import Path
from typing import NotRequired, TypedDict

from .records import load_json, mismatch

FORMAT = "reader-manifest/1"

#: A word's [start ms, end ms, char start, char end].
Word = list[int]


class BookInfo(TypedDict):
    """Who and what: the book's metadata."""

    id: str
    title: str
    titles: dict[str, str]
    author: str
    source: str
    date: str
    order: list[str]


class AudioInfo(TypedDict):
    """The bilingual MP3."""

    file: str
    duration_ms: int
    #: Everything the MP3's bytes depend on (set by the build once the timeline is known).
    fingerprint: str
    sample_rate: NotRequired[int]
    bitrate_kbps: NotRequired[int]
    loudness_lufs: NotRequired[float]


class ChapterInfo(TypedDict):
    """A pair's chapter in the MP3."""

    title: str
    start: int
    end: int


class SpokenStep(TypedDict):
    """One pattern step of a unit as heard: a clip (`lang` set) or a gap (`gap` set)."""

    start: int
    end: int
    lang: NotRequired[str]
    speed: NotRequired[float]
    clip: NotRequired[str]
    #: The words' times, characters indexing the unit's text.
    words: NotRequired[list[Word]]
    #: A shadowing gap's factor (its length over the clip just heard).
    gap: NotRequired[float]


class UnitEntry(TypedDict):
    """A unit of a book spoken by sentence or with a pattern."""

    number: int
    kind: str
    confidence: float
    texts: dict[str, str]
    #: Its normal-speed clip per language.
    clips: dict[str, str]
    start: int | None
    end: int | None
    spoken: list[SpokenStep]
    #: A sentence book's Anki note for the unit: its GUID, and when its sentence last
    #: changed (seconds since the epoch), carried from build to build (reader.pipeline.notes).
    guid: NotRequired[str]
    changed: NotRequired[int]


class PairEntry(TypedDict):
    """A paragraph pair: its texts and chapter; in a paragraph book its clips and words,
    in a unit book its units (then `clips` is empty)."""

    index: int
    section: int
    section_title: str | None
    chapter: ChapterInfo
    texts: dict[str, str]
    lines: dict[str, int]
    clips: dict[str, str]
    start: dict[str, int]
    end: dict[str, int]
    #: The text as spoken, per language (paragraph book).
    spoken: NotRequired[dict[str, str]]
    #: The words' times per language (paragraph book).
    words: NotRequired[dict[str, list[Word]]]
    units: NotRequired[list[UnitEntry]]


class Manifest(TypedDict):
    """The book as built."""

    format: str
    book: BookInfo
    audio: AudioInfo
    #: lang → "engine (voice)".
    engines: dict[str, str]
    pairs: list[PairEntry]
    generator: NotRequired[str]
    #: How each language's word times were found ("measured", "estimated", "none").
    timings: NotRequired[dict[str, str]]
    #: The attribution a voice's licence asks for, per language.
    credits: NotRequired[dict[str, str]]
    #: A unit book's unit ("sentence", "paragraph") and pattern ("kk zh zh@0.8 _").
    unit: NotRequired[str]
    pattern: NotRequired[str]


#: What later steps rely on; a manifest of another shape is treated as absent.
SHAPE = {
    "format": str,
    "book": {"id": str, "title": str, "titles": {str: str}, "author": str, "source": str,
             "date": str, "order": [str]},
    "audio": {"file": str, "duration_ms": int, "fingerprint": str},
    "engines": {str: str},
    "pairs": [{
        "index": int, "section": int, "section_title": (str, None),
        "chapter": {"title": str, "start": int, "end": int},
        "texts": {str: str}, "lines": {str: int}, "clips": {str: str},
        "start": {str: int}, "end": {str: int},
    }],
}

#: A unit of a book spoken by sentence or with a pattern (reader.pipeline.learning).
UNIT_SHAPE = {
    "number": int, "kind": str, "confidence": float, "texts": {str: str}, "clips": {str: str},
    "start": (int, None), "end": (int, None),
    "spoken": [{"start": int, "end": int}],
}


def read_manifest(path: Path) -> tuple[Manifest | None, str | None]:
    """A manifest written earlier, validated: (document, None), (None, None) when there is
    none, or (None, why) when it is damaged or of another shape (then it is rebuilt)."""
    document, problem = load_json(path, SHAPE)
    if document is not None and document["format"] != FORMAT:
        return None, f"{path}: format {document['format']!r} is not {FORMAT!r}"
    if document is not None:
        for pair in document["pairs"]:
            # A unit book's pair has no paragraph clips: its clips are in its units.
            langs = set(pair["texts"]) if "units" in pair else set(pair["clips"])
            if not (langs == set(pair["texts"]) == set(pair["start"]) == set(pair["end"])):
                return None, f"{path}: pair {pair['index']} lists different languages"
            found = mismatch(pair.get("units", []), [UNIT_SHAPE], f"pairs[{pair['index']}].units")
            if found:
                return None, f"{path}: unexpected content ({found})"
    return document, problem


def used_keys(document: Manifest) -> set[str]:
    """Every clip key a manifest's book is made of (a unit book's clips are in its units)."""
    keys = {key for pair in document["pairs"] for key in pair["clips"].values()}
    for pair in document["pairs"]:
        for unit in pair.get("units", []):
            keys.update(unit["clips"].values())
            keys.update(step["clip"] for step in unit["spoken"] if "clip" in step)
    return keys
