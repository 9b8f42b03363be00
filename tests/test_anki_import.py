"""The Anki deck through Anki's own importer: notes keep their sentences across edits.

A small sentence book is built and imported into a fresh collection; then its
texts are edited (a sentence inserted at the start of a paragraph, one deleted,
one word of one changed, one moved to the other paragraph), and each time the
book is rebuilt and the deck imported again into the same collection. The
counts expected come from the rules: a note is new only for an inserted
sentence and updated only when its sentence's texts changed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anki.collection as anki_collection
import anki.import_export_pb2 as anki_export
import genanki
import pytest

from reader.manifest_types import read_manifest
from reader.outputs.anki import fresh_guid
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.manifest import path_for
from reader.pipeline.notes import carry_notes
from reader.pipeline.options import BuildOptions
from reader.pipeline.plan import clean

from .conftest import write_book

A = ("Ауыл шетінде кішкентай мектеп тұр.", "村子边上有一所小学校。")
B = ("Таңертең балалар жолға ерте шығады.", "早上孩子们很早就出发。")
C = ("Қыста жол қармен жабылады.", "冬天路被雪覆盖。")
D = ("Мұғалім оларды есік алдында күтеді.", "老师在门口等他们。")
E = ("Сабақ сегізде басталады.", "八点开始上课。")
N = ("Бүгін жаңбыр жауды.", "今天下雨了。")
B_EDITED = ("Таңертең балалар жолға кеш шығады.", "早上孩子们很早就出发。")
E_EDITED = ("Сабақ тоғызда басталады.", "八点开始上课。")  # one Kazakh word


def write_texts(folder: Path, paragraphs: list[list[tuple[str, str]]]) -> Path:
    kk = "\n\n".join(" ".join(kk for kk, _ in paragraph) for paragraph in paragraphs)
    zh = "\n\n".join("".join(zh for _, zh in paragraph) for paragraph in paragraphs)
    return write_book(folder, kk + "\n", zh + "\n")


class Deck:
    """One book, its output folder and one Anki collection it is imported into."""

    def __init__(self, root: Path) -> None:
        self.book = root / "notes"
        self.out = root / "out"
        self.collection = anki_collection.Collection(str(root / "anki" / "collection.anki2"))

    def build(self, paragraphs: list[list[tuple[str, str]]]) -> Path:
        write_texts(self.book, paragraphs)
        report = build(load(self.book, unit="sentence"), BuildOptions(out=self.out, jobs=2),
                       formats=("mp3", "apkg"))
        return report.output.parent / "notes.kk-zh.apkg"

    def manifest(self) -> dict[str, Any]:
        document, _ = read_manifest(path_for(self.out / "notes", "notes"))
        assert document is not None
        return document

    def guids(self) -> dict[tuple[str, str], str]:
        """The manifest's GUID of each sentence pair (kk, zh)."""
        return {(unit["texts"]["kk"], unit["texts"]["zh"]): unit["guid"]
                for pair in self.manifest()["pairs"] for unit in pair["units"]}

    def import_deck(self, path: Path) -> tuple[int, int]:
        """Import the deck as Anki's File → Import does; (new, updated) notes."""
        update = anki_export.ImportAnkiPackageUpdateCondition
        result = self.collection.import_anki_package(anki_collection.ImportAnkiPackageRequest(
            package_path=str(path),
            options=anki_collection.ImportAnkiPackageOptions(
                update_notes=update.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                merge_notetypes=True, with_scheduling=False)))
        return len(result.log.new), len(result.log.updated)

    def notes(self) -> dict[str, tuple[str, str]]:
        """The collection's notes: GUID → (kk, zh) as their fields hold them (zh on the front)."""
        found = {}
        for note_id in self.collection.find_notes(""):
            note = self.collection.get_note(note_id)
            front, _, back, _, _ = note.fields
            found[note.guid] = (back, front)
        return found


@pytest.fixture
def deck(tmp_path: Path) -> Iterator[Deck]:
    (tmp_path / "anki").mkdir()
    made = Deck(tmp_path)
    yield made
    made.collection.close()


def collection_db(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read("collection.anki2")


def test_notes_follow_their_sentences_through_anki(deck: Deck) -> None:
    apkg = deck.build([[A, B, C], [D, E]])
    assert deck.import_deck(apkg) == (5, 0)
    first = deck.guids()
    assert len(set(first.values())) == 5
    assert deck.notes() == {guid: texts for texts, guid in first.items()}
    db = collection_db(apkg)

    # Unchanged texts: the deck is not written again, and importing it changes nothing.
    apkg = deck.build([[A, B, C], [D, E]])
    assert deck.guids() == first
    assert collection_db(apkg) == db
    assert deck.import_deck(apkg) == (0, 0)

    # Insert a sentence at the start of a paragraph: one new note, none updated.
    apkg = deck.build([[N, A, B, C], [D, E]])
    assert deck.import_deck(apkg) == (1, 0)
    guids = deck.guids()
    assert {texts: guids[texts] for texts in first} == first
    assert guids[N] not in first.values()
    notes = deck.notes()
    assert len(notes) == 6
    assert all(notes[guid] == texts for texts, guid in guids.items())

    # Delete one: nothing new, nothing updated (Anki keeps the deleted sentence's note).
    apkg = deck.build([[N, A, C], [D, E]])
    assert deck.import_deck(apkg) == (0, 0)
    assert B not in deck.guids()
    assert deck.notes()[first[B]] == B

    # Edit one word of one: its note is updated, and keeps its GUID.
    apkg = deck.build([[N, A, C], [D, E_EDITED]])
    assert deck.import_deck(apkg) == (0, 1)
    guids = deck.guids()
    assert guids[E_EDITED] == first[E]
    assert deck.notes()[first[E]] == E_EDITED

    # Move one to the other paragraph: same note, nothing new or updated.
    apkg = deck.build([[N, C], [D, A, E_EDITED]])
    assert deck.import_deck(apkg) == (0, 0)
    guids = deck.guids()
    assert guids[A] == first[A]
    notes = deck.notes()
    assert len(notes) == 6
    assert all(notes[guid] == texts for texts, guid in guids.items())

    # `reader clean` drops the unused clips; the next build keeps every GUID and the deck.
    db = collection_db(apkg)
    clean(load(deck.book, unit="sentence").book, BuildOptions(out=deck.out, jobs=2))
    apkg = deck.build([[N, C], [D, A, E_EDITED]])
    assert deck.guids() == guids
    assert collection_db(apkg) == db
    assert deck.import_deck(apkg) == (0, 0)


def test_a_deck_written_again_holds_the_same_collection(deck: Deck) -> None:
    apkg = deck.build([[A, B], [C]])
    db = collection_db(apkg)
    apkg.unlink()  # the outputs record sees it missing and writes it again
    apkg = deck.build([[A, B], [C]])
    assert apkg.exists() and collection_db(apkg) == db


def test_a_fresh_guid_avoids_the_taken_ones() -> None:
    first = fresh_guid("notes", A, set())
    assert fresh_guid("notes", A, set()) == first  # the same every build
    second = fresh_guid("notes", A, {first})
    assert second != first
    assert fresh_guid("notes", A, {first, second}) not in {first, second}


def sentence_manifest(*paragraphs: list[tuple[str, str]], clip: str = "k") -> dict[str, Any]:
    """A sentence manifest of these paragraphs, as much of it as note identity reads."""
    return {"unit": "sentence", "book": {"id": "notes", "order": ["kk", "zh"]},
            "pairs": [{"index": index, "units": [
                {"number": number, "texts": {"kk": kk, "zh": zh},
                 "clips": {"kk": f"{clip}-{kk}", "zh": f"{clip}-{zh}"}}
                for number, (kk, zh) in enumerate(paragraph, 1)]}
                for index, paragraph in enumerate(paragraphs, 1)]}


def units(document: dict[str, Any]) -> list[tuple[str, int]]:
    return [(unit["guid"], unit["changed"]) for pair in document["pairs"]
            for unit in pair["units"]]


def test_a_first_build_takes_the_guids_of_places() -> None:
    # Decks made before notes followed sentences keyed them by (book, pair, sentence).
    document = sentence_manifest([A, B], [C])
    carry_notes(document, None, 1000.7)
    assert units(document) == [(genanki.guid_for("notes", 1, 1), 1000),
                               (genanki.guid_for("notes", 1, 2), 1000),
                               (genanki.guid_for("notes", 2, 1), 1000)]
    last = sentence_manifest([A, B], [C])  # built before: no "guid" in its units
    carry_notes(document := sentence_manifest([B], [C]), last, 2000)
    assert units(document) == [(genanki.guid_for("notes", 1, 1), 2000),
                               (genanki.guid_for("notes", 2, 1), 2000)]


def test_changed_moves_only_with_the_sentence_and_always_forward() -> None:
    last = sentence_manifest([A, B], [C])
    carry_notes(last, None, 1000)
    (a, _), (b, _), (c, _) = units(last)
    # Rebuilt within the same second: an edited note must still be newer than Anki's copy.
    document = sentence_manifest([N, A, B_EDITED], [C])
    carry_notes(document, last, 1000)
    assert units(document) == [(fresh_guid("notes", N, {a, b, c}), 1000), (a, 1000),
                               (b, 1001), (c, 1000)]
    # A new voice: the same texts with other clips are changed notes too.
    voiced = sentence_manifest([N, A, B_EDITED], [C], clip="other")
    carry_notes(voiced, document, 5000)
    assert [changed for _, changed in units(voiced)] == [5000] * 4
