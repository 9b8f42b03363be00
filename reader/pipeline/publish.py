"""Publishing an output folder: its books found from their manifests, a podcast feed and a
index page.

A book is a folder `OUT_DIR/<id>/` holding `<id>.manifest.json`. Its feed item
keeps one GUID for life (a UUID derived from the book id, not from any URL, so
moving the files to another host does not make every episode new again), and a
pubDate that changes only when its audio does: `OUT_DIR/.feed-state.json`
records, per GUID, the audio fingerprint and the moment it was first seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from .. import fsutil
from ..characters import control_character, shown
from ..errors import ConfigError, InputError
from ..images import artwork_problem, file_kind, image_info
from ..manifest_types import Manifest, read_manifest
from ..outputs import DEFAULT_CATEGORY, FEED_SETTINGS_FILE
from ..outputs import page as reading_page
from ..outputs.feed import Channel, Episode, apple_category, podcast_feed, xml_character
from ..outputs.index_page import Listing, index_page
from ..records import load_json
from ..text.patterns import Step, parse_pattern

STATE_FILE = ".feed-state.json"
STATE_FORMAT = "reader-feed-state/1"
STATE_SHAPE = {"format": str, "episodes": {str: {"fingerprint": str, "published": str}}}
FEED_FILE = "feed.xml"
PAGE_FILE = "index.html"
SETTINGS_FILE = FEED_SETTINGS_FILE
#: When neither the CLI nor feed.toml names one.
DEFAULT_TITLE = "Bilingual audiobooks"
#: Enclosure URLs carry `?v=` and this many hex digits of the audio's fingerprint.
VERSION_DIGITS = 12
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: GUIDs are UUIDv5 names in this namespace: stable for a book id, whatever its URL.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/reader/book")


@dataclass(frozen=True)
class Section:
    """One section file of a split book, as its playlist lists it."""

    number: int
    title: str
    path: Path


@dataclass(frozen=True)
class PublishedBook:
    """A built book found in the output folder."""

    folder: Path
    document: Manifest
    audio: Path
    sections: tuple[Section, ...] = ()

    @property
    def book_id(self) -> str:
        """The book's id (its folder's name)."""
        return str(self.document["book"]["id"])


@dataclass(frozen=True)
class Published:
    """What `publish` wrote."""

    feed: Path
    page: Path
    books: int
    items: int
    #: GUIDs whose pubDate is new in this run (new books or changed audio).
    new: tuple[str, ...]
    #: What Apple Podcasts would still miss or what could not be checked, one line each.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedSettings:
    """The feed's settings; None where not given (feed.toml's keys are these names)."""

    base_url: str | None = None
    title: str | None = None
    image: str | None = None
    author: str | None = None
    language: str | None = None
    category: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    explicit: bool | None = None

    def over(self, other: FeedSettings) -> FeedSettings:
        """These settings where given, `other`'s elsewhere."""
        return FeedSettings(**{
            name: mine if (mine := getattr(self, name)) is not None else getattr(other, name)
            for name in (item.name for item in dataclasses.fields(self))})


def read_settings(path: Path) -> FeedSettings:
    """feed.toml's settings (all None when there is no file); ConfigError for a bad key."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return FeedSettings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: not a readable TOML file ({error}); fix it") from None
    fields = {item.name: bool if item.name == "explicit" else str
              for item in dataclasses.fields(FeedSettings)}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"{path}: {key}: unknown key; use one of: {', '.join(fields)}")
        if not isinstance(value, fields[key]):
            raise ConfigError(f"{path}: {key}: expected {fields[key].__name__}, got "
                              f"{type(value).__name__} {value!r}; fix the value")
    return FeedSettings(**table)


def check_base_url(url: str) -> str:
    """The base URL, encoded, with one trailing slash; ConfigError unless it is an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"--base-url {url}: not an http(s) URL; give the address the output folder is "
            "served from, e.g. https://example.org/audiobooks/"
        )
    # Characters a URL may not hold (a space in a folder name) are percent-encoded;
    # reserved characters and existing %XX escapes are kept as given.
    return quote(url.rstrip("/"), safe=":/?#[]@!$&'()*+,;=%~") + "/"


def local_image(out_dir: Path, image: str) -> Path:
    """The artwork file `image` names, relative to OUT_DIR (links resolved); ConfigError
    unless it is a JPEG or PNG file inside OUT_DIR, where the web server can serve it."""
    root = out_dir.resolve()
    path = (out_dir / image).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(f"--image {shown(image)}: not inside {shown(out_dir)} (links "
                          "followed); copy the image there, or give an http(s) URL")
    if not path.is_file():
        raise ConfigError(f"--image {shown(image)}: neither an http(s) URL nor a file in "
                          f"{shown(out_dir)}")
    if file_kind(path) is None:
        raise ConfigError(f"--image {shown(image)}: not a JPEG or PNG image; podcast apps "
                          "need one")
    return path.relative_to(root)


def book_guid(book_id: str, section: int | None = None) -> str:
    """The feed GUID of a book (or of one of its section files): a UUID from the id alone."""
    name = book_id if section is None else f"{book_id}#section-{section}"
    return str(uuid.uuid5(GUID_NAMESPACE, name))


def _read_manifest(path: Path) -> Manifest:
    document, problem = read_manifest(path)
    if document is None:
        raise InputError(f"{problem or path}; run `reader build` again")
    return document


def _section_titles(document: Manifest) -> list[str]:
    """Each section's title as the section files are titled (see outputs.tracks.section_title)."""
    titles: dict[int, str] = {}
    for pair in document.get("pairs", []):
        titles.setdefault(pair["section"], pair.get("section_title") or "")
    book_title = str(document["book"].get("title", ""))
    return [title or (book_title if len(titles) == 1 else f"Section {number}")
            for number, title in enumerate(titles.values(), start=1)]


def _read_playlist(folder: Path, playlist: Path, document: Manifest) -> tuple[Section, ...]:
    """The section files an <id>.m3u8 lists (written by --split sections), in order."""
    names = [line for line in playlist.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    titles = _section_titles(document)
    if len(names) != len(titles):
        raise InputError(f"{playlist}: lists {len(names)} files for {len(titles)} sections; "
                         "run `reader build --split sections` again")
    sections = []
    for number, (name, title) in enumerate(zip(names, titles), start=1):
        path = folder / name
        if not path.is_file() or path.parent != folder:
            raise InputError(f"{playlist}: lists {name}, which is not in {folder}; "
                             "run `reader build --split sections` again")
        sections.append(Section(number, title, path))
    return tuple(sections)


def find_books(out_dir: Path) -> list[PublishedBook]:
    """Every built book in the output folder, by id; InputError when there is none."""
    from .manifest import path_for  # with the clips and numpy: not for `reader feed --help`

    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: no such folder; give the folder `reader build --out` wrote")
    books = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = path_for(folder, folder.name)
        if not manifest.is_file():
            continue
        document = _read_manifest(manifest)
        audio = folder / str(document["audio"].get("file", ""))
        if not audio.is_file() or audio.parent != folder:
            raise InputError(f"{manifest}: its audio {audio.name} is missing; "
                             "run `reader build` again")
        # sections/<id>.m3u8; beside the MP3 in folders built before the editions had
        # subfolders
        playlist = next((path for path in (folder / "sections" / f"{folder.name}.m3u8",
                                           folder / f"{folder.name}.m3u8") if path.is_file()),
                        None)
        sections = _read_playlist(playlist.parent, playlist, document) if playlist else ()
        books.append(PublishedBook(folder, document, audio, sections))
    if not books:
        raise InputError(f"{out_dir}: holds no built books (no <id>/<id>.manifest.json); "
                         f"run `reader build BOOK --out {out_dir}` first")
    return books


def read_state(path: Path) -> dict[str, dict[str, str]]:
    """The feed state: GUID → {"fingerprint", "published"}; {} when there is no file yet.

    A file that is not what this module writes raises InputError rather than
    being replaced, since starting over would give every episode a new date.
    """
    fix = "fix it, or delete it (every episode then gets a new pubDate)"
    data, problem = load_json(path, STATE_SHAPE)
    if problem:
        raise InputError(f"{problem}; {fix}")
    if data is None:
        return {}
    if data["format"] != STATE_FORMAT:
        raise InputError(f"{path}: format {data['format']!r} is not {STATE_FORMAT!r}; {fix}")
    episodes: dict[str, dict[str, str]] = data["episodes"]
    for guid, entry in episodes.items():
        try:
            when = datetime.fromisoformat(entry["published"])
        except ValueError:
            raise InputError(f"{path}: episode {guid}: published {entry['published']!r} is not "
                             f"an ISO 8601 date; {fix}") from None
        if when.tzinfo is None:
            raise InputError(f"{path}: episode {guid}: published {entry['published']!r} has no "
                             f"time zone; {fix}")
    return episodes


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mp3_seconds(path: Path) -> float:
    from mutagen.mp3 import MP3

    info = MP3(path).info
    if info is None:
        raise InputError(f"{path}: not an MP3 file; run `reader build --split sections` again")
    return float(info.length)  # from the Info frame the joiner writes: exact


def _relative(path: Path, folder: Path) -> tuple[str, ...]:
    """A file's path inside its book folder, as URL parts ("sections", "x.01.mp3")."""
    return path.relative_to(folder).parts


def _url(base: str, *parts: str) -> str:
    return base + "/".join(quote(part) for part in parts)


def _section_item_title(book_title: str, section_title: str) -> str:
    """"Book — Section"; just the book's title when the section is titled after it."""
    return book_title if section_title == book_title else f"{book_title} — {section_title}"


def _step_words(step: Step, heard: set[str]) -> str:
    if step.lang is None:
        length = "as long as" if step.gap == 1 else f"{step.gap:g} times as long as"
        return f"a pause {length} what was just heard, to repeat it"
    words = f"{step.lang} again" if step.lang in heard else step.lang
    heard.add(step.lang)
    return words if step.speed == 1 else f"{words} at {step.speed:g}× speed"


def reading_order(unit: str, steps: tuple[Step, ...]) -> str:
    """What a listener hears, in words: "Sentence by sentence: kk, then zh, then zh again at
    0.8× speed, then a pause as long as what was just heard, to repeat it." """
    heard: set[str] = set()
    parts = [_step_words(step, heard) for step in steps]
    by = "Sentence by sentence" if unit == "sentence" else "Paragraph by paragraph"
    return f"{by}: {', then '.join(parts)}."


def _description(document: Manifest) -> str:
    book = document["book"]
    order = tuple(str(lang) for lang in book.get("order", []))
    titles = " / ".join(str(t) for t in (book.get("titles") or {}).values())
    lines = [titles or str(book.get("title", ""))]
    if book.get("author"):
        lines.append(f"Author: {book['author']}")
    if book.get("source") and book.get("source") != book.get("author"):
        lines.append(f"Source: {book['source']}")
    lines.append("Languages: " + ", ".join(order))
    # A book spoken by sentence or with a pattern has both in its manifest; a classic
    # book is each paragraph in the book's order.
    steps = parse_pattern(str(document.get("pattern") or " ".join(order)), order,
                          "the manifest's pattern")
    lines.append(reading_order(str(document.get("unit") or "paragraph"), steps))
    return "\n".join(lines)


def _artwork(out_dir: Path, image: str, base: str, any_size: bool,
             warnings: list[str]) -> str:
    """The artwork's URL; a local file is checked against Apple's rule (ConfigError unless
    `any_size`, then a warning); an http(s) URL cannot be checked offline (a warning)."""
    if urlsplit(image).scheme in ("http", "https"):
        if not urlsplit(image).path.lower().endswith((".jpg", ".jpeg", ".png")):
            raise ConfigError(f"--image {shown(image)}: podcast apps need a .jpg or .png image")
        warnings.append(f"--image {image}: not checked (a URL); Apple Podcasts wants a square "
                        "JPEG or PNG of 1400–3000 px")
        return image
    relative = local_image(out_dir, image)
    if relative.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        raise ConfigError(f"--image {shown(image)}: podcast apps need a .jpg or .png image")
    info = image_info((out_dir / relative).read_bytes())
    if info is None:
        raise ConfigError(f"--image {shown(image)}: its size cannot be read (a damaged JPEG "
                          "or PNG); save it again")
    problem = artwork_problem(info)
    if problem:
        line = (f"--image {shown(image)}: {problem}; Apple Podcasts refuses it (it wants a "
                "square JPEG or PNG of 1400–3000 px)")
        if not any_size:
            raise ConfigError(f"{line}; resize it, or give --any-image-size to publish it "
                              "anyway")
        warnings.append(line)
    return _url(base, *relative.parts)


def _channel_settings(given: FeedSettings, books: list[PublishedBook],
                      settings_path: Path) -> tuple[str, tuple[str, str | None]]:
    """The feed's language and category: given, or the books' first language and the
    default category; ConfigError for a value Apple would refuse."""
    firsts = sorted({str(book.document["book"]["order"][0]) for book in books})
    language = given.language
    if language is None:
        if len(firsts) > 1:
            raise ConfigError(f"the books start with different languages ({', '.join(firsts)}) "
                              f"and a feed has one; give --language (or language in "
                              f"{settings_path})")
        language = firsts[0]
    if not _LANGUAGE.match(language):
        raise ConfigError(f"--language {shown(language)}: not a language code; write e.g. "
                          "kk, zh or zh-CN")
    category = apple_category(given.category or DEFAULT_CATEGORY)
    if category is None:
        raise ConfigError(f"--category {shown(given.category)}: not an Apple Podcasts "
                          'category; write e.g. "Education" or "Education/Language Learning" '
                          "(https://podcasters.apple.com/support/1691-apple-podcasts-categories)")
    return language, category


def _book_cover(folder: Path) -> Path | None:
    """The cover the build copied beside the book's reading page, if it has one."""
    for name in reading_page.COVER_FILES:
        if (folder / reading_page.ASSET_FOLDER / name).is_file():
            return folder / reading_page.ASSET_FOLDER / name
    return None


def _versioned(url: str, fingerprint: str) -> str:
    """The URL with the audio's version: a changed file gets a new address, which is what
    makes podcast apps download it again (they keep a download per enclosure URL)."""
    return f"{url}?v={fingerprint[:VERSION_DIGITS]}"


def publish(out_dir: Path, base_url: str | None = None, *, title: str | None = None,
            image: str | None = None, author: str | None = None,
            language: str | None = None, category: str | None = None,
            owner_name: str | None = None, owner_email: str | None = None,
            explicit: bool | None = None, any_image_size: bool = False,
            now: datetime | None = None) -> Published:
    """Write OUT_DIR/feed.xml and OUT_DIR/index.html for every book built there.

    Each setting is the argument when given, else OUT_DIR/feed.toml's key of
    the same name, else its default. `now` is the date given to audio seen for
    the first time (default: the clock).
    """
    settings_path = out_dir / SETTINGS_FILE
    given = FeedSettings(base_url, title, image, author, language, category, owner_name,
                         owner_email, explicit).over(read_settings(settings_path))
    if given.base_url is None:
        raise ConfigError(f"no base URL: give --base-url (or base_url in {settings_path}), "
                          "the address OUT_DIR is served from")
    base = check_base_url(given.base_url)
    for option, value in (("--title", given.title), ("--author", given.author),
                          ("--owner-name", given.owner_name)):
        if value and (bad := xml_character(value) or control_character(value)):
            raise ConfigError(f"{option} {shown(value)}: holds the character {bad}, which a "
                              "feed cannot carry; remove it")
    if given.owner_email is not None and not _EMAIL.match(given.owner_email):
        raise ConfigError(f"--owner-email {shown(given.owner_email)}: not an email address")
    warnings: list[str] = []
    image_url = None
    if given.image:
        image_url = _artwork(out_dir, given.image, base, any_image_size, warnings)
    else:
        warnings.append("no --image: Apple Podcasts requires podcast artwork (a square JPEG "
                        "or PNG of 1400–3000 px)")
    if not given.owner_email:
        warnings.append("no --owner-email: Apple Podcasts asks for the owner's address "
                        "(itunes:owner)")
    books = find_books(out_dir)
    feed_language, feed_category = _channel_settings(given, books, settings_path)
    state_path = out_dir / STATE_FILE
    state = read_state(state_path)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    new: list[str] = []

    def published(guid: str, fingerprint: str) -> datetime:
        entry = state.get(guid)
        if entry is None or entry["fingerprint"] != fingerprint:
            entry = {"fingerprint": fingerprint, "published": moment.isoformat()}
            state[guid] = entry
            new.append(guid)
        return datetime.fromisoformat(entry["published"])

    episodes: list[Episode] = []
    listings: list[Listing] = []
    for book in books:
        document, folder, book_id = book.document, book.folder.name, book.book_id
        meta = document["book"]
        page = book.folder / "index.html"
        chapters = book.folder / f"{book_id}.chapters.json"
        vtt = book.audio.with_suffix(".vtt")
        duration = document["audio"].get("duration_ms", 0) / 1000
        description = _description(document)
        link = _url(base, folder, page.name) if page.is_file() else None
        cover = _book_cover(book.folder)
        cover_url = (_url(base, folder, *cover.relative_to(book.folder).parts)
                     if cover else None)
        if book.sections:
            # A split book's items are its section files; the whole-book chapters and
            # subtitles would be off by each section's start, so items carry neither
            # (each section MP3 has its own ID3 chapters).
            for section in book.sections:
                guid = book_guid(book_id, section.number)
                digest = _file_digest(section.path)
                episodes.append(Episode(
                    guid=guid, title=_section_item_title(str(meta.get("title", book_id)),
                                                         section.title),
                    url=_versioned(_url(base, folder, *_relative(section.path, book.folder)),
                                   digest),
                    length=section.path.stat().st_size, duration=_mp3_seconds(section.path),
                    published=published(guid, digest),
                    description=description, link=link, image=cover_url))
        else:
            guid = book_guid(book_id)
            fingerprint = str(document["audio"].get("fingerprint")
                              or _file_digest(book.audio))
            episodes.append(Episode(
                guid=guid, title=str(meta.get("title", book_id)),
                url=_versioned(_url(base, folder, book.audio.name), fingerprint),
                length=book.audio.stat().st_size,
                duration=duration, published=published(guid, fingerprint),
                chapters_url=_url(base, folder, chapters.name) if chapters.is_file() else None,
                transcript_url=_url(base, folder, vtt.name) if vtt.is_file() else None,
                description=description, link=link, image=cover_url))
        listings.append(Listing(
            book_id=book_id, title=str(meta.get("title", book_id)),
            titles=tuple((str(k), str(v)) for k, v in (meta.get("titles") or {}).items()),
            author=str(meta.get("author") or ""), duration=duration,
            audio=f"{folder}/{book.audio.name}",
            page=f"{folder}/{page.name}" if page.is_file() else None,
            sections=tuple((s.title, "/".join((folder, *_relative(s.path, book.folder))))
                           for s in book.sections),
            cover="/".join((folder, *cover.relative_to(book.folder).parts)) if cover else None,
        ))
    channel_title = given.title or DEFAULT_TITLE
    channel = Channel(
        title=channel_title, link=_url(base, PAGE_FILE), feed_url=_url(base, FEED_FILE),
        description=f"{channel_title}: {len(books)} bilingual audiobook"
                    f"{'s' if len(books) != 1 else ''}; each episode says how it is read.",
        language=feed_language, category=feed_category, explicit=bool(given.explicit),
        author=given.author, image=image_url, owner_name=given.owner_name,
        owner_email=given.owner_email,
    )
    feed_path, page_path = out_dir / FEED_FILE, out_dir / PAGE_FILE
    _write_if_changed(feed_path, podcast_feed(channel, episodes))
    _write_if_changed(page_path, index_page(channel_title, listings).encode("utf-8"))
    if new:
        record = {"format": STATE_FORMAT, "episodes": dict(sorted(state.items()))}
        fsutil.write_bytes(state_path, json.dumps(record, indent=1).encode("utf-8"))
    return Published(feed_path, page_path, len(books), len(episodes), tuple(new),
                     tuple(warnings))


def _write_if_changed(path: Path, data: bytes) -> None:
    """Leave an identical file alone (web servers and caches see no new mtime)."""
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    fsutil.write_bytes(path, data)
