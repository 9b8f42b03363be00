"""Timing sidecars made from the manifest: WebVTT cues and Podcasting 2.0 chapters. Pure.

Both read the manifest's document (see build.manifest) and return text; the
caller writes the files.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ..audio.timeline import Chapter
from ..text.paragraphs import is_unspaced

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


# --- units (sentences) and patterns: reader.pipeline.learning's manifest -------------

#: About this many columns per subtitle line (a Han character takes two).
LINE_WIDTH = 42
#: Characters that must not start a line: they stay with what they close.
_NO_LINE_START = "，。！？；：、”’）》」』〉】…,.;:!?)»"
#: A two-line cue prefers to break after these, if its longer line grows by at most
#: BREAK_BONUS columns.
_BREAK_AFTER = "，。！？；：、,.;:!?"
BREAK_BONUS = 8
_UNSPACED_RUN = re.compile(r"[A-Za-z0-9.%]+|.", re.DOTALL)


def width(text: str) -> int:
    """Display columns: wide (Han, full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _tokens(text: str, unspaced: bool) -> list[str]:
    """Pieces a line may break between: words, or characters (Latin runs kept whole)."""
    if not unspaced:
        return text.split()
    tokens: list[str] = []
    for piece in _UNSPACED_RUN.findall(text):
        if tokens and piece in _NO_LINE_START:
            tokens[-1] += piece
        elif piece.strip():
            tokens.append(piece)
    return tokens


def wrap(text: str, unspaced: bool, limit: int = LINE_WIDTH) -> list[list[str]]:
    """A subtitle text as cues of at most two lines of about `limit` columns.

    Text that fits two lines is one cue, broken where the two lines come out
    most even; longer text is filled line by line and the lines go two to a cue.
    A single word longer than a line keeps its own line.
    """
    sep = "" if unspaced else " "
    tokens = _tokens(" ".join(text.split()), unspaced)
    whole = sep.join(tokens)
    if width(whole) <= limit:
        return [[whole]] if whole else []
    if width(whole) <= 2 * limit:
        best: tuple[int, list[str]] | None = None
        for cut in range(1, len(tokens)):
            first, second = sep.join(tokens[:cut]), sep.join(tokens[cut:])
            widest = max(width(first), width(second))
            # A break after punctuation reads better, worth a slightly longer line.
            score = widest - (BREAK_BONUS if first[-1] in _BREAK_AFTER else 0)
            if widest <= limit and (best is None or score < best[0]):
                best = (score, [first, second])
        if best is not None:
            return [best[1]]
    lines: list[str] = []
    current = ""
    for token in tokens:
        joined = current + sep + token if current else token
        if current and width(joined) > limit:
            lines.append(current)
            current = token
        else:
            current = joined
    if current:
        lines.append(current)
    return [lines[i:i + 2] for i in range(0, len(lines), 2)]


def spoken_lines(document: dict[str, Any]) -> list[tuple[int, int, str, str, str]]:
    """(start, end, id, lang, text) of every stretch of speech, in time order.

    A unit manifest gives one per step heard ("3.2-zh-3": pair 3, sentence 2,
    pattern step 3); a classic one, one per paragraph ("3-zh").
    """
    found = []
    for pair in document["pairs"]:
        if "units" in pair:
            for unit in pair["units"]:
                for number, step in enumerate(unit["spoken"], 1):
                    if "lang" in step:
                        found.append((step["start"], step["end"],
                                      f"{pair['index']}.{unit['number']}-{step['lang']}-{number}",
                                      step["lang"], unit["texts"][step["lang"]]))
        else:
            for lang, text in pair["texts"].items():
                found.append((pair["start"][lang], pair["end"][lang], f"{pair['index']}-{lang}",
                              lang, text))
    found.sort(key=lambda line: line[0])
    return found


def webvtt_units(document: dict[str, Any]) -> str:
    """WebVTT with a cue per sentence heard (per paragraph in a paragraph book).

    Lines are at most about 42 columns and a cue at most two lines; a longer
    sentence becomes consecutive cues ("…-2.1", "…-2.2"), its time shared out
    by their widths.
    """
    lines = ["WEBVTT", ""]
    for start, end, ident, lang, text in spoken_lines(document):
        cues = wrap(text, is_unspaced(lang))
        weights = [sum(width(line) for line in cue) or 1 for cue in cues]
        total, done = sum(weights), 0
        for k, cue in enumerate(cues):
            begin = start + (end - start) * done // total
            done += weights[k]
            finish = start + (end - start) * done // total
            name = ident if len(cues) == 1 else f"{ident}.{k + 1}"
            lines += [name, f"{vtt_time(begin)} --> {vtt_time(finish)}",
                      *(f"<lang {lang}>{vtt_escape(line)}</lang>" for line in cue), ""]
    return "\n".join(lines)


def lrc_time(ms: int) -> str:
    """Milliseconds → "[mm:ss.xx]" (hundredths, rounded; minutes may pass 99)."""
    hundredths = (ms + 5) // 10
    minutes, rest = divmod(hundredths, 6000)
    return f"[{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}]"


def lrc(document: dict[str, Any]) -> str:
    """Synced lyrics (LRC) carrying both languages: a line per sentence heard, at its start."""
    book = document["book"]
    titles = book.get("titles") or {}
    title = " / ".join(titles.get(lang) or book["title"] for lang in book["order"])
    length = document["audio"]["duration_ms"] // 1000
    header = [f"[ti:{title}]"]
    if book.get("author"):
        header.append(f"[ar:{book['author']}]")
    header += [f"[al:{book['title']}]", f"[length:{length // 60:02d}:{length % 60:02d}]",
               f"[re:{document.get('generator', 'reader')}]", ""]
    body = [f"{lrc_time(start)}{' '.join(text.split())}"
            for start, _end, _ident, _lang, text in spoken_lines(document)]
    return "\n".join(header + body) + "\n"
