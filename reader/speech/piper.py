"""Piper neural voices, offline: piper-tts (ONNX models run by onnxruntime).

Voices are installed with `reader voices install` (see voices.py); a build
only reads them. Each worker process loads a voice once and keeps it. The ONNX
session is built here rather than by `PiperVoice.load` because load creates it
with default SessionOptions, whose thread pool takes every core in every worker
process; here `intra_op_num_threads` is the worker's share of the cores
(engine.cpu_share), so threads × workers never exceed the cores.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ..audio.pcm import Audio, WordMark
from ..errors import ConfigError, EngineError, InputError
from ..text.sentences import split_sentences
from ..text.words import estimated_marks
from . import voices
from .engine import Engine, cpu_share
from .phoneme_words import matched, phoneme_words

#: Silence between two sentences of a paragraph (Piper speaks sentence by sentence).
DEFAULT_SENTENCE_PAUSE = 0.3

#: Language families Piper publishes voices for (its catalogue, late 2025).
LANGUAGES = frozenset({
    "ar", "ca", "cs", "cy", "da", "de", "el", "en", "es", "fa", "fi", "fr", "hi", "hu", "id",
    "is", "it", "ka", "kk", "lb", "lv", "ml", "ne", "nl", "no", "pl", "pt", "ro", "ru", "sk",
    "sl", "sr", "sv", "sw", "te", "tr", "uk", "vi", "zh",
})

#: Options this engine reads, with their ranges; others belong to other engines of a chain.
_RANGES = {
    "length_scale": (0.1, 5.0),  # > 1 speaks slower
    "noise_scale": (0.0, 2.0),
    "noise_w_scale": (0.0, 2.0),
    "sentence_pause": (0.0, 5.0),  # seconds
}
_OTHER_ENGINES_OPTIONS = frozenset({"rate", "pitch", "volume", "slow", "tld"})
#: A language tag (kk, cmn, zh-CN, en-us): a voice meant for espeak or gTTS, never a Piper
#: voice name (those look like kk_KZ-issai-high).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z]{2,4})?")


def _version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


class PiperEngine(Engine):
    """Piper voices through piper-tts's PiperVoice (synthesize → AudioChunk per sentence)."""

    name = "piper"
    networked = False
    option_names = frozenset({"speaker", *_RANGES})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[Path, Any] = {}  # model path → PiperVoice, once per process
        self._digests: dict[tuple[Path, int, int], str] = {}

    @property
    def version(self) -> str:
        """piper-tts and onnxruntime versions (the voice model's identity is added per voice)."""
        return f"piper-tts {_version_of('piper-tts')}, onnxruntime {_version_of('onnxruntime')}"

    def supports(self, lang: str) -> bool:
        """Piper publishes voices for these language families (a voice must be installed)."""
        return voices.family(lang) in LANGUAGES

    def available(self, options: Mapping[str, Any] | None = None) -> str | None:
        """Usable when piper-tts imports and at least one voice is installed."""
        try:
            import piper  # noqa: F401
        except ImportError:
            return "piper-tts is not installed (pip install piper-tts)"
        if not voices.installed():
            return (f"no Piper voice is installed in {voices.voices_dir()} "
                    "(reader voices install NAME; see reader voices list)")
        return None

    def default_voice(self, lang: str) -> str:
        """The installed voice for the language (recommended one first), else the recommended."""
        fam = voices.family(lang)
        return voices.best_for(lang) or voices.RECOMMENDED.get(fam) or f"{fam}_??-VOICE-QUALITY"

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """The options' types and ranges; whether the voice is installed is checked when
        Piper is chosen (see voice_identity), so a chain can still fall back."""
        _scales(options)
        speaker = options.get("speaker")
        if speaker is not None and (isinstance(speaker, bool)
                                    or not isinstance(speaker, (int, str))):
            raise ConfigError(f"options.speaker = {speaker!r}: expected a number or a name")

    def resolve_voice(self, lang: str, voice: str) -> str:
        """The Piper voice meant by book.toml's voice for a language.

        A book's language-wide `voice = "kk"` was written for espeak or gTTS; when
        Piper speaks the language it stands for Piper's voice for it, so that
        `--engine kk=piper` works on a book written for espeak.
        """
        return self.default_voice(lang) if _LANGUAGE_TAG.fullmatch(voice) else voice

    def credits(self, voice: str) -> str:
        """Attribution and licence of a voice (Piper voices carry them in MODEL_CARD)."""
        return voices.credits(self._find(voice))

    def voice_identity(self, lang: str, voice: str, options: Mapping[str, Any]) -> str:
        """Check voice and options before any synthesis; return what identifies the model.

        The answer goes into every clip's key, so another model file under the
        same name re-makes the clips. Raises InputError (exit 2) for an unknown
        or incomplete voice, a voice of another language, a bad option.
        """
        found = self._find(voice)
        if found.family != voices.family(lang):
            raise InputError(f"Piper voice {voice!r} speaks {found.language}, not {lang!r}; "
                             f"choose a {lang} voice (see reader voices list --lang {lang})")
        settings = self._settings(found)
        _speaker(found, settings, options)
        _scales(options)
        return f"{self.version}, model {found.model.name} {self._digest(found)}"

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak one paragraph: one chunk per sentence, joined with `sentence_pause` seconds."""
        from piper import SynthesisConfig

        found = self._find(voice)
        piper_voice = self._load(found)
        scales = _scales(options)
        config = SynthesisConfig(
            speaker_id=_speaker(found, self._settings(found), options),
            length_scale=scales.get("length_scale"), noise_scale=scales.get("noise_scale"),
            noise_w_scale=scales.get("noise_w_scale"),
            normalize_audio=False,  # loudness is the mastering step's job
        )
        pause = float(options.get("sentence_pause", DEFAULT_SENTENCE_PAUSE))
        pieces: list[bytes] = []
        #: per sentence chunk: its first sample in the joined audio and its phoneme
        #: alignments (None when the model gives none)
        aligned: list[tuple[int, list[tuple[str, int]] | None]] = []
        at = rate = 0
        try:
            for chunk in piper_voice.synthesize(text, syn_config=config,
                                                include_alignments=True):
                if chunk.sample_width != 2 or chunk.sample_channels != 1:
                    raise EngineError(f"piper: {voice} gave {chunk.sample_channels} channel(s) "
                                      f"of {chunk.sample_width}-byte samples; expected mono 16-bit")
                if pieces:
                    gap = b"\0\0" * round(pause * chunk.sample_rate)
                    pieces.append(gap)
                    at += len(gap) // 2
                samples = chunk.audio_int16_bytes
                alignments = chunk.phoneme_alignments
                aligned.append((at, None if alignments is None else [
                    (a.phoneme, int(a.num_samples)) for a in alignments]))
                pieces.append(samples)
                at += len(samples) // 2
                rate = chunk.sample_rate
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - onnxruntime and the phonemiser raise many kinds
            raise EngineError(f"piper: {voice} failed ({type(exc).__name__}: {exc})") from None
        if not pieces:
            raise EngineError(f"piper: {voice} produced no audio for this text")
        marks, timing = sentence_marks(text, lang, aligned)
        return Audio(b"".join(pieces), rate, marks, timing)

    # --- helpers ---------------------------------------------------------------------

    def _find(self, voice: str) -> voices.InstalledVoice:
        if voice.endswith(".onnx"):  # a model file named by path
            path = Path(voice).expanduser()
            if not path.is_file():
                raise InputError(f"{path}: no such Piper model file")
            if not Path(f"{path}.json").is_file():
                raise InputError(f"{path}: the model has no {path.name}.json beside it "
                                 "(Piper needs both)")
            return voices.read_voice_file(path)
        return voices.find(voice)

    def _settings(self, found: voices.InstalledVoice) -> dict[str, Any]:
        try:
            settings = json.loads(found.config.read_text(encoding="utf-8"))
            settings["audio"]["sample_rate"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{found.config}: not a Piper voice config ({exc!r} missing or "
                             f"unreadable); reinstall: reader voices install {found.name}") from None
        return dict(settings)

    def _digest(self, found: voices.InstalledVoice) -> str:
        """md5 from the catalogue record; for a model without one, its SHA-256 (cached)."""
        if found.model_md5:
            return f"md5:{found.model_md5}"
        stat = found.model.stat()
        key = (found.model, stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            digest = hashlib.sha256()
            with open(found.model, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            self._digests[key] = f"sha256:{digest.hexdigest()}"
        return self._digests[key]

    def _load(self, found: voices.InstalledVoice) -> Any:
        """The voice's PiperVoice, loaded once per process with this worker's thread share."""
        with self._lock:
            if found.model not in self._loaded:
                self._loaded[found.model] = load_voice(found.model, found.config,
                                                       threads=cpu_share())
            return self._loaded[found.model]


def sentence_marks(text: str, lang: str,
                   aligned: list[tuple[int, list[tuple[str, int]] | None]],
                   ) -> tuple[tuple[WordMark, ...], str]:
    """Word marks of a paragraph from its sentence chunks' alignments, and their timing.

    Each chunk is paired with its sentence of the text when Piper split the
    paragraph into as many sentences as reader does, else the paragraph is one
    piece. A piece whose phoneme words pair up with its words is "measured";
    one that does not gets its words spread over its own measured speech by
    syllables, and the clip is "estimated". No alignments at all: no marks.
    """
    if not aligned or any(alignments is None for _, alignments in aligned):
        return (), "none"
    words = [[(at + start, at + end, tones) for start, end, tones in phoneme_words(alignments)]
             for at, alignments in aligned if alignments is not None]
    sentences = split_sentences(text, lang)
    if len(sentences) == len(words):
        pieces = list(zip(sentences, words, strict=True))
    else:
        pieces = [(text, [word for sentence in words for word in sentence])]
    marks: list[WordMark] = []
    timing = "measured"
    cursor = 0
    for sentence, heard in pieces:
        offset = text.find(sentence, cursor)
        cursor = offset + len(sentence)
        found = matched(sentence, heard)
        if found is None:
            timing = "estimated"
            found = estimated_marks(sentence, heard[0][0], heard[-1][1]) if heard else []
        marks += [WordMark(start, end, offset + char_start, offset + char_end)
                  for start, end, char_start, char_end in found]
    if not marks:
        return (), "none"
    return tuple(marks), timing


def load_voice(model: Path, config: Path, *, threads: int) -> Any:
    """A PiperVoice as `PiperVoice.load(include_alignments=True)` makes it, but with
    `threads` intra-op threads.

    The model is patched in memory (its Ceil durations made a second output) so
    each sentence comes with its phonemes' lengths: the words' marks. A model
    that cannot be patched (no such tensor, or onnx missing) speaks without.
    """
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1  # Piper's graph runs sequentially
    options.log_severity_level = 3  # onnxruntime's warnings would break the progress display
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
        session = onnxruntime.InferenceSession(_aligned_model(model), sess_options=options,
                                               providers=["CPUExecutionProvider"])
        return PiperVoice(session=session, config=PiperConfig.from_dict(settings))
    except Exception as exc:  # noqa: BLE001 - a broken model or config: say which file
        raise EngineError(f"piper: cannot load {model} ({type(exc).__name__}: {exc}); "
                          f"reinstall it with reader voices install {model.stem}") from None


def _aligned_model(model: Path) -> str | bytes:
    """The model with its phoneme durations as an output (serialised), else its path."""
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        return str(model)
    loaded = onnx.load(str(model))
    try:
        add_alignment_output(loaded)
    except ValueError:  # no single Ceil tensor, or it is an output already
        return str(model)
    return bytes(loaded.SerializeToString())


def _speaker(found: voices.InstalledVoice, settings: Mapping[str, Any],
             options: Mapping[str, Any]) -> int | None:
    """The speaker id from `options = { speaker = 3 }` or a name from speaker_id_map."""
    speaker = options.get("speaker")
    count = int(settings.get("num_speakers", 1))
    names: dict[str, int] = dict(settings.get("speaker_id_map") or {})
    if speaker is None:
        return None  # Piper uses the voice's default speaker
    if count <= 1:
        raise ConfigError(f"options.speaker = {speaker!r}: Piper voice {found.name} has one "
                          "speaker; remove the option")
    if isinstance(speaker, bool) or not isinstance(speaker, (int, str)):
        raise ConfigError(f"options.speaker = {speaker!r}: expected a number or a name")
    if isinstance(speaker, int):
        if not 0 <= speaker < count:
            raise ConfigError(f"options.speaker = {speaker}: {found.name} has speakers "
                              f"0–{count - 1}")
        return speaker
    if speaker in names:
        return int(names[speaker])
    import difflib

    close = difflib.get_close_matches(speaker, list(names), n=3, cutoff=0.4)
    listed = ", ".join(close or list(names)[:8])
    raise ConfigError(f"options.speaker = {speaker!r}: {found.name} has no such speaker "
                      f"({'closest' if close else 'speakers'}: {listed}; or a number "
                      f"0–{count - 1})")


def _scales(options: Mapping[str, Any]) -> dict[str, float]:
    """Piper's own options, checked against their ranges; unknown keys are refused."""
    checked: dict[str, float] = {}
    for key, value in options.items():
        if key == "speaker" or key in _OTHER_ENGINES_OPTIONS:
            continue
        if key not in _RANGES:
            raise ConfigError(f"options.{key}: not a Piper option; Piper reads speaker, "
                              f"{', '.join(_RANGES)}")
        low, high = _RANGES[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            raise ConfigError(f"options.{key} = {value!r}: expected a number from {low} to {high}")
        checked[key] = float(value)
    return checked
