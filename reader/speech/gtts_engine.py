"""Google Translate's voices through the gTTS library.

gTTS's own code builds every request and reads every answer; this adapter
decides what each request carries (reader.chunking cuts the paragraph, so gTTS
never re-splits it), retries what is worth retrying, paces the whole pool when
the endpoint says 429, and decodes each part's MP3 on its own: gTTS's joined
output is byte-glued MP3 whose header counts only the first part.
"""

from __future__ import annotations

import email.utils
import functools
import random
import re
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..audio.pcm import Audio, decode
from ..errors import AudioError, ConfigError, EngineError
from ..text.shorten import clip
from . import chunking

#: Bump when the chunks sent for a text change: clips are then re-made.
CHUNKING_VERSION = 1
#: gTTS answers 24 kHz mono MP3; decoding at that rate resamples nothing.
RATE = 24000

#: BCP-47 codes (lower case) whose gTTS tag is not the code itself.
ALIASES = {
    "zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-hans-cn": "zh-CN",
    "zh-sg": "zh-CN", "zh-hans-sg": "zh-CN", "cmn": "zh-CN", "cmn-hans": "zh-CN",
    "zh-hant": "zh-TW", "zh-tw": "zh-TW", "zh-hant-tw": "zh-TW", "cmn-hant": "zh-TW",
}
_TLD = re.compile(r"^[a-z]{2,3}(\.[a-z]{2,3})?$")
_RESEND = "finished clips are kept and the next build resumes"


@dataclass(frozen=True)
class GttsSettings:
    """How hard the engine tries; tests shrink the delays."""

    #: Tries per chunk, the first included.
    attempts: int = 6
    #: Delay before the first retry (s); it doubles with each retry, with jitter.
    backoff: float = 1.0
    max_backoff: float = 60.0
    #: A 429 whose Retry-After asks for longer than this stops the build at once.
    max_retry_after: float = 300.0
    #: After a 429, request starts across the pool are spaced at least this far apart
    #: (doubling with each further 429, halving with each success).
    spacing: float = 0.25
    max_spacing: float = 5.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    #: The reachability probe that decides whether a chain may use gTTS.
    probe_timeout: float = 3.0
    probe_tld: str = "com"


def _gtts_version() -> str:
    try:
        from gtts.version import __version__
    except ImportError:
        return "missing"
    return str(__version__)


@functools.cache
def _gtts_langs() -> dict[str, str]:
    try:
        from gtts.lang import tts_langs
    except ImportError:
        return {}
    return {tag.lower(): tag for tag in tts_langs()}


def gtts_lang(code: str) -> str | None:
    """gTTS's language tag for a BCP-47 code (zh → zh-CN), or None when it has none."""
    key = code.strip().lower().replace("_", "-")
    if key in ALIASES:
        return ALIASES[key]
    langs = _gtts_langs()
    if key in langs:
        return langs[key]
    primary = key.split("-")[0]
    if primary in ALIASES:
        return ALIASES[primary]
    return langs.get(primary)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Throttle:
    """Pacing shared by every request of the engine, whichever thread sends it.

    A 429 stops every request from starting until its delay has passed, then
    spaces request starts; the spacing halves with each success until it is gone.
    """

    def __init__(self, settings: GttsSettings,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._settings = settings
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._resume = 0.0
        self._next = 0.0
        self.spacing = 0.0

    def wait(self) -> float:
        """Block until this request may start; return how long it waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._resume, self._next)
            self._next = start + self.spacing
        if start > now:
            self._sleep(start - now)
        return start - now

    def slow_down(self, delay: float) -> None:
        """A 429: nobody starts for `delay` seconds, then starts are spaced out."""
        with self._lock:
            self._resume = max(self._resume, self._clock() + delay)
            grown = max(self._settings.spacing, self.spacing * 2)
            self.spacing = min(self._settings.max_spacing, grown)

    def succeeded(self) -> None:
        """An answer with audio: relax the spacing."""
        with self._lock:
            self.spacing = self.spacing / 2 if self.spacing > self._settings.spacing / 8 else 0.0


class _Failure(Exception):
    """One request that did not bring usable audio, and whether to try it again."""

    def __init__(self, answer: str, *, retry: bool = True, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(answer)
        self.answer, self.retry, self.status, self.retry_after = answer, retry, status, retry_after


def _describe(exc: BaseException) -> str:
    return clip(str(exc).strip() or type(exc).__name__, 158)


def _os_error(exc: BaseException) -> str:
    """The system's words inside a requests error ("Connection refused"), else the error."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return found.group(1).strip() if found else _describe(exc)


def _options(options: Mapping[str, Any]) -> tuple[bool, str]:
    """The engine's options (slow, tld), checked."""
    slow, tld = options.get("slow", False), options.get("tld", "com")
    if not isinstance(slow, bool):
        raise ConfigError(f"gtts option slow: expected true or false, got {slow!r}")
    if not isinstance(tld, str) or not _TLD.match(tld):
        raise ConfigError(f"gtts option tld: {tld!r} is not a Google domain ending; "
                          'use e.g. "com", "com.au", "co.uk"')
    return slow, tld


class GttsEngine:
    """Google Translate's speech endpoint, reached through gTTS; networked and thread-safe."""

    name = "gtts"
    networked = True
    option_names = frozenset({"slow", "tld"})

    def __init__(self, settings: GttsSettings | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings or GttsSettings()
        #: "gTTS 2.5.4, chunks 1": part of every clip's cache key.
        self.version = f"gTTS {_gtts_version()}, chunks {CHUNKING_VERSION}"
        self._sleep = sleep
        self.throttle = Throttle(self.settings, sleep=sleep)
        self._random = random.Random()
        self._random_lock = threading.Lock()

    def supports(self, lang: str) -> bool:
        """Whether Google Translate has a voice for the language (it has none for Kazakh)."""
        return gtts_lang(lang) is not None

    def check(self, lang: str, voice: str, options: Mapping[str, Any]) -> None:
        """A voice gTTS knows (a language tag), slow true/false, tld a Google domain ending."""
        if gtts_lang(voice) is None:
            raise ConfigError(f"gtts has no voice {voice!r}; use a language tag such as "
                              f"{self.default_voice(lang)!r}")
        _options(options)

    def default_voice(self, lang: str) -> str:
        """gTTS's language tag: zh → zh-CN, zh-Hant / zh-TW → zh-TW."""
        tag = gtts_lang(lang)
        if tag is None:
            raise EngineError(f"gtts cannot speak {lang!r}")
        return tag

    def available(self, options: Mapping[str, Any] | None = None) -> str | None:
        """None when Google Translate answers a quick probe, sent the way gTTS sends,
        to the `tld` the book asks for (a user who reaches only google.com.hk is not
        sent to the fallback engine)."""
        try:
            import requests
            import urllib3
            from gtts import tts
        except ImportError:
            return "gTTS is not installed; pip install gTTS"
        tld = str((options or {}).get("tld") or self.settings.probe_tld)
        url = tts._translate_url(tld=tld, path="")
        proxies = urllib.request.getproxies()
        request = requests.Request("HEAD", url, headers=tts.gTTS.GOOGLE_TTS_HEADERS)
        try:
            with warnings.catch_warnings(), requests.Session() as session:
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                # As gTTS.stream() does: its proxies, no certificate check.
                session.send(request.prepare(), verify=False, proxies=proxies,
                             timeout=self.settings.probe_timeout, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            scheme = url.split(":")[0]
            via = f" through proxy {proxies[scheme]}" if scheme in proxies else ""
            if isinstance(exc, requests.exceptions.Timeout):
                why = f"no answer within {self.settings.probe_timeout:g} s"
            else:
                why = f"cannot connect ({_os_error(exc)})"
            return f"{url} unreachable{via}: {why}"
        return None

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak one paragraph, chunk by chunk; options: slow (bool), tld (e.g. "com.au").

        The voice is a gTTS language tag (zh-CN, zh-TW) or any code that maps to one;
        options meant for other engines of the chain are ignored.
        """
        tag = gtts_lang(voice) or gtts_lang(lang)
        if tag is None:
            raise EngineError(f"gtts cannot speak {lang!r}; choose another engine for it")
        slow, tld = _options(options)
        parts = chunking.chunks(text, lang, chunking.LIMIT)
        if not parts:
            raise EngineError("gtts: the paragraph has nothing to speak (no letters or digits)")
        audio = [self._speak(part, f"chunk {n}/{len(parts)} «{clip(part, 25)}»", tag, slow, tld)
                 for n, part in enumerate(parts, start=1)]
        return Audio(b"".join(piece.samples for piece in audio), RATE)

    def _speak(self, part: str, label: str, tag: str, slow: bool, tld: str) -> Audio:
        settings = self.settings
        failure = _Failure("nothing was sent")
        for attempt in range(1, settings.attempts + 1):
            self.throttle.wait()
            try:
                audio = self._decode(self._request(part, tag, slow, tld))
            except _Failure as exc:
                failure = exc
            else:
                self.throttle.succeeded()
                return audio
            if not failure.retry or attempt == settings.attempts:
                break
            delay = self._backoff(attempt)
            if failure.retry_after is not None:
                if failure.retry_after > settings.max_retry_after:
                    raise EngineError(
                        f"gtts: {label}: the endpoint {failure.answer}, longer than the "
                        f"{settings.max_retry_after:g} s reader waits; try again later; "
                        f"{_RESEND}")
                delay = max(delay, failure.retry_after)
            if failure.status == 429:
                self.throttle.slow_down(delay)  # everyone waits; wait() sleeps it for us
            else:
                self._sleep(delay)
        tries = f"after {attempt} attempt{'s' if attempt > 1 else ''}"
        raise EngineError(f"gtts: {label}: the endpoint {failure.answer} ({tries}); {_RESEND}")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random."""
        ceiling = min(self.settings.max_backoff, self.settings.backoff * 2 ** (attempt - 1))
        with self._random_lock:
            return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def _request(self, part: str, tag: str, slow: bool, tld: str) -> bytes:
        """One request through gTTS's own code; its MP3 bytes, or a _Failure."""
        from gtts import gTTS, gTTSError

        speech = gTTS(
            part, tld=tld, lang=tag, slow=slow, lang_check=False,
            # The chunk is final: no pre-processing that could lengthen it past
            # 100 characters, and no tokenizer that could split it again.
            pre_processor_funcs=[], tokenizer_func=lambda text: [text],
            timeout=(self.settings.connect_timeout, self.settings.read_timeout),
        )
        try:
            data = b"".join(speech.stream())
        except gTTSError as exc:
            if exc.rsp is None:
                raise _unanswered(exc.__context__ or exc, self.settings.read_timeout) from None
            raise _answered(exc.rsp, exc.msg or "") from None
        except ValueError as exc:  # base64 or UTF-8 that does not decode
            raise _Failure(f"answered something unreadable ({_describe(exc)})") from None
        if not data:
            raise _Failure("answered 200 OK without audio") from None
        return data

    def _decode(self, mp3: bytes) -> Audio:
        """One part's PCM; audio that does not decode, or is silent, is a _Failure."""
        try:
            audio = decode(mp3, RATE)
        except AudioError as exc:
            raise _Failure(f"answered audio that does not decode ({exc})") from None
        if audio.duration < 0.02:
            raise _Failure(f"answered audio that does not decode ({len(mp3)} bytes, no samples)")
        if not _audible(audio.samples):
            raise _Failure("answered silent audio")
        return audio


def _unanswered(cause: BaseException, read_timeout: float) -> _Failure:
    """A request that got no HTTP answer; retried unless the request itself is wrong."""
    import requests

    if isinstance(cause, requests.exceptions.Timeout):
        return _Failure(f"gave no answer within {read_timeout:g} s")
    if isinstance(cause, (requests.exceptions.ConnectionError,
                          requests.exceptions.ChunkedEncodingError)):
        said = str(cause)
        if "refused" in said:
            return _Failure("refused the connection")
        if "aborted" in said or "Disconnected" in said or "reset" in said:
            return _Failure("closed the connection without answering")
        return _Failure(f"could not be reached ({_describe(cause)})")
    return _Failure(f"could not be asked ({_describe(cause)})", retry=False)


def _answered(response: Any, message: str) -> _Failure:
    """An HTTP answer without audio: 429 and 5xx are retried, other errors are final."""
    status = response.status_code
    said = f"answered {status} {response.reason or ''}".strip()
    if status == 200:
        return _Failure(f"{said} without audio")
    if status == 429:
        header = response.headers.get("Retry-After")
        shown = f" (Retry-After: {header})" if header else ""
        return _Failure(said + shown, status=429, retry_after=parse_retry_after(header))
    cause = message.partition("Probable cause: ")[2].strip().rstrip(".")
    shown = f" ({cause})" if cause and cause != "Unknown" else ""
    # A 503 may say when to come back, too.
    wait = parse_retry_after(response.headers.get("Retry-After")) if status >= 500 else None
    return _Failure(said + shown, status=status, retry=status >= 500, retry_after=wait)


def _audible(samples: bytes) -> bool:
    """True when some sample rises above -60 dBFS."""
    import array

    values = array.array("h", samples[: len(samples) // 2 * 2])
    return bool(values) and max(max(values), -min(values)) > 32
