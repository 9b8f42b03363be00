"""Book configuration: ``book.toml`` read once into frozen dataclasses.

Precedence, lowest to highest: built-in defaults, then ``book.toml``, then
command-line options (applied with `with_overrides`).
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .characters import control_character, shown
from .errors import ConfigError
from .images import file_kind
from .paths import check_folder_name, inside
from .pronounce import Pronunciation, read_pronunciation, read_toml

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DEFAULT_CHAIN = ("espeak",)
#: What a book speaks at a time (book.toml `unit`, `--unit`).
UNITS = ("paragraph", "sentence")


@dataclass(frozen=True)
class Voice:
    """How one language is spoken: an engine chain (first available wins) and options."""

    engines: tuple[str, ...] = DEFAULT_CHAIN
    #: The voice for whichever engine is chosen (None: that engine's default).
    voice: str | None = None
    options: tuple[tuple[str, Any], ...] = ()
    #: Concurrent requests when a network engine speaks this language (None: default).
    jobs: int | None = None
    #: Voices for particular engines of the chain, e.g. (("espeak", "cmn"), ("gtts", "zh-CN")).
    engine_voices: tuple[tuple[str, str], ...] = ()

    def voice_for(self, engine: str) -> str | None:
        """The voice to use when `engine` speaks this language."""
        return dict(self.engine_voices).get(engine, self.voice)


@dataclass(frozen=True)
class Pauses:
    """Silence, in seconds: after each paragraph, between pairs, before the first."""

    paragraph: float = 0.8
    pair: float = 1.6
    lead_in: float = 0.5


@dataclass(frozen=True)
class AudioFormat:
    """The one clip format of a book: mono CBR MP3 at one rate, one loudness."""

    sample_rate: int = 22050
    bitrate_kbps: int = 64
    loudness_lufs: float = -19.0
    true_peak_db: float = -1.5
    silence_threshold_db: float = -50.0

    @property
    def mpeg1(self) -> bool:
        """Whether MP3 frames at this rate are MPEG-1 (1152 samples) rather than MPEG-2 (576)."""
        return self.sample_rate >= 32000

    @property
    def frame_seconds(self) -> float:
        """Seconds per MP3 frame: 1152 samples (MPEG-1) from 32 kHz up, else 576 (MPEG-2)."""
        return (1152 if self.sample_rate >= 32000 else 576) / self.sample_rate


#: Audio presets: a starting point for [audio] (book.toml keys still win).
#: "acx": what ACX (Audible's producer platform) asks of submitted files —
#: 44.1 kHz, 192 kbit/s CBR MP3, peaks at most -3 dB, RMS between -23 and
#: -18 dB, noise floor at most -60 dBFS (pauses here are digital silence).
PRESETS: dict[str, dict[str, Any]] = {
    "acx": {"sample_rate": 44100, "bitrate_kbps": 192, "loudness_lufs": -20.0,
            "true_peak_db": -3.0},
}
#: Constant bit rates an MP3 frame can state, by MPEG version (kbit/s).
MPEG1_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MPEG2_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)


def audio_format(path: Path, table: dict[str, Any]) -> AudioFormat:
    """The [audio] table (over its `preset`, if any) as a checked AudioFormat; raises ConfigError.

    `true_peak` (dBTP) is the key's name; `true_peak_db` is read as before.
    """
    raw = _take(table, path, "audio.", {
        "sample_rate": int, "bitrate_kbps": int, "loudness_lufs": (int, float),
        "true_peak": (int, float), "true_peak_db": (int, float),
        "silence_threshold_db": (int, float), "preset": str})
    name = raw.pop("preset", None)
    values: dict[str, Any] = {}
    if name is not None:
        if name not in PRESETS:
            raise _fail(path, "audio.preset", f"no preset {name!r}",
                        f"use one of: {', '.join(PRESETS)}")
        values.update(PRESETS[name])
    for key in ("true_peak", "true_peak_db"):
        if key in raw:
            if not -9 <= raw[key] <= 0:
                raise _fail(path, f"audio.{key}", f"{raw[key]} dBTP is out of range",
                            "use a ceiling from -9 to 0 (e.g. -1.5; ACX asks for -3)")
            raw["true_peak_db"] = raw.pop(key)
    values.update(raw)  # the book's own keys win over its preset
    audio = AudioFormat(**values)
    if audio.sample_rate not in (16000, 22050, 24000, 32000, 44100, 48000):
        raise _fail(path, "audio.sample_rate", f"{audio.sample_rate} Hz is not an MP3 rate",
                    "use 16000, 22050, 24000, 32000, 44100 or 48000")
    allowed = MPEG1_BITRATES if audio.mpeg1 else MPEG2_BITRATES
    if audio.bitrate_kbps not in allowed or audio.bitrate_kbps < 24:
        raise _fail(path, "audio.bitrate_kbps",
                    f"{audio.bitrate_kbps} kbit/s is not an MP3 bit rate at {audio.sample_rate} Hz",
                    f"use one of {', '.join(str(b) for b in allowed if b >= 24)}")
    if not -40 <= audio.loudness_lufs <= -10:
        raise _fail(path, "audio.loudness_lufs", f"{audio.loudness_lufs} is out of range",
                    "use a value from -40 to -10 (e.g. -19)")
    if not -80 <= audio.silence_threshold_db <= -20:
        raise _fail(path, "audio.silence_threshold_db",
                    f"{audio.silence_threshold_db} is out of range",
                    "use a value from -80 to -20 dBFS (e.g. -50)")
    return audio


@dataclass(frozen=True)
class Book:
    """Everything book.toml says, plus where the book lives."""

    id: str
    root: Path
    order: tuple[str, ...]
    titles: tuple[tuple[str, str], ...]
    author: str = ""
    source: str = ""
    date: str = ""
    album: str = ""
    voices: tuple[tuple[str, Voice], ...] = ()
    pauses: Pauses = field(default_factory=Pauses)
    audio: AudioFormat = field(default_factory=AudioFormat)
    #: Paragraphs an alignment leaves without a partner: "skip" or "speak" (alone).
    unpaired: str = "skip"
    #: Cover image file, relative to the book folder ("" = none).
    cover: str = ""
    #: [pronounce]: lexicon entries per language and how Latin acronyms are read.
    pronounce: Pronunciation = field(default_factory=Pronunciation)
    #: What is spoken at a time: "paragraph" (a pair) or "sentence" (aligned sentences).
    unit: str = "paragraph"
    #: What is spoken per unit, e.g. "kk zh zh@0.8 _" or a preset ("listen", "learn",
    #: "shadow"); "" = the book's order (see reader.text.patterns).
    pattern: str = ""
    #: The language on the front of the Anki cards ("" = the second language).
    anki_front: str = ""
    #: The audio preset asked for ("" = none); "acx" also writes a file per chapter.
    preset: str = ""

    @property
    def stem(self) -> str:
        """"last-mile.kk-zh": the name shared by the book's output files."""
        return f"{self.id}.{'-'.join(self.order)}"

    @property
    def toml_path(self) -> Path:
        """The book's configuration file."""
        return self.root / "book.toml"

    def text_path(self, lang: str) -> Path:
        """The text file holding one language."""
        return self.root / f"{lang}.txt"

    def voice(self, lang: str) -> Voice:
        """The voice settings for a language (defaults when book.toml is silent)."""
        return dict(self.voices).get(lang, Voice())

    def title(self, lang: str | None = None) -> str:
        """The book's title in a language, or the album title / first title."""
        titles = dict(self.titles)
        if lang is not None and lang in titles:
            return titles[lang]
        return self.album or next(iter(titles.values()), self.id)

    def full_title(self) -> str:
        """The title in every language, in book order ("Ең соңғы… / 最后一公里")."""
        titles = dict(self.titles)
        parts = [titles[lang] for lang in self.order if lang in titles]
        return " / ".join(parts) if parts else self.title()

    def with_overrides(
        self,
        *,
        order: tuple[str, ...] | None = None,
        engines: dict[str, tuple[str, ...]] | None = None,
        preset: str | None = None,
    ) -> Book:
        """A copy with command-line options applied (they win over book.toml)."""
        book = self
        if preset is not None:
            if preset not in PRESETS:
                raise ConfigError(f"--preset {preset}: unknown; choose from {', '.join(PRESETS)}")
            book = dataclasses.replace(book, preset=preset, audio=dataclasses.replace(
                book.audio, **PRESETS[preset]))
        if order is not None:
            if sorted(order) != sorted(self.order):
                raise ConfigError(
                    f"--order {','.join(order)}: must list exactly the book's languages "
                    f"({','.join(self.order)})"
                )
            book = dataclasses.replace(book, order=order)
        if engines:
            voices = dict(book.voices)
            for lang, chain in engines.items():
                if lang not in book.order:
                    raise ConfigError(
                        f"--engine {lang}=…: the book has no language {lang!r} "
                        f"(it has {', '.join(book.order)})"
                    )
                voices[lang] = dataclasses.replace(voices.get(lang, Voice()), engines=chain)
            book = dataclasses.replace(book, voices=tuple(voices.items()))
        return book


#: ISO 639-1: every two-letter language code.
ISO639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())
#: Codes written for a language that are not its code: mostly a country's code
#: (Kazakhstan kz, China cn), or a withdrawn one (iw, in, ji).
LANGUAGE_MISTAKES = {
    "kz": "kk", "cn": "zh", "jp": "ja", "gr": "el", "dk": "da", "ua": "uk", "cz": "cs",
    "vn": "vi", "ir": "fa", "iw": "he", "in": "id", "ji": "yi", "tj": "tg", "tm": "tk",
    "by": "be", "ge": "ka", "kh": "km", "al": "sq", "rs": "sr",
}


def language_mistake(lang: str) -> str | None:
    """What to write instead when a code's language part is a known slip ("did you mean
    'kk'?" for kz) or not ISO 639-1; None for a code that may be right.

    Three-letter codes (cmn, yue) are taken as written: ISO 639-3 has thousands.
    """
    base, _, rest = lang.partition("-")
    if base in LANGUAGE_MISTAKES:
        meant = LANGUAGE_MISTAKES[base] + (f"-{rest}" if rest else "")
        return f"did you mean {meant!r}?"
    if len(base) == 2 and base not in ISO639_1:
        return "use an ISO 639-1 code such as kk, zh, en, ru"
    return None


def _fail(path: Path, key: str, problem: str, fix: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {problem}; {fix}")


def _take(
    table: dict[str, Any], path: Path, prefix: str, spec: dict[str, Any]
) -> dict[str, Any]:
    unknown = sorted(set(table) - set(spec))
    if unknown:
        raise _fail(path, prefix + unknown[0], "unknown key", f"use one of: {', '.join(spec)}")
    out = {}
    for key, value in table.items():
        names = spec[key] if isinstance(spec[key], tuple) else (spec[key],)
        if isinstance(value, bool) or not isinstance(value, names):
            raise _fail(
                path, prefix + key, f"expected {' or '.join(k.__name__ for k in names)}, "
                f"got {type(value).__name__} {value!r}", "fix the value"
            )
        out[key] = value
    return out


#: Covers larger than this are refused (players and stores want a few hundred KB).
COVER_MAX_BYTES = 20 * 1024 * 1024


def check_cover(cover: Path, toml: Path) -> None:
    """Refuse a cover that is missing, not a regular file, too large, or not a JPEG/PNG."""
    if not cover.is_file():
        raise _fail(toml, "cover", f"no file {cover.name!r} in {cover.parent}",
                    "put the image (JPEG or PNG) in the book folder or remove the key")
    if cover.stat().st_size > COVER_MAX_BYTES:
        raise _fail(toml, "cover", f"{cover} is larger than 20 MB", "use a smaller image")
    if file_kind(cover) is None:
        raise _fail(toml, "cover", f"{cover} is not a JPEG or PNG image",
                    "use a .jpg or .png file")


def parse_engine_chain(value: str | list[str], where: str) -> tuple[str, ...]:
    """Read an engine chain written as "a,b" or ["a", "b"]."""
    items = value.split(",") if isinstance(value, str) else value
    chain = tuple(str(item).strip() for item in items if str(item).strip())
    if not chain:
        raise ConfigError(f"{where}: empty engine list; name at least one engine, e.g. espeak")
    return chain


def _check_values(value: Any, path: Path, key: str = "") -> None:
    """Refuse control characters in strings and NaN or infinite numbers, anywhere."""
    if isinstance(value, dict):
        for name, item in value.items():
            _check_values(item, path, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _check_values(item, path, f"{key}[{n}]")
    elif isinstance(value, str) and control_character(value):
        raise _fail(path, key, f"holds the control character {control_character(value)}",
                    "remove it (tags, file names and playlists cannot carry it)")
    elif isinstance(value, float) and not math.isfinite(value):
        raise _fail(path, key, f"{value} is not a number", "write a finite number")


#: book.toml's top-level keys and the types each may have.
TOP_KEYS: dict[str, Any] = {
    "title": (str, dict), "author": str, "source": str, "date": (str, datetime.date), "album": str,
    "order": list, "language": dict, "pauses": dict, "audio": dict, "unpaired": str,
    "cover": str, "pronounce": dict, "unit": str, "pattern": str, "anki_front": str,
}


def load_book(root: Path) -> Book:
    """Read ``root/book.toml``; languages default to the ``*.txt`` files present."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: not a book folder; pass a folder holding book.toml and <lang>.txt")
    book_id = check_folder_name(root)
    path = root / "book.toml"
    data = _read_toml(root, path)
    _check_values(data, path)
    top = _take(data, path, "", TOP_KEYS)
    _check_choices(top, root, path)
    languages = top.get("language", {})
    order = _read_order(top, languages, root, path, found=bool(data) or path.exists())
    titles, voices = _read_languages(languages, order, path)
    title = top.get("title", "")
    if isinstance(title, dict):
        titles.update({str(k): str(v) for k, v in title.items()})
        title = ""
    return Book(
        id=book_id,
        root=root,
        order=order,
        titles=tuple(titles.items()),
        author=top.get("author", ""),
        source=top.get("source", ""),
        date=str(top.get("date", "")),
        album=top.get("album", "") or title,
        voices=tuple(voices.items()),
        pauses=_read_pauses(top.get("pauses", {}), path),
        audio=audio_format(path, top.get("audio", {})),
        unpaired=top.get("unpaired", "skip"),
        cover=top.get("cover", ""),
        pronounce=read_pronunciation(top.get("pronounce", {}), root, path, order),
        unit=top.get("unit", "paragraph"),
        pattern=top.get("pattern", ""),
        anki_front=top.get("anki_front", ""),
        preset=str(top.get("audio", {}).get("preset", "")),
    )


def _read_toml(root: Path, path: Path) -> dict[str, Any]:
    """book.toml's tables; none when there is no book.toml."""
    if not (path.is_symlink() or path.exists()):
        return {}
    inside(root, "book.toml", "book.toml")
    if not path.is_file():
        raise ConfigError(f"{path}: not a regular file (a folder, or a link to nothing); "
                          "make book.toml a text file")
    return read_toml(path)


def _check_choices(top: dict[str, Any], root: Path, path: Path) -> None:
    """The cover, and the keys that name one of a few choices (unpaired, unit)."""
    if "cover" in top:
        check_cover(inside(root, top["cover"], "the cover", f"{path}: cover"), path)
    if top.get("unpaired", "skip") not in ("skip", "speak"):
        raise _fail(path, "unpaired", f"{top['unpaired']!r} is not a choice",
                    'write "skip" (leave them out, with a warning) or "speak" (speak them alone)')
    if top.get("unit", "paragraph") not in UNITS:
        raise _fail(path, "unit", f"{top['unit']!r} is not a choice",
                    'write "paragraph" (a pair at a time) or "sentence" (sentence by sentence)')


def _read_order(top: dict[str, Any], languages: dict[str, Any], root: Path, path: Path, *,
                found: bool) -> tuple[str, str]:
    """The two languages, first to last: `order`, else the [language] tables, else the
    <lang>.txt files; `anki_front` must be one of them."""
    order_raw = top.get("order") or list(languages) or sorted(p.stem for p in root.glob("*.txt"))
    order = tuple(str(lang) for lang in order_raw)
    if not found and len(order) != 2:
        raise ConfigError(f"no book.toml in {shown(root)}; write one there (e.g. "
                          'order = ["kk", "zh"]) beside one <lang>.txt per language')
    if len(order) != 2 or len(set(order)) != 2:
        raise _fail(path, "order", f"a book needs exactly two languages, got {list(order)}",
                    'write e.g. order = ["kk", "zh"] and one <lang>.txt per language')
    for lang in order:
        if not _LANG.match(lang):
            raise _fail(path, "order", f"{lang!r} is not a language code",
                        "use BCP-47 codes such as kk, zh, en")
        if (mistake := language_mistake(lang)) is not None:
            raise _fail(path, "order", f"{lang!r} is not a language code", mistake)
    if top.get("anki_front", order[1]) not in order:
        raise _fail(path, "anki_front", f"{top['anki_front']!r} is not one of the book's "
                    f"languages", f"write one of {', '.join(order)}")
    return order[0], order[1]


def _read_languages(languages: dict[str, Any], order: tuple[str, str],
                    path: Path) -> tuple[dict[str, str], dict[str, Voice]]:
    """The [language.X] tables: each language's title and voice."""
    titles: dict[str, str] = {}
    voices: dict[str, Voice] = {}
    for lang, table in languages.items():
        if lang not in order:
            raise _fail(path, f"language.{lang}", "not in order",
                        f"add {lang!r} to order or remove the table")
        if not isinstance(table, dict):
            raise _fail(path, f"language.{lang}", "expected a table", f"write [language.{lang}]")
        title, voices[lang] = _read_language(lang, table, path)
        if title is not None:
            titles[lang] = title
    return titles, voices


def _read_language(lang: str, table: dict[str, Any], path: Path) -> tuple[str | None, Voice]:
    """One [language.X] table: its title (if any) and its engines, voice, options and jobs."""
    where = f"language.{lang}."
    entry = _take(table, path, where, {
        "title": str, "engine": (str, list), "voice": (str, dict), "options": dict,
        "jobs": int,
    })
    voice, engine_voices = entry.get("voice"), {}
    if isinstance(voice, str) and not voice.strip():
        raise _fail(path, f"{where}voice", "is empty",
                    "name a voice, or remove the key to use the engine's default")
    if isinstance(voice, dict):
        engine_voices, voice = voice, None
        bad = [name for name, value in engine_voices.items()
               if not isinstance(value, str) or not value.strip()]
        if bad:
            raise _fail(path, f"{where}voice.{bad[0]}", "expected a voice name",
                        'write e.g. voice = { espeak = "cmn", gtts = "zh-CN" }')
    if not 1 <= entry.get("jobs", 1) <= 32:
        raise _fail(path, f"{where}jobs", f"{entry['jobs']} is out of range",
                    "use 1 to 32 concurrent requests")
    chain = parse_engine_chain(entry["engine"], f"{path}: {where}engine") \
        if "engine" in entry else DEFAULT_CHAIN
    return entry.get("title"), Voice(chain, voice, tuple(sorted(entry.get("options", {}).items())),
                                     entry.get("jobs"), tuple(sorted(engine_voices.items())))


def _read_pauses(table: dict[str, Any], path: Path) -> Pauses:
    """The [pauses] table: seconds between paragraphs, between pairs, before the first."""
    pauses = Pauses(**{k: float(v) for k, v in _take(
        table, path, "pauses.",
        {"paragraph": (int, float), "pair": (int, float), "lead_in": (int, float)}).items()})
    for name, seconds in dataclasses.asdict(pauses).items():
        if not 0 <= seconds <= 30:
            raise _fail(path, f"pauses.{name}", f"{seconds} s is out of range",
                        "use a value from 0 to 30 seconds")
    return pauses
