"""The book's MP3: a tag, one Info frame for the whole book, then the clips' frames as they are."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from .. import fsutil
from ..audio import frames
from ..audio.mastering import ENCODER_DELAY
from ..audio.timeline import Timeline
from ..errors import AudioError


class ClipSource(Protocol):
    """Where clips' frames are, and how much padding LAME left at each clip's end
    (the clip cache is one)."""

    def path(self, key: str) -> Path:
        """The file holding a clip's MP3 frames."""
        ...

    def padding(self, key: str) -> int:
        """Samples of padding at the end of a clip's last frame."""
        ...


def decoded(timeline: Timeline, clips: ClipSource, sample_rate: int) -> Timeline:
    """The timeline as the MP3 `write_mp3` makes of it decodes: LAME's delay and the last
    piece's padding, which its gapless fields name, are not heard."""
    if not timeline.pieces:
        return timeline
    return timeline.gapless(ENCODER_DELAY + clips.padding(timeline.pieces[-1].key), sample_rate)


def write_mp3(path: Path, timeline: Timeline, clips: ClipSource,
              tag: Callable[[Path], None]) -> None:
    """Tag a new file, append one Info frame and the pieces' frames, rename it into place.

    `clips` gives the file holding a piece's frames. The Info frame's gapless
    fields take LAME's delay (every piece starts with it) and the last piece's
    padding. The tag goes in first, into the empty file: tagging afterwards
    would make mutagen move the whole book's audio (mapped into memory) to make
    room.
    """
    if not timeline.pieces:
        raise AudioError("the book has no audio")
    first = clips.path(timeline.pieces[0].key).read_bytes()[:4]
    sizes = {piece.key: clips.path(piece.key).stat().st_size for piece in timeline.pieces}
    total_bytes = sum(sizes[piece.key] for piece in timeline.pieces)
    with fsutil.atomic_path(path) as temp:
        tag(temp)
        with open(temp, "ab") as out:
            out.write(frames.info_frame(first, timeline.total_frames, total_bytes,
                                        delay=ENCODER_DELAY,
                                        padding=clips.padding(timeline.pieces[-1].key)))
            for piece in timeline.pieces:
                with open(clips.path(piece.key), "rb") as clip:
                    shutil.copyfileobj(clip, out)
