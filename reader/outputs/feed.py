"""The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces. Pure.

`podcast_feed` turns a channel and its episodes (described by the caller from
the books' manifests and files) into the bytes of feed.xml. feedgen writes
RSS and the iTunes tags; it has no Podcasting 2.0 extension, so the two tags
used here (`podcast:chapters`, `podcast:transcript`) come from a small
extension of its own, registered through feedgen's extension API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0).
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
#: The MIME types the Podcasting 2.0 spec names for JSON chapters and WebVTT.
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPE = "text/vtt"


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


@dataclass(frozen=True)
class Channel:
    """The feed itself: what podcast apps show for the whole subscription."""

    title: str
    link: str
    description: str
    feed_url: str
    author: str | None = None
    image: str | None = None


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
        """Declares the namespace; the channel needs no podcast:* tag here."""

        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS}

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
    catalogue gives a byte-identical feed.
    """
    from feedgen.feed import FeedGenerator

    feed_ext, entry_ext = _extensions()
    fg = FeedGenerator()
    fg.load_extension("podcast")  # feedgen's name for its iTunes extension
    fg.register_extension("podcasting", feed_ext, entry_ext, atom=False, rss=True)
    fg.title(channel.title)
    # feedgen's RSS <link> is the last link set: the self link (atom:link) goes first.
    fg.link(href=channel.feed_url, rel="self")
    fg.link(href=channel.link, rel="alternate")
    fg.description(channel.description)
    fg.generator("reader")
    fg.podcast.itunes_summary(channel.description)
    fg.podcast.itunes_explicit("no")
    if channel.author:
        fg.podcast.itunes_author(channel.author)
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
        if channel.author:
            entry.podcast.itunes_author(channel.author)
        entry.podcasting.chapters = episode.chapters_url
        entry.podcasting.transcript = episode.transcript_url
    return bytes(fg.rss_str(pretty=True))
