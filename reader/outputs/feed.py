"""The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces. Pure.

`podcast_feed` turns a channel and its episodes (described by the caller from
the books' manifests and files) into the bytes of feed.xml. feedgen writes
RSS and the iTunes tags; it has no Podcasting 2.0 extension, so the two tags
used here (`podcast:chapters`, `podcast:transcript`) come from a small
extension of its own, registered through feedgen's extension API.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0).
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
#: The MIME types the Podcasting 2.0 spec names for JSON chapters and WebVTT.
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPE = "text/vtt"
#: Characters XML 1.0 cannot hold (C0 controls but tab, CR and LF; surrogates; U+FFFE/U+FFFF).
XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_character(text: str) -> str | None:
    """"U+FFFF" when a text holds a character no XML document can carry, else None."""
    found = XML_ILLEGAL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def xml_text(text: str) -> str:
    """The text with every character XML cannot hold replaced by U+FFFD (�)."""
    return XML_ILLEGAL.sub("\ufffd", text)


def _xml_fields(record: Any) -> Any:
    """A copy of a Channel or Episode whose strings XML can hold (see xml_text)."""
    return dataclasses.replace(record, **{
        item.name: xml_text(value) for item in dataclasses.fields(record)
        if isinstance(value := getattr(record, item.name), str)})


@dataclass(frozen=True)
class Episode:
    """One item of the feed: a book, or one section file of a book."""

    guid: str
    title: str
    description: str
    url: str
    length: int
    duration: float
    published: datetime
    link: str | None = None
    chapters_url: str | None = None
    transcript_url: str | None = None
    #: The episode's own artwork (the book's cover): an http(s) URL ending .jpg or .png.
    image: str | None = None


@dataclass(frozen=True)
class Channel:
    """The feed itself: what podcast apps show for the whole subscription."""

    title: str
    link: str
    description: str
    feed_url: str
    #: One language for the whole feed (RSS <language>), e.g. "kk" or "zh-CN".
    language: str
    #: An Apple Podcasts category and, optionally, one of its subcategories.
    category: tuple[str, str | None]
    explicit: bool = False
    author: str | None = None
    image: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None


#: Apple Podcasts' categories and their subcategories
#: (https://podcasters.apple.com/support/1691-apple-podcasts-categories).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health",
                         "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary",
             "Politics", "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf",
               "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball",
               "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews",
                  "TV Reviews"),
}


def apple_category(text: str) -> tuple[str, str | None] | None:
    """"Education/Language Learning" → ("Education", "Language Learning"); "Education" →
    ("Education", None); None unless Apple lists it (the spelling is Apple's, any case)."""
    top, _, sub = (part.strip() for part in text.partition("/"))
    for name, subs in APPLE_CATEGORIES.items():
        if name.lower() == top.lower():
            if not sub:
                return name, None
            return next(((name, s) for s in subs if s.lower() == sub.lower()), None)
    return None


def itunes_duration(seconds: float) -> str:
    """"H:MM:SS" (whole seconds, rounded), the form Apple's spec lists first."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _extensions() -> tuple[type, type]:
    """feedgen extension classes for the Podcasting 2.0 tags (built lazily: heavy import)."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.util import xml_elem

    class PodcastingFeed(BaseExtension):  # type: ignore[misc]
        """Declares the namespace, and writes itunes:explicit as Apple now spells it
        ("true"/"false"; feedgen knows only the older "yes"/"no"/"clean")."""

        def __init__(self) -> None:
            self.explicit = False

        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS}

        def extend_rss(self, feed: Any) -> Any:
            tag = xml_elem(f"{{{ITUNES_NS}}}explicit", feed[0])
            tag.text = "true" if self.explicit else "false"
            return feed

    class PodcastingEntry(BaseEntryExtension):  # type: ignore[misc]
        """podcast:chapters and podcast:transcript on an item."""

        def __init__(self) -> None:
            self.chapters: str | None = None
            self.transcript: str | None = None

        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS}

        def extend_rss(self, entry: Any) -> Any:
            if self.transcript:  # both languages are in one VTT: no single language attribute
                tag = xml_elem(f"{{{PODCAST_NS}}}transcript", entry)
                tag.attrib["url"] = self.transcript
                tag.attrib["type"] = TRANSCRIPT_TYPE
            if self.chapters:
                tag = xml_elem(f"{{{PODCAST_NS}}}chapters", entry)
                tag.attrib["url"] = self.chapters
                tag.attrib["type"] = CHAPTERS_TYPE
            return entry

    return PodcastingFeed, PodcastingEntry


def podcast_feed(channel: Channel, episodes: list[Episode]) -> bytes:
    """feed.xml's bytes: one item per episode, in the order given.

    lastBuildDate is the newest pubDate rather than the clock, so an unchanged
    output folder gives a byte-identical feed.
    """
    from feedgen.feed import FeedGenerator

    # A title or description read from a manifest may hold a character XML cannot carry
    # (U+FFFF, a control character): it is replaced, so one book cannot stop the feed.
    channel = _xml_fields(channel)
    top, sub = channel.category
    episodes = [_xml_fields(episode) for episode in episodes]
    feed_ext, entry_ext = _extensions()
    fg = FeedGenerator()
    fg.load_extension("podcast")  # feedgen's name for its iTunes extension
    fg.register_extension("podcasting", feed_ext, entry_ext, atom=False, rss=True)
    fg.title(channel.title)
    # feedgen's RSS <link> is the last link set: the self link (atom:link) goes first.
    fg.link(href=channel.feed_url, rel="self")
    fg.link(href=channel.link, rel="alternate")
    fg.description(channel.description)
    fg.language(channel.language)
    fg.generator("reader")
    fg.podcast.itunes_summary(channel.description)
    fg.podcast.itunes_category({"cat": top, **({"sub": sub} if sub else {})})
    fg.podcasting.explicit = channel.explicit
    if channel.author:
        fg.podcast.itunes_author(channel.author)
    if channel.owner_email:
        fg.podcast.itunes_owner(name=channel.owner_name or channel.author or channel.title,
                                email=channel.owner_email)
    if channel.image:
        fg.image(url=channel.image, title=channel.title, link=channel.link)
        fg.podcast.itunes_image(channel.image)
    if episodes:
        fg.lastBuildDate(max(episode.published for episode in episodes))
    for episode in episodes:
        entry = fg.add_entry(order="append")
        entry.guid(episode.guid, permalink=False)
        entry.title(episode.title)
        entry.description(episode.description)
        if episode.link:
            entry.link(href=episode.link)
        entry.enclosure(episode.url, str(episode.length), "audio/mpeg")
        entry.pubDate(episode.published)
        entry.podcast.itunes_duration(itunes_duration(episode.duration))
        if episode.image:
            entry.podcast.itunes_image(episode.image)
        if channel.author:
            entry.podcast.itunes_author(channel.author)
        entry.podcasting.chapters = episode.chapters_url
        entry.podcasting.transcript = episode.transcript_url
    return bytes(fg.rss_str(pretty=True))
