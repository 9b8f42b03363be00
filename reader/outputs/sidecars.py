"""Timing sidecars made from the manifest: WebVTT, LRC and Podcasting 2.0 chapters. Pure.

Both read the manifest's document (see build.manifest) and return text; the
caller writes the files.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..audio.timeline import Chapter
from ..manifest_types import Manifest
from .cues import Cue, Piece, lyric_lines, stretches, subtitle_cues

#: Raise when the subtitles' or lyrics' cutting or timing changes, so old files are rebuilt.
SUBTITLES_VERSION = 2
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def manifest_chapters(document: Manifest) -> tuple[Chapter, ...]:
    """The book's chapters (one per pair) as the manifest records them."""
    return tuple(
        Chapter(
            index=pair["index"], title=pair["chapter"]["title"],
            start_ms=pair["chapter"]["start"], end_ms=pair["chapter"]["end"],
            section=pair["section"], section_title=pair["section_title"],
        )
        for pair in document["pairs"]
    )


def vtt_time(ms: int) -> str:
    """Milliseconds → "hh:mm:ss.ttt", the only WebVTT form that never needs thought."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    """Cue text as WebVTT wants it: &, < and > as entities, on one line.

    Escaping ">" also keeps "-->" out of cue text, and a cue may not hold a
    blank line, so line breaks become spaces.
    """
    text = _LINE_BREAKS.sub(" ", text.strip())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def podcast_chapters(document: Manifest) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0): one per pair, times in seconds."""
    book = document["book"]
    body: dict[str, Any] = {"version": "1.2.0", "title": book["title"]}
    if book.get("author"):
        body["author"] = book["author"]
    body["fileName"] = document["audio"]["file"]
    body["chapters"] = [
        {"startTime": chapter["start"] / 1000, "endTime": chapter["end"] / 1000,
         "title": chapter["title"]}
        for chapter in (pair["chapter"] for pair in document["pairs"])
    ]
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


# --- subtitles and lyrics: a cue per few lines heard, a lyric line per sentence -----------


def _vtt_line(lang: str, line: tuple[Piece, ...], cue: Cue, last: int) -> tuple[str, int]:
    """A cue line in <lang>, word times as cue timestamps; returns it and the last stamp."""
    out = []
    for piece in line:
        # WebVTT wants each timestamp after the cue's start, the stamp before, and before its end.
        if piece.at is not None and last < piece.at < cue.end:
            out.append(f"<{vtt_time(piece.at)}>")
            last = piece.at
        # Pieces keep the spaces between words: escape without vtt_escape's strip.
        out.append(piece.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return f"<lang {lang}>{''.join(out)}</lang>", last


def webvtt(document: Manifest) -> str:
    """WebVTT: each stretch heard as cues of at most two lines of about 42 columns.

    A longer sentence or paragraph becomes consecutive cues ("…-2.1",
    "…-2.2"); with word timings in the manifest each word after a cue's first
    carries its start as a cue timestamp.
    """
    lines = ["WEBVTT", ""]
    for stretch in stretches(document):
        for cue in subtitle_cues(stretch):
            lines += [cue.ident, f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}"]
            last = cue.start
            for line in cue.lines:
                text, last = _vtt_line(cue.lang, line, cue, last)
                lines.append(text)
            lines.append("")
    return "\n".join(lines)


def lrc_time(ms: int) -> str:
    """Milliseconds → "[mm:ss.xx]" (hundredths, rounded; minutes may pass 99)."""
    hundredths = (ms + 5) // 10
    minutes, rest = divmod(hundredths, 6000)
    return f"[{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}]"


def _word_stamp(ms: int) -> str:
    """Enhanced LRC's word stamp: "<mm:ss.xx>"."""
    return f"<{lrc_time(ms)[1:-1]}>"


def _lrc_header(document: Manifest) -> list[str]:
    book = document["book"]
    titles = book.get("titles") or {}
    title = " / ".join(titles.get(lang) or book["title"] for lang in book["order"])
    length = document["audio"]["duration_ms"] // 1000
    header = [f"[ti:{title}]"]
    if book.get("author"):
        header.append(f"[ar:{book['author']}]")
    return header + [f"[al:{book['title']}]", f"[length:{length // 60:02d}:{length % 60:02d}]",
                     f"[re:{document.get('generator', 'reader')}]", ""]


def lrc(document: Manifest) -> str:
    """Synced lyrics (LRC) carrying both languages: a line per sentence heard, at its start."""
    body = [f"{lrc_time(line.start)}{line.texts()[0]}"
            for stretch in stretches(document) for line in lyric_lines(stretch)]
    return "\n".join(_lrc_header(document) + body) + "\n"


def lrc_words(document: Manifest) -> str:
    """Enhanced LRC: the plain LRC's lines with a "<mm:ss.xx>" stamp before each word.

    A last stamp closes the line when its last word ends. Word times are the
    manifest's where it has them, else estimated from the text.
    """
    body = []
    for stretch in stretches(document):
        for line in lyric_lines(stretch, word_times=True):
            text, last = [], line.start
            for piece in line.lines[0]:
                if piece.at is not None:
                    last = min(max(piece.at, last), line.end)
                    text.append(_word_stamp(last))
                text.append(piece.text)
            body.append(f"{lrc_time(line.start)}{''.join(text)}{_word_stamp(line.end)}")
    return "\n".join(_lrc_header(document) + body) + "\n"
