"""The embedded default engine: espeak-ng, loaded in-process from espeakng-loader.

espeak-ng keeps global state and is not thread-safe, so a process speaks one
utterance at a time; the build runs several processes for parallel synthesis.
"""

from __future__ import annotations

import _ctypes
import contextlib
import ctypes
import threading
from typing import Any, Iterator

from ..errors import EngineError
from . import Audio

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02

#: BCP-47 language → espeak-ng voice. Mandarin is "cmn"; Cantonese "yue".
VOICES = {
    "kk": "kk", "zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "cmn": "cmn",
    "yue": "yue", "ru": "ru", "en": "en-us", "ky": "ky", "tt": "tt", "uz": "uz",
    "tr": "tr", "de": "de", "fr": "fr", "es": "es", "ja": "ja", "ko": "ko",
}

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """libespeak-ng, loaded afresh for every utterance.

    espeak-ng keeps state in C statics across utterances (its voice
    generator's phase and flutter), so the same text spoken twice in one
    process gives different samples. Loading the library anew for each
    utterance (and unloading it after, ~5 ms) makes a clip depend only on its
    text and settings: --jobs 1 and --jobs 8 give byte-identical books.
    The callback and the lock are process-wide; one utterance at a time.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.rate = 0
        self.version = ""
        self.chunks: list[bytes] = []
        self.callback = _CALLBACK(self._on_audio)

    def _on_audio(self, wav: Any, count: int, _events: Any) -> int:
        if wav and count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def check(self) -> None:
        """Load once to learn the version and sample rate (raises EngineError)."""
        if not self.version:
            with self.session("kk"):
                pass

    @contextlib.contextmanager
    def session(self, voice: str) -> Iterator[Any]:
        """A freshly initialised library with `voice` selected, unloaded afterwards."""
        with self.lock:
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
            try:
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
                self.rate = rate
                if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                    raise EngineError(f"espeak: no voice {voice!r}; try kk or cmn")
                self.chunks = []
                yield lib
            finally:
                lib.espeak_Terminate()
                _ctypes.dlclose(lib._handle)


_LIBRARY = _Library()


class EspeakEngine:
    """espeak-ng through its C API (libespeak-ng from the espeakng-loader wheel)."""

    name = "espeak"
    networked = False

    @property
    def version(self) -> str:
        """"espeak-ng 1.52.0": part of every clip's cache key."""
        _LIBRARY.check()
        return _LIBRARY.version

    def supports(self, lang: str) -> bool:
        """espeak-ng ships voices for Kazakh, Mandarin and many others."""
        return lang.lower() in VOICES

    def available(self) -> str | None:
        """Usable when the shared library loads."""
        try:
            _LIBRARY.check()
        except EngineError as exc:
            return str(exc)
        return None

    def default_voice(self, lang: str) -> str:
        """espeak-ng's voice for a BCP-47 code (zh → cmn)."""
        return VOICES[lang.lower()]

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak text with a voice; options: rate (words per minute), pitch (0-100)."""
        with _LIBRARY.session(voice) as lib:
            lib.espeak_SetParameter(1, int(options.get("rate", 160)), 0)  # espeakRATE
            lib.espeak_SetParameter(3, int(options.get("pitch", 50)), 0)  # espeakPITCH
            data = text.encode("utf-8")
            status = lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
            lib.espeak_Synchronize()
            if status != 0:
                raise EngineError(f"espeak: synthesis failed with status {status}")
            return Audio(b"".join(_LIBRARY.chunks), _LIBRARY.rate)

    def phonemes(self, text: str, *, voice: str) -> list[str]:
        """IPA phonemes per clause; a switch of language shows as "(en)" and the like."""
        with _LIBRARY.session(voice) as lib:
            buffer = ctypes.c_char_p(text.encode("utf-8"))
            pointer = ctypes.cast(ctypes.pointer(buffer), ctypes.POINTER(ctypes.c_void_p))
            out = []
            while pointer.contents.value:
                out.append(lib.espeak_TextToPhonemes(pointer, _CHARS_UTF8, _PHONEMES_IPA).decode())
            return out
