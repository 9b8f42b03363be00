"""An Anki deck (.apkg) made from a unit manifest: one note per sentence pair.

Front: one language's sentence and its audio (by default the book's second
language, the one being learnt); back: the other's. The note's GUID comes from
the book and the sentence pair's place in it (pair, sentence), not from its
text, so importing the deck again after a text edit updates the note instead
of adding a second one. The audio is the cached clip of each sentence, copied
as an MP3 file (nothing is synthesised again); its file name carries the clip
key's start, so an edited sentence brings a new sound file rather than being
shadowed by the old one in Anki's media folder.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import fsutil

#: Raise when the note type's fields or templates change (Anki keys note types by id).
MODEL_VERSION = 1
_CSS = """.card { font-family: sans-serif; font-size: 26px; text-align: center; }
.card :lang(zh) { font-size: 32px; }
"""


def stable_id(*parts: object) -> int:
    """A positive 31-bit id that is always the same for the same parts."""
    digest = hashlib.sha256("/".join(str(part) for part in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def deck_name(document: dict[str, Any]) -> str:
    """The book's title in every language, in book order ("Ең соңғы… / 最后一公里")."""
    book = document["book"]
    titles = book.get("titles") or {}
    names = [titles[lang] for lang in book["order"] if lang in titles]
    return " / ".join(names) or book["title"]


def sentence_pairs(document: dict[str, Any]) -> list[tuple[int, int, dict[str, str],
                                                           dict[str, str]]]:
    """(pair, sentence, texts, clips) of every unit that has both languages."""
    order = document["book"]["order"]
    found = []
    for pair in document["pairs"]:
        for unit in pair.get("units", []):
            if all(lang in unit["texts"] for lang in order):
                found.append((pair["index"], unit["number"], unit["texts"], unit["clips"]))
    return found


def write_apkg(path: Path, document: dict[str, Any], clip_path: Callable[[str], Path],
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
    with tempfile.TemporaryDirectory(prefix="reader-apkg-") as scratch:
        media: list[str] = []

        def sound(pair: int, sentence: int, lang: str, key: str) -> str:
            name = f"{book['id']}-{pair}.{sentence}-{lang}-{key[:10]}.mp3"
            target = Path(scratch) / name
            shutil.copyfile(clip_path(key), target)
            media.append(str(target))
            return f"[sound:{name}]"

        for pair, sentence, texts, clips in sentence_pairs(document):
            deck.add_note(genanki.Note(
                model=model,
                fields=[html.escape(texts[front]), sound(pair, sentence, front, clips[front]),
                        html.escape(texts[back]), sound(pair, sentence, back, clips[back]),
                        f"{pair}.{sentence}"],
                guid=genanki.guid_for(book["id"], pair, sentence),
                sort_field=f"{pair:05d}.{sentence:03d}",
            ))
        with fsutil.atomic_path(path) as temp:
            # Now as the notes' modification time: Anki updates a note on import
            # when the incoming one is newer.
            genanki.Package(deck, media_files=media).write_to_file(str(temp),
                                                                   timestamp=time.time())
    return path
