"""The podcast feed (reader.outputs.feed): RSS 2.0 with iTunes and Podcasting 2.0 tags.

The first tests call `podcast_feed` on channels and episodes made here and read
the XML back; the rest publish the shelf (tests/conftest.py) and read its
feed.xml with feedparser.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest

from reader.outputs.feed import (
    Channel,
    Episode,
    apple_category,
    itunes_duration,
    podcast_feed,
    xml_character,
)
from reader.pipeline.publish import book_guid, publish

from .conftest import BASE, RATE, T0, TWO_TITLE, decode_pcm, local_file
from .test_publish import run_cli

CHANNEL = Channel(title="Shelf", link="https://e.org/", description="Books",
                  feed_url="https://e.org/feed.xml", language="kk",
                  category=("Education", "Language Learning"))


def episode(guid: str = "g1", **changes: object) -> Episode:
    made = Episode(guid=guid, title="Book", description="About", url="https://e.org/b.mp3",
                   length=12345, duration=3661.4, published=T0)
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def items(channel: Channel, episodes: list[Episode]) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(podcast_feed(channel, episodes))
    return root.findall("./channel/item")


# --- podcast_feed on its own ----------------------------------------------------------------


def test_an_item_carries_its_guid_not_as_a_permalink_and_its_enclosure_as_given() -> None:
    (item,) = items(CHANNEL, [episode()])
    guid = item.find("guid")
    assert guid is not None and guid.text == "g1" and guid.get("isPermaLink") == "false"
    enclosure = item.find("enclosure")
    assert enclosure is not None and enclosure.attrib == {
        "url": "https://e.org/b.mp3", "length": "12345", "type": "audio/mpeg"}
    assert item.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration") == "1:01:01"


def test_titles_and_descriptions_are_escaped() -> None:
    title = 'Two <b>&amp; "quotes"'
    data = podcast_feed(dataclasses.replace(CHANNEL, title="A & <B>"),
                        [episode(title=title, description="x < y & z")])
    assert b"<title>A &amp; &lt;B&gt;</title>" in data
    assert b"<title>Two &lt;b&gt;&amp;amp; \"quotes\"</title>" in data
    (item,) = ElementTree.fromstring(data).findall("./channel/item")
    assert item.findtext("title") == title and item.findtext("description") == "x < y & z"


def test_characters_xml_cannot_hold_are_replaced() -> None:
    assert xml_character("ok\tline\n") is None
    assert xml_character("a\uffffb") == "U+FFFF" and xml_character("\x01") == "U+0001"
    (item,) = items(dataclasses.replace(CHANNEL, title="S\x0b"), [episode(title="B\uffff\x01")])
    assert item.findtext("title") == "B\ufffd\ufffd"


def test_items_keep_the_order_given_and_the_build_date_is_the_newest_item() -> None:
    later = T0 + timedelta(days=3)
    data = podcast_feed(CHANNEL, [episode("g2", published=later), episode("g1")])
    root = ElementTree.fromstring(data)
    assert [guid.text for guid in root.findall("./channel/item/guid")] == ["g2", "g1"]
    assert root.findtext("./channel/lastBuildDate") == "Mon, 05 Jan 2026 03:04:05 +0000"
    assert podcast_feed(CHANNEL, [episode("g2", published=later), episode("g1")]) == data


def test_chapters_and_transcript_are_podcasting_tags() -> None:
    (item,) = items(CHANNEL, [episode(chapters_url="https://e.org/c.json",
                                      transcript_url="https://e.org/t.vtt")])
    ns = "{https://podcastindex.org/namespace/1.0}"
    chapters, transcript = item.find(f"{ns}chapters"), item.find(f"{ns}transcript")
    assert chapters is not None and chapters.attrib == {
        "url": "https://e.org/c.json", "type": "application/json+chapters"}
    assert transcript is not None and transcript.attrib == {
        "url": "https://e.org/t.vtt", "type": "text/vtt"}
    (bare,) = items(CHANNEL, [episode()])
    assert bare.find(f"{ns}chapters") is None and bare.find(f"{ns}transcript") is None


@pytest.mark.parametrize(("seconds", "expected"), [
    (0, "0:00:00"), (59.4, "0:00:59"), (59.5, "0:01:00"), (3600, "1:00:00"),
    (36000 + 61, "10:01:01"),
])
def test_itunes_duration(seconds: float, expected: str) -> None:
    assert itunes_duration(seconds) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Education/Language Learning", ("Education", "Language Learning")),
    ("education / language learning", ("Education", "Language Learning")),
    ("History", ("History", None)),
    ("Education/Cooking", None),
    ("Cooking", None),
])
def test_apple_category(text: str, expected: tuple[str, str | None] | None) -> None:
    assert apple_category(text) == expected


# --- the shelf's feed ------------------------------------------------------------------------


def test_guids_do_not_move_with_the_base_url(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    publish(out, BASE, now=T0)
    first = feedparser.parse(out / "feed.xml")
    publish(out, "https://mirror.example.net/elsewhere/", now=T0)
    second = feedparser.parse(out / "feed.xml")
    assert [e.id for e in second.entries] == [e.id for e in first.entries] == [
        book_guid("last-mile"), book_guid("two", 1), book_guid("two", 2)]
    assert all(e.enclosures[0].href.startswith("https://mirror.example.net/elsewhere/")
               for e in second.entries)


def test_items_enclosures_and_podcast_tags(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    publish(out, BASE, title="Shelf", author="Me & you", now=T0)
    feed = feedparser.parse(out / "feed.xml")
    assert not feed.bozo
    assert feed.feed.title == "Shelf"
    # one item for the whole sample, one per section file of the split book
    titles = [entry.title for entry in feed.entries]
    assert titles == ["The last mile", f"{TWO_TITLE} — Бірінші",
                      f"{TWO_TITLE} — Екінші"]
    for entry in feed.entries:
        (enclosure,) = entry.enclosures
        path = local_file(out, enclosure.href)
        assert enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == path.stat().st_size
        # itunes:duration is the audio's real length (decoded), to the second
        h, m, s = (int(part) for part in entry.itunes_duration.split(":"))
        seconds = len(decode_pcm(path)) / 2 / RATE
        assert abs(h * 3600 + m * 60 + s - seconds) <= 0.5 + 1e-9
        assert entry.published_parsed[:6] == T0.timetuple()[:6]
    sample = feed.entries[0]
    assert local_file(out, sample.podcast_chapters["url"]).name == "last-mile.chapters.json"
    assert sample.podcast_chapters["type"] == "application/json+chapters"
    assert local_file(out, sample.podcast_transcript["url"]).name == "last-mile.kk-zh.vtt"
    assert sample.podcast_transcript["type"] == "text/vtt"
    assert local_file(out, sample.link).is_file()
    # the section files live in the book's sections/ subfolder (one book per folder)
    assert [local_file(out, e.enclosures[0].href).relative_to(out).parent.as_posix()
            for e in feed.entries] == ["last-mile", "two/sections", "two/sections"]
    # a section's times are not the book's: its item points at no whole-book chapters
    assert "podcast_chapters" not in feed.entries[1]
    assert [entry.id for entry in feed.entries] == [
        book_guid("last-mile"), book_guid("two", 1), book_guid("two", 2)]
    assert len({entry.id for entry in feed.entries}) == 3


def test_a_manifest_title_xml_cannot_hold_does_not_stop_the_feed(
        fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    manifest = out / "last-mile" / "last-mile.manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["book"]["title"] = "Last\uffff mile\x01"
    manifest.write_text(json.dumps(document), encoding="utf-8")
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/")
    assert code == 0, output
    feed = feedparser.parse(out / "feed.xml")
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == [
        "Last\ufffd mile\ufffd", f"{TWO_TITLE} — Бірінші", f"{TWO_TITLE} — Екінші"]


def test_guids_are_not_permalinks(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    publish(out, BASE, now=T0)
    guids = ElementTree.parse(out / "feed.xml").getroot().findall("./channel/item/guid")
    assert len(guids) == 3
    assert all(guid.get("isPermaLink") == "false" for guid in guids)

