"""Google Translate's voices through the gTTS library.

gTTS's own code builds every request and reads every answer; this adapter
decides what each request carries (reader.speech.chunking cuts the paragraph,
so gTTS never re-splits it), tells which failures are worth retrying, and
decodes each part's MP3 on its own: gTTS's joined output is byte-glued MP3
whose header counts only the first part. Chunking, retries, pacing after a 429
and joining are `NetworkEngine`'s (reader.speech.network), shared with Edge.
"""

from __future__ import annotations

import functools
import re
import urllib.request
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..audio.estimate import estimated
from ..audio.pcm import Audio
from ..config import AudioFormat
from ..errors import ConfigError, EngineError
from . import chunking
from .network import (
    Failure,
    NetworkEngine,
    NetworkSettings,
    decode_answer,
    describe,
    http_failure,
    unreachable,
)

#: gTTS answers 24 kHz mono MP3; decoding at that rate resamples nothing.
RATE = 24000

#: BCP-47 codes (lower case) whose gTTS tag is not the code itself.
ALIASES = {
    "zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-hans-cn": "zh-CN",
    "zh-sg": "zh-CN", "zh-hans-sg": "zh-CN", "cmn": "zh-CN", "cmn-hans": "zh-CN",
    "zh-hant": "zh-TW", "zh-tw": "zh-TW", "zh-hant-tw": "zh-TW", "cmn-hant": "zh-TW",
}
_TLD = re.compile(r"^[a-z]{2,3}(\.[a-z]{2,3})?$")


@dataclass(frozen=True)
class GttsSettings(NetworkSettings):
    """How hard the engine tries (see NetworkSettings), and where the probe goes."""

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


#: What each request of a paragraph carries besides its text: gTTS's language tag,
#: slow, tld.
Request = tuple[str, bool, str]


class GttsEngine(NetworkEngine[GttsSettings]):
    """Google Translate's speech endpoint, reached through gTTS; networked and thread-safe."""

    name = "gtts"
    option_names = frozenset({"slow", "tld"})
    limit = chunking.LIMIT
    part_name = "chunk"
    rate = RATE
    settings_class = GttsSettings

    def client(self) -> str:
        """"gTTS 2.5.4": with the chunking version, the engine's `version`."""
        return f"gTTS {_gtts_version()}"

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
            return unreachable(url, proxy=proxies.get(url.split(":")[0]),
                               timed_out=isinstance(exc, requests.exceptions.Timeout),
                               timeout=self.settings.probe_timeout, cause=exc)
        return None

    def prepare(self, lang: str, voice: str, options: Mapping[str, Any]) -> Request:
        """(tag, slow, tld) for a paragraph; options: slow (bool), tld (e.g. "com.au").

        The voice is a gTTS language tag (zh-CN, zh-TW) or any code that maps to one;
        options meant for other engines of the chain are ignored.
        """
        tag = gtts_lang(voice) or gtts_lang(lang)
        if tag is None:
            raise EngineError(f"gtts cannot speak {lang!r}; choose another engine for it")
        slow, tld = _options(options)
        return tag, slow, tld

    def speak_part(self, part: str, how: Request) -> Audio:
        """One chunk's audio, its words' times estimated over the chunk's own sound."""
        # Each part is decoded on its own: gTTS's byte-glued MP3 is not trusted. Google
        # says nothing of where words are: they are spread over each chunk's own sound
        # (its length is known exactly), not over the whole paragraph's.
        return estimated(decode_answer(self._request(part, *how), RATE), part,
                         AudioFormat.silence_threshold_db)

    def _request(self, part: str, tag: str, slow: bool, tld: str) -> bytes:
        """One request through gTTS's own code; its MP3 bytes, or a Failure."""
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
            raise Failure(f"answered something unreadable ({describe(exc)})") from None
        if not data:
            raise Failure("answered 200 OK without audio") from None
        return data


def _options(options: Mapping[str, Any]) -> tuple[bool, str]:
    """The engine's options (slow, tld), checked."""
    slow, tld = options.get("slow", False), options.get("tld", "com")
    if not isinstance(slow, bool):
        raise ConfigError(f"gtts option slow: expected true or false, got {slow!r}")
    if not isinstance(tld, str) or not _TLD.match(tld):
        raise ConfigError(f"gtts option tld: {tld!r} is not a Google domain ending; "
                          'use e.g. "com", "com.au", "co.uk"')
    return slow, tld


def _unanswered(cause: BaseException, read_timeout: float) -> Failure:
    """A request that got no HTTP answer; retried unless the request itself is wrong."""
    import requests

    if isinstance(cause, requests.exceptions.Timeout):
        return Failure(f"gave no answer within {read_timeout:g} s")
    if isinstance(cause, (requests.exceptions.ConnectionError,
                          requests.exceptions.ChunkedEncodingError)):
        said = str(cause)
        if "refused" in said:
            return Failure("refused the connection")
        if "aborted" in said or "Disconnected" in said or "reset" in said:
            return Failure("closed the connection without answering")
        return Failure(f"could not be reached ({describe(cause)})")
    return Failure(f"could not be asked ({describe(cause)})", retry=False)


def _answered(response: Any, message: str) -> Failure:
    """An HTTP answer without audio, with gTTS's guess at its cause."""
    cause = message.partition("Probable cause: ")[2].strip().rstrip(".")
    return http_failure(response.status_code, response.reason or "",
                        response.headers.get("Retry-After"),
                        cause if cause and cause != "Unknown" else "")
