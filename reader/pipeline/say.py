"""Auditioning: one line or one paragraph spoken as the book would speak it, into a file.

A producer who adds a lexicon entry hears the result in seconds: the same
engine choice, voice, options, lexicon and mastering as a build, none of the
book's clips touched.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .. import fsutil, speech
from ..audio import mastering
from ..audio.pcm import decode
from ..digest import json_digest
from ..errors import ConfigError, ReaderError
from .loading import LoadedBook, check_length


@dataclass(frozen=True)
class Line:
    """One thing said: its language, as written, as spoken, and by which engine and voice."""

    lang: str
    text: str
    spoken: str
    engine: str


@dataclass(frozen=True)
class Said:
    """What `say` wrote."""

    path: Path
    lines: tuple[Line, ...]
    seconds: float


def lines_to_say(loaded: LoadedBook, *, lang: str | None, text: str | None,
                 pair: int | None) -> list[tuple[str, str]]:
    """(lang, written text) to speak: the given text in `lang`, or a pair's paragraph(s)."""
    book = loaded.book
    if lang is not None and lang not in book.order:
        raise ConfigError(f"--lang {lang}: the book has no language {lang!r} "
                          f"(it has {', '.join(book.order)})")
    if (text is None) == (pair is None):
        raise ConfigError("say: give either a text (with --lang) or --pair N, not both")
    if text is not None:
        if lang is None:
            raise ConfigError(f"say: which language is {text!r}? add --lang, "
                              f"one of {', '.join(book.order)}")
        if not text.strip():
            raise ConfigError("say: the text is empty; give the words to speak")
        check_length(text, lang, "say")
        return [(lang, text.strip())]
    found = [p for p in loaded.pairs if p.index == pair]
    if not found:
        raise ConfigError(f"--pair {pair}: the book has pairs 1 to {len(loaded.pairs)}")
    texts = dict(found[0].texts)
    langs = [lang] if lang else [code for code in book.order if code in texts]
    if lang and lang not in texts:
        raise ConfigError(f"--pair {pair} has no {lang} paragraph (the alignment left it out)")
    for code in langs:  # a sentence-by-sentence book still says a pair's paragraphs whole
        check_length(texts[code].text, code, loaded.where(found[0], code))
    return [(code, texts[code].text) for code in langs]


def default_path(loaded: LoadedBook, out: Path, *, lang: str | None, text: str | None,
                 pair: int | None) -> Path:
    """output/<id>/say/pair-3.kk.mp3, or output/<id>/say/kk-<hash of the text>.mp3."""
    folder = out / loaded.book.id / "say"
    if pair is not None:
        return folder / (f"pair-{pair}" + (f".{lang}" if lang else "") + ".mp3")
    return folder / f"{lang}-{json_digest([lang, text])[:10]}.mp3"


def say(loaded: LoadedBook, lines: list[tuple[str, str]], path: Path, *,
        offline: bool = False) -> Said:
    """Speak `lines` with the book's engines, voices, options and lexicon into `path`.

    MP3 in the book's clip format, or WAV when `path` ends in .wav; several
    lines are joined with the book's paragraph pause.
    """
    if path.suffix.lower() not in (".mp3", ".wav"):
        raise ConfigError(f"--out {path}: write a .mp3 or .wav file")
    book = loaded.book
    pieces: list[mastering.Mastered] = []
    said: list[Line] = []
    for lang, text in lines:
        # The engine, voice and options a build would use, checked as a build checks them.
        resolved = speech.resolve(lang, book.voice(lang), offline=offline,
                                  where=f"{book.root / 'book.toml'} [language.{lang}]")
        engine, voice, options = resolved.engine, resolved.voice, resolved.options
        spoken = loaded.spoken(text, lang)
        try:
            audio = engine.synthesize(spoken, lang=lang, voice=voice, options=dict(options))
            clip = mastering.master(audio, book.audio)
        except ReaderError as exc:
            raise type(exc)(f"say ({lang}): {exc}") from None
        if pieces and book.pauses.paragraph > 0:
            pieces.append(mastering.silence_piece(book.pauses.paragraph, book.audio))
        pieces.append(clip)
        said.append(Line(lang, text, spoken, resolved.label))
    if path.suffix.lower() == ".wav":
        # From the PCM that was encoded: no decoder delay, and a header whose sizes
        # are the file's (ffmpeg writing to a pipe cannot go back to fill them in).
        pcm = np.concatenate([piece.master for piece in pieces])
        data = wav_bytes(pcm, book.audio.sample_rate)
        seconds = len(pcm) / book.audio.sample_rate
    else:
        # Clips share one CBR format without headers, so their frames simply join.
        data = b"".join(piece.mp3 for piece in pieces)
        seconds = decode(data, book.audio.sample_rate).duration
    try:
        fsutil.write_bytes(path, data)
    except OSError as exc:  # it names the temporary file; the user gave `path`
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    return Said(path, tuple(said), seconds)


def wav_bytes(pcm: NDArray[np.int16], rate: int) -> bytes:
    """A mono 16-bit WAV file holding `pcm`."""
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.ascontiguousarray(pcm, "<i2").data)  # no copy of a long clip
    return out.getvalue()
