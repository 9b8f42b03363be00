"""Each sentence pair's note identity, carried from the last build: its GUID and when it changed.

A sentence book's manifest gives every unit a "guid" (the Anki note's) and
"changed" (Unix seconds when its texts or sound last changed: the note's
modification time, which Anki's importer compares). A first build, or one
after a manifest without them, takes the GUID of the sentence's place, as decks
were always made. Later builds match the last build's sentence pairs to the new
ones (reader.text.identity): an unchanged sentence keeps its GUID wherever it
moves, an edited one the GUID of the sentence it replaces, and an inserted one
gets a new GUID.
"""

from __future__ import annotations

from ..manifest_types import Manifest, UnitEntry
from ..outputs.anki import fresh_guid, place_guid
from ..text.identity import Texts, match_sentences


def _units(document: Manifest) -> list[tuple[int, UnitEntry]]:
    return [(pair["index"], unit) for pair in document["pairs"] for unit in pair["units"]]


def _texts(unit: UnitEntry, order: list[str]) -> Texts:
    return tuple(unit["texts"].get(lang, "") for lang in order)


def _identities(last: Manifest | None) -> list[UnitEntry] | None:
    """The last build's units when every one has a note identity, else None."""
    if last is None or last.get("unit") != "sentence":
        return None
    units = [unit for _, unit in _units(last)]
    if not all(isinstance(unit.get("guid"), str) and isinstance(unit.get("changed"), int)
               for unit in units):
        return None
    return units


def carry_notes(document: Manifest, last: Manifest | None, now: float) -> None:
    """Give each unit of a sentence manifest its "guid" and "changed", following `last`."""
    book_id, order = document["book"]["id"], document["book"]["order"]
    units = _units(document)
    old = _identities(last)
    stamp = int(now)
    if old is None:
        for pair, unit in units:
            unit["guid"], unit["changed"] = place_guid(book_id, pair, unit["number"]), stamp
        return
    found = match_sentences([_texts(unit, order) for unit in old],
                            [_texts(unit, order) for _, unit in units])
    taken = {unit["guid"] for unit in old}
    for (_, unit), index in zip(units, found, strict=True):
        if index is None:
            guid = fresh_guid(book_id, _texts(unit, order), taken)
            taken.add(guid)
            unit["guid"], unit["changed"] = guid, stamp
            continue
        before = old[index]
        unit["guid"] = before["guid"]
        same = before["texts"] == unit["texts"] and before["clips"] == unit["clips"]
        # Strictly later when it changed, even within the same second: Anki's
        # importer takes a note only when it is newer than the one it holds.
        unit["changed"] = (before["changed"] if same
                           else max(stamp, before["changed"] + 1))
