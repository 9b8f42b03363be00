"""Auditioning: one line or one paragraph spoken as the book would speak it, into a file.

A producer who adds a lexicon entry hears the result in seconds: the same
engine choice, voice, options, lexicon and mastering as a build, none of the
book's clips touched.
"""

from __future__ import annotations

import contextlib
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from .. import fsutil, speech
from ..audio import mastering
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
    lines are joined with the book's paragraph pause. Each line is written as
    soon as it is mastered, so only one line's audio is held at a time.
    """
    if path.suffix.lower() not in (".mp3", ".wav"):
        raise ConfigError(f"--out {path}: write a .mp3 or .wav file")
    book = loaded.book
    said: list[Line] = []
    with _SaidFile(path, book.audio.sample_rate) as out:
        for lang, text in lines:
            line, clip = _spoken(loaded, lang, text, offline=offline)
            if said and book.pauses.paragraph > 0:
                out.add(mastering.silence_piece(book.pauses.paragraph, book.audio))
            out.add(clip)
            said.append(line)
            del clip  # the next line is spoken without this one's audio held
    return Said(path, tuple(said), out.seconds)


def _spoken(loaded: LoadedBook, lang: str, text: str, *,
            offline: bool) -> tuple[Line, mastering.Mastered]:
    """One line spoken and mastered as a build would (the engine's audio is let go here)."""
    book = loaded.book
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
    return Line(lang, text, spoken, resolved.label), clip


class _SaidFile:
    """The file `say` writes, a mastered piece at a time, put in place whole on success.

    A WAV is written from the PCM that was encoded: no decoder delay, and a
    header whose sizes are the file's (filled in when it closes). An MP3 is
    the pieces' frames joined: they share one CBR format without headers.
    Any error of the file's own names `path`, not the temporary file.
    """

    def __init__(self, path: Path, rate: int) -> None:
        self.path, self.rate = path, rate
        self.wav = path.suffix.lower() == ".wav"
        #: Samples written: the PCM's for a WAV; for an MP3, its frames' (what decoding gives).
        self.samples = 0
        self._atomic = fsutil.atomic_path(path)
        self._handle: BinaryIO | None = None
        self._wave: wave.Wave_write | None = None

    @property
    def seconds(self) -> float:
        """The length of what was written."""
        return self.samples / self.rate

    def __enter__(self) -> _SaidFile:
        with self._named():
            self._handle = open(self._atomic.__enter__(), "wb")  # noqa: SIM115 - closed in __exit__
        if self.wav:
            self._wave = wave.open(self._handle, "wb")
            self._wave.setnchannels(1)
            self._wave.setsampwidth(2)
            self._wave.setframerate(self.rate)
        return self

    def add(self, piece: mastering.Mastered) -> None:
        """Append a mastered piece."""
        assert self._handle is not None
        with self._named():
            if self._wave is not None:
                self._wave.writeframes(np.ascontiguousarray(piece.master, "<i2").data)
                self.samples += len(piece.master)
            else:
                self._handle.write(piece.mp3)
                self.samples += piece.stream.count * piece.stream.samples_per_frame

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        assert self._handle is not None
        with self._named():
            try:
                if self._wave is not None:
                    self._wave.close()
            finally:
                self._handle.close()
                self._atomic.__exit__(kind, exc, traceback)

    @contextlib.contextmanager
    def _named(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:  # it names the temporary file; the user gave `path`
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None
