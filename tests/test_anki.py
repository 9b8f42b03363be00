"""The Anki deck (reader.outputs.anki): one note per sentence pair, its sound from the cache.

The first tests write a deck from a small manifest made here and read the
package back (a zip holding an SQLite collection and a media map); the last
reads the deck of the sample built by sentence. Anki's own importer is driven
in test_anki_import.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import genanki
import pytest

from reader.outputs.anki import deck_name, sentence_pairs, write_apkg


def unit(number: int, kk: str | None, zh: str | None, clip: str, changed: int = 1000
         ) -> dict[str, Any]:
    texts = {lang: text for lang, text in (("kk", kk), ("zh", zh)) if text is not None}
    return {"number": number, "texts": texts, "guid": f"guid-{clip}-{number}",
            "changed": changed, "clips": {lang: f"{clip}{lang}" * 8 for lang in texts}}


def manifest(*pairs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"book": {"id": "bk", "title": "bk", "order": ["kk", "zh"],
                     "titles": {"zh": "书", "kk": "Кітап"}},
            "pairs": [{"index": k, "units": units} for k, units in enumerate(pairs, 1)]}


def read_deck(path: Path, scratch: Path) -> tuple[list[tuple[str, list[str], int]],
                                                  dict[str, bytes], set[str]]:
    """(guid, fields, mod) of every note, the media files by name, the decks' names."""
    with zipfile.ZipFile(path) as deck:
        media = {name: deck.read(index) for index, name in json.loads(deck.read("media")).items()}
        (scratch / "c.anki2").write_bytes(deck.read("collection.anki2"))
    db = sqlite3.connect(scratch / "c.anki2")
    notes = [(guid, fields.split("\x1f"), mod)
             for guid, fields, mod in db.execute("select guid, flds, mod from notes order by sfld")]
    decks = {d["name"] for d in json.loads(db.execute("select decks from col").fetchone()[0]).values()}
    db.close()
    return notes, media, decks


@pytest.fixture()
def clips(tmp_path: Path) -> Any:
    """clip_path for write_apkg: each key's 'MP3' holds the key itself."""
    folder = tmp_path / "clips"
    folder.mkdir()

    def clip_path(key: str) -> Path:
        path = folder / f"{key}.mp3"
        path.write_bytes(key.encode())
        return path

    return clip_path


def test_note_fields_are_html_escaped(tmp_path: Path, clips: Any) -> None:
    document = manifest([unit(1, 'A <b>bold</b> & "quoted" one.', "一<二>&\"三\"。", "a")])
    write_apkg(tmp_path / "d.apkg", document, clips, front="zh")  # type: ignore[arg-type]
    ((_, fields, _),), _, _ = read_deck(tmp_path / "d.apkg", tmp_path)
    assert fields[0] == "一&lt;二&gt;&amp;&quot;三&quot;。"
    assert fields[2] == "A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; one."


def test_one_note_per_sentence_pair_with_both_languages(tmp_path: Path, clips: Any) -> None:
    document = manifest(
        [unit(1, "Бір.", "一。", "a"), unit(2, "Екі.", "二。", "b"), unit(3, "Тек.", None, "c")],
        [unit(1, "Үш.", "三。", "d")])
    assert [(pair, u["number"]) for pair, u in sentence_pairs(document)] == [(1, 1), (1, 2), (2, 1)]
    write_apkg(tmp_path / "d.apkg", document, clips, front="zh")  # type: ignore[arg-type]
    notes, _, decks = read_deck(tmp_path / "d.apkg", tmp_path)
    # front: zh (asked), back: kk; the place is "pair.sentence"; GUIDs from the manifest
    assert [(guid, fields[0], fields[2], fields[4]) for guid, fields, _ in notes] == [
        ("guid-a-1", "一。", "Бір.", "1.1"), ("guid-b-2", "二。", "Екі.", "1.2"),
        ("guid-d-1", "三。", "Үш.", "2.1")]
    assert decks >= {"Кітап / 书"}  # titles in book order
    assert deck_name(document) == "Кітап / 书"  # type: ignore[arg-type]


def test_a_note_keeps_its_units_modification_time(tmp_path: Path, clips: Any) -> None:
    document = manifest([unit(1, "Бір.", "一。", "a", changed=1234),
                         unit(2, "Екі.", "二。", "b", changed=5678)])
    write_apkg(tmp_path / "d.apkg", document, clips, front="kk")  # type: ignore[arg-type]
    notes, _, _ = read_deck(tmp_path / "d.apkg", tmp_path)
    assert [(fields[0], mod) for _, fields, mod in notes] == [("Бір.", 1234), ("Екі.", 5678)]


def test_media_are_named_after_book_language_and_clip_key(tmp_path: Path, clips: Any) -> None:
    twice = unit(2, "Бір.", "一。", "a")  # the same sentence again: the same clips
    document = manifest([unit(1, "Бір.", "一。", "a"), twice])
    write_apkg(tmp_path / "d.apkg", document, clips, front="zh")  # type: ignore[arg-type]
    notes, media, _ = read_deck(tmp_path / "d.apkg", tmp_path)
    kk, zh = "akk" * 8, "azh" * 8
    names = {f"bk-kk-{kk[:16]}.mp3": kk.encode(), f"bk-zh-{zh[:16]}.mp3": zh.encode()}
    assert media == names  # one file per clip, its bytes copied as they are
    for _, fields, _ in notes:
        assert fields[1] == f"[sound:bk-zh-{zh[:16]}.mp3]"
        assert fields[3] == f"[sound:bk-kk-{kk[:16]}.mp3]"


def test_the_same_manifest_writes_the_same_deck(tmp_path: Path, clips: Any) -> None:
    document = manifest([unit(1, "Бір.", "一。", "a"), unit(2, "Екі.", "二。", "b")])
    first = write_apkg(tmp_path / "1.apkg", document, clips, front="zh")  # type: ignore[arg-type]
    second = write_apkg(tmp_path / "2.apkg", document, clips, front="zh")  # type: ignore[arg-type]
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        assert one.read("collection.anki2") == two.read("collection.anki2")


# --- moved: the sample's deck -----------------------------------------------------------------


def test_anki_deck(sample_sentences: Any, tmp_path: Path) -> None:
    _, report, document = sample_sentences
    path = report.output.parent / "last-mile.kk-zh.apkg"
    with zipfile.ZipFile(path) as deck:
        media = json.loads(deck.read("media"))
        names = set(deck.namelist())
        (tmp_path / "collection.anki2").write_bytes(deck.read("collection.anki2"))
        sizes = {name: len(deck.read(index)) for index, name in media.items()}
    assert all(index in names for index in media)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    notes = db.execute("select guid, flds from notes").fetchall()
    decks = json.loads(db.execute("select decks from col").fetchone()[0])
    db.close()
    assert "Ең соңғы бір шақырым / 最后一公里" in {d["name"] for d in decks.values()}
    units = [(pair["index"], unit) for pair in document["pairs"] for unit in pair["units"]]
    assert len(notes) == len(units) == 10
    by_guid = {guid: fields.split("\x1f") for guid, fields in notes}
    cache = report.output.parent.parent / ".cache" / "clips"
    for pair, unit in units:
        fields = by_guid[genanki.guid_for("last-mile", pair, unit["number"])]
        front, front_audio, back, back_audio, place = fields
        assert place == f"{pair}.{unit['number']}"
        # front: the second language (zh), back: the first (kk); text HTML-escaped
        assert front == unit["texts"]["zh"] and back == unit["texts"]["kk"]
        for sound, lang in ((front_audio, "zh"), (back_audio, "kk")):
            name = re.fullmatch(r"\[sound:(.+\.mp3)\]", sound).group(1)  # type: ignore[union-attr]
            assert name in sizes  # the note's media file is in the package
            key = unit["clips"][lang]
            cached = cache / key[:2] / f"{key}.mp3"
            assert sizes[name] == cached.stat().st_size  # taken from the cache as is

