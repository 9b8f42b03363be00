"""Timing sidecars made from the manifest: WebVTT cues and Podcasting 2.0 chapters. Pure.

Both read the manifest's document (see build.manifest) and return text; the
caller writes the files.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..audio.timeline import Chapter

_LINE_BREAKS = re.compile(r"\s*\n\s*")


def manifest_chapters(document: dict[str, Any]) -> tuple[Chapter, ...]:
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


def webvtt(document: dict[str, Any]) -> str:
    """One cue per paragraph, in the order spoken, wrapped in <lang xx>; times from the manifest."""
    lines = ["WEBVTT", ""]
    cues = []
    for pair in document["pairs"]:
        for lang, text in pair["texts"].items():
            cues.append((pair["start"][lang], pair["end"][lang], f"{pair['index']}-{lang}", lang,
                         text))
    cues.sort(key=lambda cue: cue[0])
    for start, end, ident, lang, text in cues:
        lines += [ident, f"{vtt_time(start)} --> {vtt_time(end)}",
                  f"<lang {lang}>{vtt_escape(text)}</lang>", ""]
    return "\n".join(lines)


def podcast_chapters(document: dict[str, Any]) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0): one per pair, times in seconds."""
    book = document["book"]
    body: dict[str, Any] = {"version": "1.2.0", "title": book["title"]}
    if book.get("author"):
        body["author"] = book["author"]
    body["fileName"] = document["audio"]["file"]
    body["chapters"] = [
        {"startTime": chapter.start_ms / 1000, "endTime": chapter.end_ms / 1000,
         "title": chapter.title}
        for chapter in manifest_chapters(document)
    ]
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
