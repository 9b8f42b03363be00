"""The embedded default engine: espeak-ng, loaded in-process from espeakng-loader.

espeak-ng keeps global state and is not thread-safe, so a process speaks one
utterance at a time; the build runs several processes for parallel synthesis.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import difflib
import json
import os
import signal
import socket
import struct
import threading
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..audio.pcm import Audio, WordMark
from ..errors import ConfigError, EngineError
from ..processes import die_with_parent
from .engine import Engine

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
#: Past the highest file descriptor the speaker closes (close_range makes this cheap).
_MAX_FD = max(1024, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024)

#: BCP-47 language → espeak-ng voice. Mandarin is "cmn"; Cantonese "yue".
VOICES = {
    "kk": "kk", "zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "cmn": "cmn",
    "yue": "yue", "ru": "ru", "en": "en-us", "ky": "ky", "tt": "tt", "uz": "uz",
    "tr": "tr", "de": "de", "fr": "fr", "es": "es", "ja": "ja", "ko": "ko",
}

_EVENT_LIST_TERMINATED, _EVENT_WORD = 0, 1
#: One word event sent back with the samples: its sample, text position (1-based
#: characters) and length (characters).
_WORD_EVENT = struct.Struct("<iii")
#: What starts each answer to a request: its status (0 when it succeeded) and payload size.
_ANSWER = struct.Struct("<BQ")
#: The speaker passes a child's answer on in pieces of this many bytes.
_RELAY = 1 << 20

_T = TypeVar("_T")


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p),
                ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT (speak_lib.h): what the synth callback reports with each chunk."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _Library:
    """libespeak-ng, initialised once and never spoken with: each utterance runs in a fork.

    espeak-ng keeps state in C statics across utterances (its voice
    generator's phase and flutter), so the same text spoken twice in one
    process gives different samples, and re-initialising does not reset
    them. So no process that speaks ever speaks twice: a small helper
    process (the speaker), forked from this one once the library is
    initialised, never speaks either, and forks a child (~2 ms) for every
    utterance, which starts from that pristine state and sends its samples
    back. A clip then depends only on its text and settings (--jobs 1 and
    --jobs 8 give byte-identical books), and nothing espeak allocates
    outlives the child.

    Forking from the speaker rather than from this process matters for speed:
    after a fork every page a process writes faults once, and a build worker
    rewrites tens of MB of mastering arrays per clip (about a tenth of its
    CPU time when it forked itself).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lib: Any = None
        self.rate = 0
        self.version = ""
        self.chunks: list[bytes] = []
        #: (sample, text position, length) of each word event, as espeak reports them.
        self.words: list[tuple[int, int, int]] = []
        self.callback = _CALLBACK(self._on_audio)
        #: (the process it belongs to, its pid, this end of its socket)
        self.speaker: tuple[int, int, socket.socket] | None = None

    def _on_audio(self, wav: Any, count: int, events: Any) -> int:
        if wav and count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        i = 0
        while events and events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_WORD:
                self.words.append((event.sample, event.text_position, event.length))
            i += 1
        return 0

    def load(self) -> Any:
        """Load and initialise the library once per process (raises EngineError)."""
        with self.lock:
            if self.lib is not None:
                return self.lib
            try:
                import espeakng_loader
            except ImportError:
                raise EngineError(
                    "espeak: espeakng-loader is not installed; pip install espeakng-loader"
                ) from None
            try:
                lib = ctypes.CDLL(espeakng_loader.get_library_path())
            except OSError as exc:
                raise EngineError(f"espeak: cannot load libespeak-ng ({exc})") from None
            data = str(espeakng_loader.get_data_path()).encode()
            rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
            if rate <= 0:
                raise EngineError(f"espeak: initialisation failed with data at {data.decode()}")
            lib.espeak_SetSynthCallback(self.callback)
            lib.espeak_Info.restype = ctypes.c_char_p
            lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
            lib.espeak_TextToPhonemes.argtypes = [
                ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int
            ]
            self.version = "espeak-ng " + lib.espeak_Info(None).decode()
            self.lib, self.rate = lib, rate
            return lib

    def ask(self, request: dict[str, Any]) -> bytes:
        """What a pristine espeak answers to `request` (see _work), from a fork of the speaker."""
        return self.exchange(request, _received)

    def speak(self, request: dict[str, Any]) -> tuple[list[tuple[int, int, int]], bytearray]:
        """The word events and the samples espeak gives for a "speak" request; the samples
        arrive straight in the one buffer they are returned in (a long clip is ~130 MB)."""
        return self.exchange(request, _speech_received)

    def exchange(self, request: dict[str, Any], read: Callable[[socket.socket, int], _T]) -> _T:
        """Send `request` to the speaker; `read` takes the answer's `size` bytes off the socket
        (raises EngineError with the child's message when it failed)."""
        self.load()
        message = json.dumps(request).encode()
        with self.lock:
            for attempt in range(2):  # a speaker that was killed is replaced once
                connection = self._speaker()
                try:
                    connection.sendall(struct.pack("<Q", len(message)) + message)
                    status, size = _ANSWER.unpack(_received(connection, _ANSWER.size))
                    if status != 0:
                        failure = _received(connection, size)
                        break
                    return read(connection, size)
                except OSError as exc:
                    self._stop_speaker()
                    if attempt:
                        raise EngineError(f"espeak: its speaker process ended twice ({exc}); "
                                          "run the command again") from None
        raise EngineError(f"espeak: {failure.decode(errors='replace')}")

    def _speaker(self) -> socket.socket:
        if self.speaker is not None and self.speaker[0] == os.getpid():
            return self.speaker[2]
        ours, theirs = socket.socketpair()
        with warnings.catch_warnings():
            # The speaker runs only its loop below and espeak's C code: none of
            # the locks another thread might hold at fork time.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the speaker, which never returns
            # Whatever happens here, this copy of the process must end: an
            # exception escaping it would run the parent's code a second time.
            try:
                ours.close()
                # Hold none of the parent's files or pipes (a build's pipes to its
                # workers must close when the worker does); end when the parent's
                # end of the socket closes, however the parent ends.
                keep = theirs.fileno()
                os.closerange(3, keep)
                os.closerange(keep + 1, _MAX_FD)
                for sig in (signal.SIGTERM, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                self._serve(theirs)
            finally:
                os._exit(0)
        theirs.close()
        if self.speaker is None or self.speaker[0] != os.getpid():
            # Reaped at exit, so its CPU time counts to this process like a child's.
            atexit.register(self._stop_speaker)
        self.speaker = (os.getpid(), pid, ours)
        return ours

    def _stop_speaker(self) -> None:
        if self.speaker is None or self.speaker[0] != os.getpid():
            self.speaker = None
            return
        _, pid, connection = self.speaker
        self.speaker = None
        connection.close()  # the speaker reads the end and exits
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    def _serve(self, connection: socket.socket) -> None:  # pragma: no cover - in the speaker
        """The speaker's loop: a request in, a fork speaks it, its answer out; until EOF."""
        while True:
            header = connection.recv(8, socket.MSG_WAITALL)
            if len(header) < 8:
                return
            (size,) = struct.unpack("<Q", header)
            request = json.loads(_received(connection, size))
            if not self._in_child(request, connection):
                return  # an answer cut short: only a new speaker can answer whole again

    def _in_child(self, request: dict[str, Any],
                  connection: socket.socket) -> bool:  # pragma: no cover - in the speaker
        """Send the answer of a forked child to `request` (status, size, payload) on
        `connection`, a piece at a time; False when the child died mid-answer."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                die_with_parent()
                status, parts = 1, [b"unknown failure"]
                try:
                    os.close(read_end)
                    status, parts = 0, self._work(request)
                except BaseException as exc:  # noqa: BLE001 - reported to the parent
                    parts = [(str(exc) if isinstance(exc, EngineError)
                              else f"{type(exc).__name__}: {exc}").encode()]
                    status = 1
                size = sum(len(part) for part in parts)
                for part in [_ANSWER.pack(status, size), *parts]:
                    reply = memoryview(part)
                    while reply:
                        reply = reply[os.write(write_end, reply):]
            finally:
                os._exit(0)
        os.close(write_end)
        buffer, count = memoryview(bytearray(_RELAY)), 0
        with os.fdopen(read_end, "rb") as pipe:
            header = pipe.read(_ANSWER.size)
            whole = len(header) == _ANSWER.size
            if whole:
                connection.sendall(header)
                _, left = _ANSWER.unpack(header)
                while left and whole:
                    count = pipe.readinto(buffer[:min(left, _RELAY)])
                    whole, left = bool(count), left - count
                    if left:  # the last piece goes once the child is reaped
                        connection.sendall(buffer[:count])
        os.waitpid(pid, 0)
        if len(header) < _ANSWER.size:
            message = b"the child that speaks died"
            connection.sendall(_ANSWER.pack(1, len(message)) + message)
        elif whole:
            connection.sendall(buffer[:count])
        return whole

    def _work(self, request: dict[str, Any]) -> list[bytes]:  # pragma: no cover - in the child
        """Speak or transcribe `request` with its voice selected; what the caller gets, in
        pieces (the samples as espeak gave them, never joined)."""
        lib, text = self.lib, request["text"]
        voice = request["voice"]
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineError(f"no voice {voice!r}; try kk or cmn")
        if request["work"] == "phonemes":
            buffer = ctypes.c_char_p(text.encode("utf-8"))
            pointer = ctypes.cast(ctypes.pointer(buffer), ctypes.POINTER(ctypes.c_void_p))
            clauses = []
            while pointer.contents.value:
                clauses.append(lib.espeak_TextToPhonemes(pointer, _CHARS_UTF8, _PHONEMES_IPA))
            return [b"\n".join(clauses)]
        lib.espeak_SetParameter(1, request["rate"], 0)  # espeakRATE
        lib.espeak_SetParameter(3, request["pitch"], 0)  # espeakPITCH
        data = text.encode("utf-8")
        self.chunks, self.words = [], []
        status = lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        if status != 0:
            raise EngineError(f"synthesis failed with status {status}")
        events = b"".join(_WORD_EVENT.pack(*word) for word in self.words)
        return [struct.pack("<I", len(self.words)) + events, *self.chunks]


def word_marks(events: list[tuple[int, int, int]], text: str,
               samples: int) -> tuple[WordMark, ...]:
    """espeak's word events (sample, 1-based character position, length) as word marks.

    A word lasts until the next one starts (the last until the audio ends).
    espeak reports a number it reads as several words with overlapping
    positions ("2019" at 8 then twice at 9): those become one word, timed from
    its first event. For Mandarin it reports one event per dictionary word
    (公里), at its first character with length 1: a word's text runs on over
    the word characters that follow, up to the next event's position.
    """
    words: list[list[int]] = []  # [sample, text start, text end], 0-based, end exclusive
    for sample, position, length in sorted(events, key=lambda event: event[0]):
        start = max(0, min(len(text), position - 1))
        end = max(start, min(len(text), start + length))
        if words and start < words[-1][2]:  # the same word, read as several
            words[-1][2] = max(words[-1][2], end)
            continue
        if words and start < words[-1][1]:
            continue  # a position going back: not a word of its own
        words.append([sample, start, end])
    marks = []
    for k, (sample, start, end) in enumerate(words):
        limit = words[k + 1][1] if k + 1 < len(words) else len(text)
        while end < limit and (text[end].isalnum() or text[end] in "'’-"):
            end += 1
        while end > start and not text[end - 1].isalnum():  # a space or a comma after it
            end -= 1
        stop = words[k + 1][0] if k + 1 < len(words) else samples
        begin = min(max(0, sample), samples)
        if stop <= begin:
            stop = min(samples, begin + 1) if begin < samples else begin
        if end > start and stop > begin:
            marks.append(WordMark(begin, stop, start, end))
    return tuple(marks)


def _received(connection: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes from the socket (OSError if it closes first)."""
    return bytes(_received_into(connection, bytearray(size)))


def _received_into(connection: socket.socket, buffer: bytearray) -> bytearray:
    """`buffer` filled from the socket (OSError if it closes first)."""
    view, got = memoryview(buffer), 0
    while got < len(buffer):
        count = connection.recv_into(view[got:])
        if not count:
            raise ConnectionError("closed mid-answer")
        got += count
    return buffer


def _speech_received(connection: socket.socket,
                     size: int) -> tuple[list[tuple[int, int, int]], bytearray]:
    """A "speak" answer of `size` bytes: its word events, and its samples in a buffer of their own."""
    (count,) = struct.unpack("<I", _received(connection, 4))
    events = _received(connection, count * _WORD_EVENT.size)
    samples = _received_into(connection, bytearray(size - 4 - len(events)))
    return list(_WORD_EVENT.iter_unpack(events)), samples


_LIBRARY = _Library()


def installed_voices() -> frozenset[str]:
    """Voice names espeak-ng's data holds (kk, cmn, en-us, …), from its lang/ folder."""
    try:
        import espeakng_loader
    except ImportError:
        return frozenset()
    data = Path(str(espeakng_loader.get_data_path()))
    return frozenset(path.name for path in (data / "lang").rglob("*") if path.is_file())


def installed_variants() -> frozenset[str]:
    """Voice variants ("f3", "m1", "klatt", …) that can follow a voice after "+"."""
    try:
        import espeakng_loader
    except ImportError:
        return frozenset()
    folder = Path(str(espeakng_loader.get_data_path())) / "voices" / "!v"
    return frozenset(path.name for path in folder.glob("*") if path.is_file())


#: Option → (lowest, highest) accepted; espeak-ng clamps wilder values silently.
OPTION_RANGES = {"rate": (80, 450), "pitch": (0, 99)}


class EspeakEngine(Engine):
    """espeak-ng through its C API (libespeak-ng from the espeakng-loader wheel)."""

    name = "espeak"
    networked = False
    option_names = frozenset(OPTION_RANGES)

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """A voice espeak-ng has (with an optional +variant); rate 80–450 words/min, pitch 0–99."""
        name, _, variant = voice.partition("+")
        voices = installed_voices()
        if not name or (voices and name not in voices):
            close = difflib.get_close_matches(name, sorted(voices), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ConfigError(f"espeak has no voice {voice!r}{hint}; "
                              f"its voice for {lang!r} is {self.default_voice(lang)!r}")
        variants = installed_variants()
        if variant and variants and variant not in variants:
            raise ConfigError(f"espeak voice {voice!r}: no variant {variant!r}; "
                              f"use one of {', '.join(sorted(variants)[:8])}, …")
        for key, (low, high) in OPTION_RANGES.items():
            if key not in options:
                continue
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"espeak option {key}: expected a whole number from {low} "
                                  f"to {high}, got {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"espeak option {key}: {value} is out of range; "
                                  f"use {low} to {high}")

    @property
    def version(self) -> str:
        """"espeak-ng 1.52.0": part of every clip's cache key."""
        _LIBRARY.load()
        return _LIBRARY.version

    def supports(self, lang: str) -> bool:
        """espeak-ng ships voices for Kazakh, Mandarin and many others."""
        return lang.lower() in VOICES

    def available(self, options: Mapping[str, Any] | None = None) -> str | None:
        """Usable when the shared library loads (options change nothing here)."""
        try:
            _LIBRARY.load()
        except EngineError as exc:
            return str(exc)
        return None

    def default_voice(self, lang: str) -> str:
        """espeak-ng's voice for a BCP-47 code (zh → cmn)."""
        return VOICES[lang.lower()]

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak text with a voice; options: rate (words per minute), pitch (0–99)."""
        rate, pitch = int(options.get("rate", 160)), int(options.get("pitch", 50))
        events, samples = _LIBRARY.speak({"work": "speak", "voice": voice, "text": text,
                                          "rate": rate, "pitch": pitch})
        marks = word_marks(events, text, len(samples) // 2)
        return Audio(samples, _LIBRARY.rate, marks, "measured" if marks else "none")

    def options_at_speed(self, options: Mapping[str, Any], speed: float) -> dict[str, Any] | None:
        """The options that speak `speed` times as fast: espeak's own rate (80–450 words/min).

        None when the rate would leave espeak's range (the caller then stretches the audio).
        """
        rate = round(int(options.get("rate", 160)) * speed)
        return {**options, "rate": rate} if 80 <= rate <= 450 else None

    def phonemes(self, text: str, *, voice: str) -> list[str]:
        """IPA phonemes per clause; a switch of language shows as "(en)" and the like."""

        answer = _LIBRARY.ask({"work": "phonemes", "voice": voice, "text": text}).decode()
        return answer.split("\n") if answer else []
