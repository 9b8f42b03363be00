"""The podcast feed and index page of an output folder, read back with feedparser."""

from __future__ import annotations

import html.parser
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import feedparser
import podcastparser
import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.pipeline.publish import STATE_FILE, book_guid, publish, reading_order
from reader.text.patterns import parse_pattern

from .conftest import (
    BASE,
    T0,
    TWO_TITLE,
    build_into,
)
from .images import png


#: Book two: two sections (so two section files with --split sections) and a title that
#: needs escaping everywhere.
def test_unchanged_rebuild_keeps_guids_dates_and_bytes(fresh: tuple[Path, Path]) -> None:
    books, out = fresh
    publish(out, BASE, now=T0)
    before = (out / "feed.xml").read_bytes()
    build_into(books / "last-mile", out)
    build_into(books / "two", out, split="sections")
    done = publish(out, BASE, now=T0 + timedelta(days=3))
    assert done.new == ()
    assert (out / "feed.xml").read_bytes() == before


def test_text_edit_changes_the_date_not_the_guid(fresh: tuple[Path, Path]) -> None:
    books, out = fresh
    publish(out, BASE, now=T0)
    first = {e.id: e for e in feedparser.parse(out / "feed.xml").entries}
    kk = books / "last-mile" / "kk.txt"
    kk.write_text(kk.read_text(encoding="utf-8").replace("«Ең соңғы бір шақырым»",
                                                         "«Ең соңғы шақырым»", 1), encoding="utf-8")
    zh = books / "two" / "zh.txt"  # only the second section of book two changes
    zh.write_text(zh.read_text(encoding="utf-8").replace("二。", "二二。"), encoding="utf-8")
    build_into(books / "last-mile", out)
    build_into(books / "two", out, split="sections")
    later = T0 + timedelta(days=3)
    publish(out, BASE, now=later)
    second = {e.id: e for e in feedparser.parse(out / "feed.xml").entries}
    assert second.keys() == first.keys()
    changed = [book_guid("last-mile"), book_guid("two", 2)]
    for guid in changed:
        assert second[guid].published_parsed[:6] == later.timetuple()[:6]
        assert (second[guid].enclosures[0].length != first[guid].enclosures[0].length
                or second[guid].published != first[guid].published)
    assert second[book_guid("two", 1)].published == first[book_guid("two", 1)].published


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if name == "href" and value]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_index_page_links_resolve_and_text_is_escaped(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    publish(out, BASE, title="<Shelf>", now=T0)
    page = (out / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    # every link is relative and names a file that exists (so it works from file://)
    assert parser.hrefs and all("://" not in href for href in parser.hrefs)
    for href in parser.hrefs:
        assert (out / unquote(href)).is_file(), href
    assert "last-mile/index.html" in parser.hrefs
    assert "two/sections/two.kk-zh.01.mp3" in parser.hrefs
    text = "".join(parser.text)
    assert TWO_TITLE in text and "<Shelf>" in text and "A & B" in text
    assert "<b>" not in page.replace("&lt;b&gt;", "")


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("url", ["ftp://example.org/", "example.org/books", "https://", "/srv/x"])
def test_base_url_must_be_http(fresh: tuple[Path, Path], url: str) -> None:
    _, out = fresh
    code, output = run_cli("feed", str(out), "--base-url", url)
    assert code == 2
    assert "--base-url" in output and not (out / "feed.xml").exists()


def test_folder_without_books(tmp_path: Path) -> None:
    (tmp_path / "stray").mkdir()
    code, output = run_cli("feed", str(tmp_path), "--base-url", "https://example.org/")
    assert code == 2 and "no built books" in output


@pytest.mark.parametrize("content", [
    "{", "[]", '{"format": "other"}',
    '{"format": "reader-feed-state/1", "episodes": {"x": {"fingerprint": "a"}}}',
    ('{"format": "reader-feed-state/1", "episodes": {"x": {"fingerprint": "a", '
     '"published": "yesterday"}}}'),
    ('{"format": "reader-feed-state/1", "episodes": {"x": {"fingerprint": "a", '
     '"published": "2026-01-01T00:00:00"}}}'),
])
def test_damaged_state_file_is_refused(fresh: tuple[Path, Path], content: str) -> None:
    _, out = fresh
    (out / STATE_FILE).write_text(content, encoding="utf-8")
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/")
    assert code == 2 and STATE_FILE in output
    assert (out / STATE_FILE).read_text(encoding="utf-8") == content  # left for the user


def test_cli_end_to_end(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    done = subprocess.run([sys.executable, "-m", "reader", "feed", str(out), "--base-url",
                           "https://example.org/b", "--image", "https://example.org/c.png"],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    feed = feedparser.parse(out / "feed.xml")
    assert len(feed.entries) == 3 and feed.feed.image.href == "https://example.org/c.png"
    state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    assert set(state["episodes"]) == {entry.id for entry in feed.entries}


PNG = png(1400, 1400)


def test_image_in_out_dir_is_published_by_its_place_there(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    (out / "art").mkdir()
    (out / "art" / "cover.png").write_bytes(PNG)
    # given by its absolute path: the URL is still the base URL and its place in OUT_DIR
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/",
                           "--image", str(out / "art" / "cover.png"))
    assert code == 0, output
    assert feedparser.parse(out / "feed.xml").feed.image.href == \
        "https://example.org/b/art/cover.png"


def _bad_images(out: Path, outside: Path) -> dict[str, str]:
    outside.mkdir()
    (outside / "cover.png").write_bytes(PNG)
    (out / "passwd.png").symlink_to("/etc/passwd")
    (out / "away.png").symlink_to(outside / "cover.png")
    (out / "text.png").write_text("not a picture\n", encoding="utf-8")
    return {"outside": str(outside / "cover.png"), "a link to /etc/passwd": "passwd.png",
            "a link out of OUT_DIR": "away.png", "text named .png": "text.png"}


@pytest.mark.parametrize("case", ["outside", "a link to /etc/passwd", "a link out of OUT_DIR",
                                  "text named .png"])
def test_image_must_be_a_picture_inside_out_dir(fresh: tuple[Path, Path], tmp_path: Path,
                                                case: str) -> None:
    _, out = fresh
    image = _bad_images(out, tmp_path / "elsewhere")[case]
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/",
                           "--image", image)
    assert code == 2, output
    assert output.startswith(f"error: --image {image}: ") and output.count("\n") == 1
    assert not (out / "feed.xml").exists()


@pytest.mark.parametrize(("option", "value"), [("--title", "Shelf\uffff"),
                                               ("--title", "Shelf\x07"),
                                               ("--title", "Shelf\nTwo"),
                                               ("--author", "Me\x1b")])
def test_options_a_feed_cannot_carry_are_refused(fresh: tuple[Path, Path], option: str,
                                                 value: str) -> None:
    _, out = fresh
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/",
                           option, value)
    assert code == 2, output
    assert output.startswith(f"error: {option} ") and output.count("\n") == 1
    assert "which a feed cannot carry" in output and not (out / "feed.xml").exists()


ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
ART = png(1400, 1400)


def channel_of(out: Path) -> ElementTree.Element:
    channel = ElementTree.parse(out / "feed.xml").getroot().find("channel")
    assert channel is not None
    return channel


def test_every_tag_apple_requires(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    (out / "art.png").write_bytes(ART)
    done = publish(out, BASE, title="Shelf", author="Me", image="art.png",
                   owner_email="me@example.org", now=T0)
    assert done.warnings == ()
    channel = channel_of(out)
    # Apple's required channel tags, each non-empty
    assert channel.findtext("title") == "Shelf"
    assert channel.findtext("description")
    assert channel.findtext("language") == "kk"  # both books start with Kazakh
    image = channel.find(f"{ITUNES}image")
    assert image is not None and image.get("href") == "https://example.org/audio%20books/art.png"
    category = channel.find(f"{ITUNES}category")
    assert category is not None and category.get("text") == "Education"
    sub = category.find(f"{ITUNES}category")
    assert sub is not None and sub.get("text") == "Language Learning"
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    # and the recommended ones
    assert channel.findtext(f"{ITUNES}author") == "Me"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}name") == "Me"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}email") == "me@example.org"
    with open(out / "feed.xml", "rb") as handle:
        podcast = podcastparser.parse(BASE, handle)
    assert podcast["language"] == "kk" and podcast["explicit"] is False
    assert podcast["cover_url"] == "https://example.org/audio%20books/art.png"
    assert podcast["itunes_categories"] == [["Education", "Language Learning"]]


def test_settings_come_from_the_cli_then_feed_toml(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    (out / "feed.toml").write_text(
        'base_url = "https://example.org/toml/"\nlanguage = "ru"\ncategory = "arts/books"\n'
        'explicit = true\nowner_name = "Owner"\nowner_email = "o@example.org"\n',
        encoding="utf-8")
    code, output = run_cli("feed", str(out), "--language", "zh-CN")
    assert code == 0, output
    channel = channel_of(out)
    assert channel.findtext("language") == "zh-CN"  # the option wins
    assert channel.findtext("link") == "https://example.org/toml/index.html"
    category = channel.find(f"{ITUNES}category")
    assert category is not None and category.get("text") == "Arts"  # Apple's spelling
    assert category[0].get("text") == "Books"
    assert channel.findtext(f"{ITUNES}explicit") == "true"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}name") == "Owner"
    code, output = run_cli("feed", str(out), "--clean")
    assert code == 0, output
    assert channel_of(out).findtext(f"{ITUNES}explicit") == "false"
    assert channel_of(out).findtext("language") == "ru"


def test_books_starting_in_different_languages_need_a_language(
        fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    manifest = out / "two" / "two.manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["book"]["order"] = ["zh", "kk"]
    manifest.write_text(json.dumps(document), encoding="utf-8")
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/")
    assert code == 2 and "different languages (kk, zh)" in output and "--language" in output
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/",
                           "--language", "zh")
    assert code == 0, output


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--category", "Audiobooks", "not an Apple Podcasts category"),
    ("--category", "Education/Language Courses", "not an Apple Podcasts category"),  # pre-2019
    ("--language", "Kazakh language", "not a language code"),
    ("--owner-email", "me at example.org", "not an email address"),
])
def test_values_apple_would_refuse(fresh: tuple[Path, Path], option: str, value: str,
                                   message: str) -> None:
    _, out = fresh
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/",
                           option, value)
    assert code == 2 and message in output and output.startswith(f"error: {option} ")
    assert not (out / "feed.xml").exists()


@pytest.mark.parametrize(("width", "height", "problem"), [
    (1000, 1000, "is 1000×1000 px, outside 1400–3000 px a side"),
    (1400, 1600, "is 1400×1600 px, not square"),
])
def test_artwork_apple_refuses_is_refused_unless_asked(fresh: tuple[Path, Path], width: int,
                                                       height: int, problem: str) -> None:
    _, out = fresh
    (out / "art.png").write_bytes(png(width, height))
    args = ("feed", str(out), "--base-url", "https://example.org/b/", "--image", "art.png")
    code, output = run_cli(*args)
    assert code == 2 and f"--image art.png: {problem}" in output and "--any-image-size" in output
    assert not (out / "feed.xml").exists()
    code, output = run_cli(*args, "--any-image-size")
    assert code == 0 and f"warning: --image art.png: {problem}" in output


def test_missing_artwork_and_owner_are_warned(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    code, output = run_cli("feed", str(out), "--base-url", "https://example.org/b/")
    assert code == 0
    assert "warning: no --image" in output and "warning: no --owner-email" in output


def _podcast_items(out: Path) -> dict[str, dict[str, object]]:
    with open(out / "feed.xml", "rb") as handle:
        return {episode["guid"]: episode
                for episode in podcastparser.parse(BASE, handle)["episodes"]}


def test_changed_audio_gets_a_new_enclosure_url_and_keeps_its_guid(
        fresh: tuple[Path, Path]) -> None:
    books, out = fresh
    publish(out, BASE, now=T0)
    before = _podcast_items(out)
    kk = books / "last-mile" / "kk.txt"
    kk.write_text(kk.read_text(encoding="utf-8").replace("«Ең соңғы бір шақырым»",
                                                         "«Ең соңғы шақырым»", 1), encoding="utf-8")
    build_into(books / "last-mile", out)
    publish(out, BASE, now=T0 + timedelta(days=1))
    after = _podcast_items(out)
    assert after.keys() == before.keys()  # the same episodes, as gPodder stores them
    changed, same = book_guid("last-mile"), book_guid("two", 1)
    old_url = before[changed]["enclosures"][0]["url"]  # type: ignore[index]
    new_url = after[changed]["enclosures"][0]["url"]  # type: ignore[index]
    assert old_url != new_url
    assert new_url.partition("?")[0] == old_url.partition("?")[0]  # the same file, served
    assert after[same]["enclosures"] == before[same]["enclosures"]
    # ...and one rebuild more, with no change, keeps the new URL
    build_into(books / "last-mile", out)
    publish(out, BASE, now=T0 + timedelta(days=2))
    assert _podcast_items(out)[changed]["enclosures"][0]["url"] == new_url  # type: ignore[index]


def test_items_say_how_the_book_is_read(fresh: tuple[Path, Path]) -> None:
    _, out = fresh
    manifest = out / "two" / "two.manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["unit"], document["pattern"] = "sentence", "kk zh zh@0.8 _"
    manifest.write_text(json.dumps(document), encoding="utf-8")
    publish(out, BASE, now=T0)
    feed = feedparser.parse(out / "feed.xml")
    assert "Paragraph by paragraph: kk, then zh." in feed.entries[0].description
    assert ("Sentence by sentence: kk, then zh, then zh again at 0.8× speed, then a pause as "
            "long as what was just heard, to repeat it.") in feed.entries[1].description
    assert "each paragraph followed by its translation" not in (out / "feed.xml").read_text(
        encoding="utf-8")


@pytest.mark.parametrize(("unit", "pattern", "expected"), [
    ("paragraph", "zh kk", "Paragraph by paragraph: zh, then kk."),
    ("sentence", "kk zh", "Sentence by sentence: kk, then zh."),
    ("sentence", "zh _ zh _", "Sentence by sentence: zh, then a pause as long as what was just "
                              "heard, to repeat it, then zh again, then a pause as long as what "
                              "was just heard, to repeat it."),
    ("sentence", "kk@1.25 zh _1.5", "Sentence by sentence: kk at 1.25× speed, then zh, then a "
                                    "pause 1.5 times as long as what was just heard, to repeat "
                                    "it."),
])
def test_reading_order_in_words(unit: str, pattern: str, expected: str) -> None:
    assert reading_order(unit, parse_pattern(pattern, ("kk", "zh"))) == expected


def test_the_cover_reaches_the_mp3_page_feed_and_index_page(fresh: tuple[Path, Path]) -> None:
    from mutagen.id3 import ID3

    books, out = fresh
    cover = png(1400, 1400, grey=90)
    (books / "last-mile" / "cover.png").write_bytes(cover)
    build_into(books / "last-mile", out)
    folder = out / "last-mile"
    mp3 = folder / "last-mile.kk-zh.mp3"
    (picture,) = ID3(mp3).getall("APIC")
    assert picture.data == cover and picture.mime == "image/png" and picture.type == 3
    assert (folder / "assets" / "cover.png").read_bytes() == cover
    assert '<img class="cover" src="assets/cover.png"' in (folder / "index.html").read_text(
        encoding="utf-8")
    publish(out, BASE, now=T0)
    items = _podcast_items(out)
    assert items[book_guid("last-mile")]["episode_art_url"] == (
        "https://example.org/audio%20books/last-mile/assets/cover.png")
    assert "episode_art_url" not in items[book_guid("two", 1)] or \
        not items[book_guid("two", 1)]["episode_art_url"]  # book two has no cover
    assert 'src="last-mile/assets/cover.png"' in (out / "index.html").read_text(encoding="utf-8")
    url = items[book_guid("last-mile")]["enclosures"][0]["url"]  # type: ignore[index]
    # a new cover is a new MP3 (its fingerprint holds the cover), so a new enclosure URL
    new_cover = png(1400, 1400, grey=200)
    (books / "last-mile" / "cover.png").write_bytes(new_cover)
    build_into(books / "last-mile", out)
    assert ID3(mp3).getall("APIC")[0].data == new_cover
    publish(out, BASE, now=T0 + timedelta(days=1))
    assert _podcast_items(out)[book_guid("last-mile")]["enclosures"][0]["url"] != url  # type: ignore[index]
    # and a book without its cover any more has none anywhere
    (books / "last-mile" / "cover.png").unlink()
    build_into(books / "last-mile", out)
    assert ID3(mp3).getall("APIC") == [] and not (folder / "assets" / "cover.png").exists()
    assert "cover" not in (folder / "index.html").read_text(encoding="utf-8")
