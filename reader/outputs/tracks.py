"""More MP3s from the cached clips: one language alone, a file per section, ACX's files.

Nothing is synthesised: the caller names each paragraph's clip and where its
frames are, and the timeline lays them out exactly as for the bilingual book.

Each of these editions lives in a subfolder of the book's folder (`kk/`,
`sections/`, `acx/`), so that an audiobook app taking a folder for a book
does not play the book several times over; see `mark_hidden`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

from mutagen.id3 import ID3, TRCK

from .. import fsutil
from ..audio.timeline import PauseSource, Timeline, lay_out, with_piece
from ..config import Book
from ..text.pairing import Pair
from ..text.shorten import snippet
from .id3 import ChapterOrderedID3, write_tags
from .mp3 import ClipSource, decoded, write_mp3

#: (pair, lang) → (clip key, frames): the clips a track is made of.
Clips = dict[tuple[int, str], tuple[str, int]]
#: The book's pauses: fitted to the clips around them, or fixed (key, frames) each.
Pauses = PauseSource


def one_language(pairs: tuple[Pair, ...], lang: str) -> tuple[Pair, ...]:
    """The pairs with only `lang` kept; pairs without that language drop out."""
    return tuple(
        dataclasses.replace(pair, texts=tuple(t for t in pair.texts if t[0] == lang))
        for pair in pairs if any(t[0] == lang for t in pair.texts)
    )


#: Audiobookshelf's scanner skips a folder holding a file of this name (and what is
#: below it), so its library shows the book folder as one book: the bilingual MP3.
HIDDEN_MARKER = ".ignore"
SECTIONS_FOLDER = "sections"
ACX_FOLDER = "acx"


def mark_hidden(folder: Path) -> Path:
    """Write the empty marker that keeps Audiobookshelf out of an edition's subfolder."""
    path = folder / HIDDEN_MARKER
    fsutil.write_bytes(path, b"")
    return path


def track_path(folder: Path, book: Book, lang: str) -> Path:
    """"kk/<id>.kk.mp3": where a one-language track goes."""
    return folder / lang / f"{book.id}.{lang}.mp3"


def write_track(path: Path, book: Book, pairs: tuple[Pair, ...], lang: str, clips: Clips,
                pauses: Pauses, clips_at: ClipSource, cover: bytes = b"") -> Timeline:
    """One language's paragraphs with the book's pauses and a chapter per paragraph;
    `cover` (a JPEG or PNG's bytes, if any) is its front-cover picture."""
    timeline = decoded(lay_out(one_language(pairs, lang), clips, pauses, book.audio.frame_seconds),
                       clips_at, book.audio.sample_rate)

    def tag(temp: Path) -> None:
        write_tags(temp, book, timeline.chapters, (lang,), title=book.title(lang), cover=cover)

    write_mp3(path, timeline, clips_at, tag)
    mark_hidden(path.parent)
    return timeline


def sections(pairs: tuple[Pair, ...]) -> list[tuple[Pair, ...]]:
    """The pairs grouped by section, in book order."""
    groups: dict[int, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(pair.section, []).append(pair)
    return [tuple(group) for group in groups.values()]


def section_paths(folder: Path, book: Book, count: int) -> list[Path]:
    """"sections/<id>.kk-zh.01.mp3" …: one name per section, numbered so they sort in order."""
    width = max(2, len(str(count)))
    return [folder / SECTIONS_FOLDER / f"{book.stem}.{n:0{width}d}.mp3"
            for n in range(1, count + 1)]


def playlist_path(folder: Path, book: Book) -> Path:
    """"sections/<id>.m3u8": the section files' playlist, beside them."""
    return folder / SECTIONS_FOLDER / f"{book.id}.m3u8"


def _add_track_number(path: Path, number: int, total: int) -> None:
    """Add TRCK to a tagged file without letting mutagen reorder its chapters."""
    order = [frame.element_id for frame in ID3(path).values() if frame.FrameID in ("CHAP", "CTOC")]
    tags = ChapterOrderedID3(order)
    tags.load(path)
    tags.add(TRCK(encoding=3, text=[f"{number}/{total}"]))
    tags.update_to_v23()
    tags.save(str(path), v2_version=3, padding=lambda info: 0)


def section_title(book: Book, group: tuple[Pair, ...], number: int, total: int) -> str:
    """A section's heading; else the book's title for a book of one section, else "Section n"."""
    return group[0].section_title or (book.title() if total == 1 else f"Section {number}")


def write_sections(folder: Path, book: Book, pairs: tuple[Pair, ...], clips: Clips,
                   pauses: Pauses, clips_at: ClipSource, cover: bytes = b"") -> list[Path]:
    """One bilingual MP3 per section (numbered, tagged, with chapters and the `cover`, if
    any) and an M3U8 playlist."""
    groups = sections(pairs)
    paths = section_paths(folder, book, len(groups))
    entries = []
    for number, (group, path) in enumerate(zip(groups, paths), start=1):
        timeline = decoded(lay_out(group, clips, pauses, book.audio.frame_seconds), clips_at,
                           book.audio.sample_rate)
        title = section_title(book, group, number, len(groups))

        def tag(temp: Path, title: str = title, timeline: Timeline = timeline,
                number: int = number) -> None:
            write_tags(temp, book, timeline.chapters, book.order, title=title, cover=cover)
            _add_track_number(temp, number, len(groups))

        write_mp3(path, timeline, clips_at, tag)
        entries.append((timeline.duration, title, path.name))
    playlist = playlist_path(folder, book)
    fsutil.write_bytes(playlist, m3u8(book, entries).encode("utf-8"))
    return [*paths, playlist, mark_hidden(playlist.parent)]


def m3u8(book: Book, entries: list[tuple[float, str, str]]) -> str:
    """An extended M3U playlist of (seconds, title, file name) entries, UTF-8, relative names."""
    artist = f"{book.author} - " if book.author else ""
    lines = ["#EXTM3U", f"#PLAYLIST:{book.title()}"]
    for seconds, title, name in entries:
        lines += [f"#EXTINF:{round(seconds)},{artist}{title}".replace("\n", " "), name]
    return "\n".join(lines) + "\n"


def safe_name(title: str, limit: int = 80) -> str:
    """A title as a file name on every system: no path or reserved characters, no control
    characters, no trailing dot or space, at most `limit` characters; "" stays ""."""
    name = unicodedata.normalize("NFC", title)
    name = re.sub(r'[\\/:*?"<>|]', "-", name)
    name = re.sub(r"\s+", " ", name)  # tabs and line breaks too
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:limit].rstrip(". ")


#: ACX measures RMS over a whole file, room tone and pauses included: a chapter of a few
#: seconds (a heading alone) falls under its −23 dB floor, so it opens the next file.
ACX_SHORTEST = 20.0


def acx_groups(book: Book, pairs: tuple[Pair, ...], spoken: dict[int, float]
               ) -> list[tuple[str, tuple[Pair, ...]]]:
    """(title, pairs) of each file ACX gets: a section each when the book has sections,
    else a chapter (pair) each, titled by its first paragraph's opening; a chapter of under
    ACX_SHORTEST seconds of speech (`spoken`: pair index → seconds) joins the next one."""
    groups = sections(pairs)
    if len(groups) > 1:
        return [(section_title(book, group, number, len(groups)), group)
                for number, group in enumerate(groups, start=1)]
    files: list[list[Pair]] = []
    for pair in pairs:
        if files and sum(spoken.get(p.index, 0.0) for p in files[-1]) < ACX_SHORTEST:
            files[-1].append(pair)
        else:
            files.append([pair])
    if len(files) > 1 and sum(spoken.get(p.index, 0.0) for p in files[-1]) < ACX_SHORTEST:
        files[-2] += files.pop()
    return [(snippet(group[0].texts[0][1].text, 40), tuple(group)) for group in files]


def acx_paths(folder: Path, titles: list[str]) -> list[Path]:
    """"acx/01 - Title.mp3" …: numbered so they sort (and upload) in order."""
    width = max(2, len(str(len(titles))))
    paths = []
    for number, title in enumerate(titles, start=1):
        name = " - ".join(filter(None, (f"{number:0{width}d}", safe_name(title))))
        paths.append(folder / ACX_FOLDER / f"{name}.mp3")
    return paths


def write_acx(folder: Path, book: Book, groups: list[tuple[str, tuple[Pair, ...]]],
              clips: Clips, pauses: Pauses, room_tone: tuple[tuple[str, int], tuple[str, int]],
              clips_at: ClipSource, cover: bytes = b"") -> list[Path]:
    """One MP3 per group (see `acx_groups`) for ACX: `room_tone` = (head, tail) silence
    pieces in place of the lead-in and the closing pause, the book's pauses within; each
    carries the `cover`, if any."""
    head, tail = room_tone
    paths = acx_paths(folder, [title for title, _ in groups])
    for number, ((title, group), path) in enumerate(zip(groups, paths), start=1):
        timeline = decoded(lay_out(group, clips, with_piece(pauses, "lead_in", head),
                                   book.audio.frame_seconds, tail=tail),
                           clips_at, book.audio.sample_rate)

        def tag(temp: Path, title: str = title, timeline: Timeline = timeline,
                number: int = number) -> None:
            write_tags(temp, book, timeline.chapters, book.order, title=title, cover=cover)
            _add_track_number(temp, number, len(groups))

        write_mp3(path, timeline, clips_at, tag)
    return [*paths, mark_hidden(folder / ACX_FOLDER)]
