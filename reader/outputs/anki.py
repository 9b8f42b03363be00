"""An Anki deck (.apkg) made from a unit manifest: one note per sentence pair.

Front: one language's sentence and its audio (by default the book's second
language, the one being learnt); back: the other's. Each note's GUID and
modification time come from its unit in the manifest (reader.pipeline.notes
keeps them with the sentence from build to build), so Anki's importer adds a
note for an inserted sentence, updates the note of an edited one and leaves the
others alone. The audio is the cached clip of each sentence, copied as an MP3
file (nothing is synthesised again) named after the clip key, not the place: an
edited sentence brings a new sound file rather than being shadowed by the old
one in Anki's media folder, and a moved one keeps its file.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import fsutil
from ..manifest_types import Manifest, UnitEntry

#: Raise when the note type's fields or templates change (Anki keys note types by id).
MODEL_VERSION = 1
_CSS = """.card { font-family: sans-serif; font-size: 26px; text-align: center; }
.card :lang(zh) { font-size: 32px; }
"""


def stable_id(*parts: object) -> int:
    """A positive 31-bit id that is always the same for the same parts."""
    digest = hashlib.sha256("/".join(str(part) for part in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def place_guid(book_id: str, pair: int, sentence: int) -> str:
    """The GUID of the note for the sentence at this place, in a book's first deck."""
    import genanki

    return str(genanki.guid_for(book_id, pair, sentence))


def fresh_guid(book_id: str, texts: tuple[str, ...], taken: set[str]) -> str:
    """A GUID for a sentence new to the book: from its texts, none of `taken`."""
    import genanki

    for count in itertools.count():
        guid = str(genanki.guid_for(book_id, "sentence", *texts, count))
        if guid not in taken:
            return guid
    raise AssertionError("unreachable")


def deck_name(document: Manifest) -> str:
    """The book's title in every language, in book order ("Ең соңғы… / 最后一公里")."""
    book = document["book"]
    titles = book.get("titles") or {}
    names = [titles[lang] for lang in book["order"] if lang in titles]
    return " / ".join(names) or book["title"]


def sentence_pairs(document: Manifest) -> list[tuple[int, UnitEntry]]:
    """(pair, unit) of every unit that has both languages."""
    order = document["book"]["order"]
    return [(pair["index"], unit) for pair in document["pairs"]
            for unit in pair.get("units", []) if all(lang in unit["texts"] for lang in order)]


def write_apkg(path: Path, document: Manifest, clip_path: Callable[[str], Path],
               front: str) -> Path:
    """Write the deck for a unit manifest; `front` is the language asked on the card."""
    import genanki  # only this output needs it

    book = document["book"]
    back = next(lang for lang in book["order"] if lang != front)
    model = genanki.Model(
        stable_id("reader", "sentence-pair", MODEL_VERSION, front, back),
        f"reader sentence pair ({front} → {back})",
        fields=[{"name": "Front"}, {"name": "Front audio"}, {"name": "Back"},
                {"name": "Back audio"}, {"name": "Place"}],
        templates=[{
            "name": f"{front} → {back}",
            "qfmt": f'<div lang="{front}">{{{{Front}}}}</div>{{{{Front audio}}}}',
            "afmt": f'{{{{FrontSide}}}}<hr id="answer"><div lang="{back}">{{{{Back}}}}</div>'
                    "{{Back audio}}",
        }],
        css=_CSS,
    )
    deck = genanki.Deck(stable_id("reader", "deck", book["id"]), deck_name(document))

    class Note(genanki.Note):  # type: ignore[misc]
        """A note written with its own modification time, not the package's."""

        def __init__(self, changed: int, **fields: Any) -> None:
            super().__init__(**fields)
            self.changed = changed

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int,
                        id_gen: Any) -> None:
            super().write_to_db(cursor, self.changed, deck_id, id_gen)

    with tempfile.TemporaryDirectory(prefix="reader-apkg-") as scratch:
        media: dict[str, str] = {}

        def sound(lang: str, key: str) -> str:
            name = f"{book['id']}-{lang}-{key[:16]}.mp3"
            if name not in media:  # a sentence written twice has one clip
                target = Path(scratch) / name
                shutil.copyfile(clip_path(key), target)
                media[name] = str(target)
            return f"[sound:{name}]"

        notes = sentence_pairs(document)
        for pair, unit in notes:
            texts, clips, sentence = unit["texts"], unit["clips"], unit["number"]
            # Anki's importer updates a note only when the incoming one is newer:
            # "changed" moves only when the sentence's texts or sound do.
            deck.add_note(Note(
                unit["changed"], model=model,
                fields=[html.escape(texts[front]), sound(front, clips[front]),
                        html.escape(texts[back]), sound(back, clips[back]),
                        f"{pair}.{sentence}"],
                guid=unit["guid"],
                sort_field=f"{pair:05d}.{sentence:03d}",
            ))
        # The package's own time (note and card ids, the note type's) follows the
        # notes', so the same notes make the same collection.
        stamp = max((unit["changed"] for _, unit in notes), default=0)
        with fsutil.atomic_path(path) as temp:
            genanki.Package(deck, media_files=list(media.values())).write_to_file(
                str(temp), timestamp=stamp)
    return path
