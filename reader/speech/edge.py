"""Microsoft Edge's online neural voices ("Read aloud"), through edge-tts.

This is the endpoint the Edge browser reads pages aloud with: unofficial, free,
with no key and no promise; it suits a personal audiobook, not a service.

edge-tts's own `Communicate` makes every request (its WebSocket handshake, the
speech.config and SSML messages, the audio frames); this adapter decides what
each request carries and reads the outcome; cutting, retries, backoff,
Retry-After, pacing and joining are `NetworkEngine`'s, shared with gTTS
(reader.speech.network).

Paragraphs are cut by reader.speech.chunking, not by edge-tts: its own splitter
cuts at 4096 bytes at the last space, or anywhere inside unspaced Chinese,
mid-word; reader cuts at sentence ends first, and a part that fails is asked
again on its own instead of restarting the paragraph.
"""

from __future__ import annotations

import asyncio
import difflib
import http
import math
import os
import re
from collections.abc import Mapping
from typing import Any

from ..audio.estimate import estimated
from ..audio.pcm import Audio, WordMark
from ..config import AudioFormat
from ..errors import ConfigError, EngineError
from .network import (
    Failure,
    NetworkEngine,
    NetworkSettings,
    decode_answer,
    describe,
    http_failure,
    os_error,
    unreachable,
)

#: Characters per request. edge-tts splits anything over 4096 UTF-8 bytes (after
#: XML escaping) itself; 800 characters stay under that even at 5 bytes a
#: character ("&" → "&amp;"), so its splitter never runs.
LIMIT = 800
#: Edge answers audio-24khz-48kbitrate-mono-mp3; decoding at 24 kHz resamples nothing.
RATE = 24000
#: Edge's word boundaries count time in 100-ns ticks.
TICKS_PER_SECOND = 10_000_000
#: A word boundary's text that is a word, not punctuation.
_SPEAKABLE = re.compile(r"[^\W_]")

#: One WordBoundary event: offset and duration in ticks, the word as Edge read it.
Boundary = tuple[int, int, str]

#: The voices Edge offers for the languages reader's books are made of (from
#: edge-tts --list-voices); names are checked against these before synthesis.
VOICES: dict[str, tuple[str, ...]] = {
    "kk": ("kk-KZ-AigulNeural", "kk-KZ-DauletNeural"),
    "zh": (
        "zh-CN-XiaoxiaoNeural", "zh-CN-XiaoyiNeural", "zh-CN-YunjianNeural",
        "zh-CN-YunxiNeural", "zh-CN-YunxiaNeural", "zh-CN-YunyangNeural",
        "zh-CN-liaoning-XiaobeiNeural", "zh-CN-shaanxi-XiaoniNeural",
        "zh-HK-HiuGaaiNeural", "zh-HK-HiuMaanNeural", "zh-HK-WanLungNeural",
        "zh-TW-HsiaoChenNeural", "zh-TW-HsiaoYuNeural", "zh-TW-YunJheNeural",
    ),
}
#: BCP-47 code (lower case) → the voice used when book.toml names none.
DEFAULT_VOICES = {
    "kk": "kk-KZ-AigulNeural",
    "zh": "zh-CN-XiaoxiaoNeural", "zh-cn": "zh-CN-XiaoxiaoNeural",
    "zh-hans": "zh-CN-XiaoxiaoNeural", "cmn": "zh-CN-XiaoxiaoNeural",
    "zh-tw": "zh-TW-HsiaoChenNeural", "zh-hant": "zh-TW-HsiaoChenNeural",
    "zh-hk": "zh-HK-HiuGaaiNeural",
    "ru": "ru-RU-SvetlanaNeural", "en": "en-US-EmmaMultilingualNeural",
}
#: Rate in percent and pitch in Hz, relative to the voice; the service speaks
#: between half and twice the voice's speed.
RATE_RANGE = (-50, 100)
PITCH_RANGE = (-100, 100)
_VOICE = re.compile(r"^([a-z]{2,3})-([A-Z]{2})-(?:[a-z]+-)?[A-Za-z]+Neural$")
#: A language code standing in for a voice: "kk", "cmn", "zh-Hant", "zh-TW".
_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,4})*$")
_RATE = re.compile(r"^([+-]?\d+)%$")
_PITCH = re.compile(r"^([+-]?\d+)Hz$")


def edge_version() -> str:
    """The installed edge-tts's version, or "missing"."""
    try:
        from edge_tts.version import __version__
    except ImportError:
        return "missing"
    return str(__version__)


def _primary(code: str) -> str:
    return code.strip().lower().replace("_", "-").split("-")[0]


def default_voice_for(lang: str) -> str | None:
    """Edge's voice for a BCP-47 code (kk → kk-KZ-AigulNeural), or None when reader has none."""
    key = lang.strip().lower().replace("_", "-")
    while key:
        if key in DEFAULT_VOICES:
            return DEFAULT_VOICES[key]
        key = key.rpartition("-")[0]
    return None


def resolve_voice(voice: str, lang: str) -> str:
    """The Edge voice to speak `lang` with: `voice` itself when it names one, else the
    default voice of the language code it is ("kk", "cmn", "zh-TW": book.toml's plain
    `voice` is shared by the chain's engines). ConfigError when it cannot speak `lang`."""
    match = _VOICE.match(voice)
    if match is None and _CODE.match(voice) and (default := default_voice_for(voice)):
        voice, match = default, _VOICE.match(default)
    if match is not None and match.group(1) != _primary(lang):
        raise ConfigError(
            f"edge voice {voice!r} speaks {match.group(1)!r}, not {lang!r}; "
            f"use e.g. {default_voice_for(lang) or 'a voice of that language'}")
    known = VOICES.get(_primary(lang), ())
    if match is None or (known and voice not in known):
        close = difflib.get_close_matches(voice, known or list(DEFAULT_VOICES.values()), n=3,
                                          cutoff=0.4)
        hint = f"did you mean {', '.join(close)}?" if close else (
            f"Edge's voices for {lang!r}: {', '.join(known)}" if known
            else 'Edge voices are named like "kk-KZ-AigulNeural"')
        raise ConfigError(f"edge has no voice {voice!r}; {hint}")
    return voice


def prosody(options: Mapping[str, Any]) -> tuple[str, str]:
    """(rate, pitch) as edge-tts takes them ("+10%", "-5Hz"), from a language's options.

    rate: "+10%" or a number of percent; pitch: "+5Hz" or a number of Hz.
    Anything else is a ConfigError, raised before any request.
    """
    rate = _relative("rate", options.get("rate", 0), _RATE, "%", RATE_RANGE,
                     'e.g. "+10%", "-20%" or 10 (percent faster than the voice)')
    pitch = _relative("pitch", options.get("pitch", 0), _PITCH, "Hz", PITCH_RANGE,
                      'e.g. "+5Hz", "-10Hz" or 5 (Hz higher than the voice)')
    return rate, pitch


def _relative(name: str, value: object, form: re.Pattern[str], unit: str,
              bounds: tuple[int, int], example: str) -> str:
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (found := form.match(value.strip())):
        number = int(found.group(1))
    else:
        number = None
    if number is None:
        raise ConfigError(f"edge option {name}: {value!r} is not a {name}; use {example}")
    low, high = bounds
    if not low <= number <= high:
        raise ConfigError(f"edge option {name}: {value!r} is outside {low:+d}{unit}…"
                          f"{high:+d}{unit}; use {example}")
    return f"{number:+d}{unit}"


#: What each request of a paragraph carries besides its text: the voice, rate, pitch.
Request = tuple[str, str, str]


class EdgeEngine(NetworkEngine[NetworkSettings]):
    """Edge's "Read aloud" endpoint, reached through edge-tts; networked and thread-safe."""

    name = "edge"
    #: rate in percent and pitch in Hz, relative to the voice (espeak reads the same
    #: names in words per minute and 0–99: a chain of both can set neither).
    option_names = frozenset({"rate", "pitch"})
    limit = LIMIT
    rate = RATE
    settings_class = NetworkSettings

    def client(self) -> str:
        """"edge-tts 7.3.1": with the chunking version, the engine's `version`."""
        return f"edge-tts {edge_version()}"

    def supports(self, lang: str) -> bool:
        """Whether reader knows an Edge voice for the language (Kazakh and Chinese among them)."""
        return default_voice_for(lang) is not None

    def default_voice(self, lang: str) -> str:
        """The voice when book.toml names none: kk → kk-KZ-AigulNeural, zh → zh-CN-XiaoxiaoNeural, zh-TW → zh-TW-HsiaoChenNeural."""
        voice = default_voice_for(lang)
        if voice is None:
            raise EngineError(f"edge has no voice for {lang!r}")
        return voice

    def voices_for(self, lang: str) -> list[str]:
        """The Edge voices reader knows for a language, its default first (`reader voices list`)."""
        default = self.default_voice(lang)
        return [default, *(v for v in VOICES.get(_primary(lang), ()) if v != default)]

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """ConfigError when the voice or the options cannot work; called before synthesis."""
        resolve_voice(voice, lang)
        prosody(options)

    def resolve_voice(self, lang: str, voice: str) -> str:
        """The Edge voice a book's voice setting names ("kk" → kk-KZ-AigulNeural), so the
        build shows, and keys its clips by, the voice that speaks."""
        return resolve_voice(voice, lang)

    def available(self, options: Mapping[str, Any] | None = None) -> str | None:
        """None when Edge's endpoint answers a quick HTTP request, sent to the WebSocket
        address edge-tts uses, through the proxy it would use (aiohttp's, from the
        environment); any HTTP answer counts, since it proves the way is open."""
        try:
            import aiohttp
            from edge_tts import communicate
        except ImportError:
            return "edge-tts is not installed; pip install edge-tts"
        # Read at call time: the address edge-tts's Communicate will connect to.
        url = communicate.WSS_URL
        timeout = self.settings.probe_timeout

        async def probe() -> None:
            limits = aiohttp.ClientTimeout(total=timeout)
            async with aiohttp.ClientSession(trust_env=True, timeout=limits) as session, \
                    session.get(url, allow_redirects=False, ssl=communicate._SSL_CTX):
                pass

        try:
            asyncio.run(probe())
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return unreachable(url.split("?")[0], proxy=_env_proxy(url),
                               timed_out=isinstance(exc, TimeoutError),
                               timeout=timeout, cause=_plain(exc))
        return None

    def prepare(self, lang: str, voice: str, options: Mapping[str, Any]) -> Request:
        """(voice, rate, pitch) for a paragraph; options: rate ("+10%"), pitch ("+5Hz").

        Options meant for other engines of the chain are ignored.
        """
        return (resolve_voice(voice, lang), *prosody(options))

    def speak_part(self, part: str, how: Request) -> Audio:
        """One part's audio, its word marks measured from Edge's word boundaries."""
        data, boundaries = self._request(part, *how)
        audio = decode_answer(data, RATE)
        marks = boundary_marks(part, boundaries, audio.frames)
        if not marks:  # the service said where no word is: spread them over the part
            return estimated(audio, part, AudioFormat.silence_threshold_db)
        return Audio(audio.samples, audio.rate, marks, "measured")

    def _request(self, part: str, voice: str, rate: str, pitch: str,
                 ) -> tuple[bytes, list[Boundary]]:
        """One request through edge-tts's own code; its MP3 bytes and its word boundaries,
        or a Failure."""
        import aiohttp
        import edge_tts
        from edge_tts import exceptions

        settings = self.settings
        speech = edge_tts.Communicate(
            part, voice, rate=rate, pitch=pitch,
            # edge-tts takes whole seconds; reader's own per-message timeout
            # (below) is the one that holds once the WebSocket is open, since
            # aiohttp drops the socket read timeout after the handshake.
            boundary="WordBoundary",
            connect_timeout=max(1, math.ceil(settings.connect_timeout)),
            receive_timeout=max(1, math.ceil(settings.read_timeout)),
        )
        try:
            data, boundaries = asyncio.run(self._collect(speech))
        except aiohttp.ClientResponseError as exc:  # the handshake answered, not with 101
            status = exc.status
            try:
                reason = http.HTTPStatus(status).phrase
            except ValueError:
                reason = ""
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            raise http_failure(status, reason, retry_after) from None
        except exceptions.SkewAdjustmentError:
            # edge-tts met a 403 and found no Date in it to correct the clock by.
            raise Failure("answered 403 Forbidden", retry=False) from None
        except TimeoutError:
            raise Failure(f"gave no answer within {settings.read_timeout:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ConnectionRefusedError):
                raise Failure("refused the connection") from None
            raise Failure(f"could not be reached ({os_error(_plain(exc))})") from None
        except (aiohttp.ClientError, exceptions.WebSocketError, OSError) as exc:
            raise Failure(f"dropped the connection ({describe(exc)})") from None
        except exceptions.NoAudioReceived:
            raise Failure("closed the stream without audio") from None
        except (exceptions.UnexpectedResponse, exceptions.UnknownResponse, ValueError) as exc:
            raise Failure(f"answered something unreadable ({describe(exc)})") from None
        # Audio after the last turn.end means the stream was cut short: edge-tts
        # ends quietly when the socket closes, so the MP3 would decode, truncated.
        unfinished = speech.state["chunk_audio_bytes"]
        if unfinished:
            raise Failure(f"closed the connection mid-stream ({unfinished} bytes of audio, "
                          "no turn.end)")
        return data, boundaries

    async def _collect(self, speech: Any) -> tuple[bytes, list[Boundary]]:
        """The audio and word boundaries of one Communicate stream; TimeoutError when a
        message is overdue."""
        stream = speech.stream()
        audio = bytearray()
        boundaries: list[Boundary] = []
        try:
            while True:
                try:
                    message = await asyncio.wait_for(anext(stream), self.settings.read_timeout)
                except StopAsyncIteration:
                    break
                if message["type"] == "audio":
                    audio += message["data"]
                elif message["type"] == "WordBoundary":
                    boundaries.append(
                        (int(message["offset"]), int(message["duration"]), message["text"]))
        finally:
            await stream.aclose()
        return bytes(audio), boundaries


def boundary_marks(text: str, boundaries: list[Boundary], frames: int) -> tuple[WordMark, ...]:
    """Marks from Edge's word boundaries (100-ns ticks into the part's audio, the word's
    text), each found in `text` after the one before; punctuation (Edge reports it as a
    boundary too) and a word not found are left out."""
    marks: list[WordMark] = []
    cursor = 0
    for offset, duration, word in boundaries:
        word = word.strip()
        if not _SPEAKABLE.search(word):
            continue
        found = text.find(word, cursor)
        if found < 0:
            continue
        cursor = found + len(word)
        start = min(frames, round(offset * RATE / TICKS_PER_SECOND))
        end = min(frames, round((offset + duration) * RATE / TICKS_PER_SECOND))
        if marks:
            start = max(start, marks[-1].start)
        marks.append(WordMark(start, max(end, start + 1), found, cursor))
    return tuple(marks)


def _plain(exc: BaseException) -> BaseException:
    """aiohttp's connection error as the system's "[Errno 111] Connection refused"."""
    cause = getattr(exc, "os_error", None)
    if isinstance(cause, OSError) and cause.errno:
        return OSError(cause.errno, os.strerror(cause.errno))
    return exc


def _env_proxy(url: str) -> str | None:
    """The proxy aiohttp takes from the environment for a URL, if any."""
    try:
        from aiohttp.helpers import get_env_proxy_for_url
        from yarl import URL

        proxy, _ = get_env_proxy_for_url(URL(url))
    except (ImportError, LookupError):
        return None
    return str(proxy)
