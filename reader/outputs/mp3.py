"""The book's MP3: a tag, one Info frame for the whole book, then the clips' frames as they are."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from .. import fsutil
from ..audio import frames
from ..audio.timeline import Timeline
from ..errors import AudioError


def _padding(clip: Path) -> int:
    try:
        record = json.loads(clip.with_suffix(".json").read_text(encoding="utf-8"))
        return int(record.get("padding", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def write_mp3(path: Path, timeline: Timeline, clip_path: Callable[[str], Path],
              tag: Callable[[Path], None]) -> None:
    """Tag a new file, append one Info frame and the pieces' frames, rename it into place.

    `clip_path` gives the file holding a piece's frames. The Info frame's
    gapless fields take LAME's delay (every piece starts with it) and the last
    piece's padding, from the record the clip cache keeps beside its frames
    (`<key>.json`, "padding"; 0 when there is none). The tag goes in first,
    into the empty file: tagging afterwards would make mutagen move the whole
    book's audio (mapped into memory) to make room.
    """
    if not timeline.pieces:
        raise AudioError("the book has no audio")
    first = clip_path(timeline.pieces[0].key).read_bytes()[:4]
    sizes = {piece.key: clip_path(piece.key).stat().st_size for piece in timeline.pieces}
    total_bytes = sum(sizes[piece.key] for piece in timeline.pieces)
    with fsutil.atomic_path(path) as temp:
        tag(temp)
        with open(temp, "ab") as out:
            out.write(frames.info_frame(first, timeline.total_frames, total_bytes,
                                        padding=_padding(clip_path(timeline.pieces[-1].key))))
            for piece in timeline.pieces:
                with open(clip_path(piece.key), "rb") as clip:
                    shutil.copyfileobj(clip, out)
