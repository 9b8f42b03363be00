"""The one way reader talks to an online speech endpoint, whichever engine asks.

Every networked engine (gTTS, Edge) subclasses `NetworkEngine`, whose one
`synthesize` cuts a paragraph into request-sized parts (reader.speech.chunking),
asks for each part through the `Runner` and joins the parts' audio sample-exact.
An engine's `speak_part` makes one request and returns usable audio or raises
`Failure` saying what the endpoint answered and whether asking again could help.
The runner then decides everything else the same way for all of them: a
bounded number of attempts, exponential backoff with jitter, Retry-After
(seconds or an HTTP date), pool-wide pacing after a 429 (`Throttle`), and one
error line naming the part of the paragraph and the endpoint's last answer. An
engine keeps only what is its own: how a request is made and how its answers
are read.
"""

from __future__ import annotations

import abc
import array
import email.utils
import functools
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..audio.pcm import Audio, decode, joined
from ..errors import AudioError, EngineError
from ..text.shorten import truncate
from . import chunking
from .engine import Engine

#: The end of every "gave up" message: the build stops, but nothing made is lost.
RESEND = "finished clips are kept and the next build resumes"

T = TypeVar("T")


@dataclass(frozen=True)
class NetworkSettings:
    """How hard a networked engine tries; tests shrink the delays."""

    #: Tries per request, the first included.
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
    #: The reachability probe that decides whether a chain may use the engine.
    probe_timeout: float = 3.0


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
    """Pacing shared by every request of an engine, whichever thread sends it.

    A 429 stops every request from starting until its delay has passed, then
    spaces request starts; the spacing halves with each success until it is gone.
    """

    def __init__(self, settings: NetworkSettings,
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


class Failure(Exception):
    """One request that did not bring usable audio, and whether to try it again.

    `answer` completes "the endpoint …": "answered 503 Service Unavailable",
    "closed the connection without answering".
    """

    def __init__(self, answer: str, *, retry: bool = True, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(answer)
        self.answer, self.retry, self.status, self.retry_after = answer, retry, status, retry_after


class Runner:
    """Runs an engine's requests: retries, backoff, Retry-After and pool-wide pacing.

    One runner per engine instance, shared by all the threads of the build's pool.
    """

    def __init__(self, engine: str, settings: NetworkSettings,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.settings = engine, settings
        self._sleep = sleep
        self.throttle = Throttle(settings, clock=clock, sleep=sleep)
        self._random = random.Random()
        self._random_lock = threading.Lock()

    def run(self, label: str, request: Callable[[], T]) -> T:
        """`request()`'s result, asking again while it raises a retryable `Failure`.

        `label` names what is asked for ("chunk 2/3 «…»"); when the attempts run
        out, or the endpoint asks for a longer wait than reader accepts, an
        EngineError names it and the endpoint's last answer.
        """
        settings = self.settings
        failure = Failure("nothing was sent")
        attempt = 0
        for attempt in range(1, settings.attempts + 1):
            self.throttle.wait()
            try:
                result = request()
            except Failure as exc:
                failure = exc
            else:
                self.throttle.succeeded()
                return result
            if not failure.retry or attempt == settings.attempts:
                break
            delay = self.backoff(attempt)
            if failure.retry_after is not None:
                if failure.retry_after > settings.max_retry_after:
                    raise EngineError(
                        f"{self.engine}: {label}: the endpoint {failure.answer}, longer than "
                        f"the {settings.max_retry_after:g} s reader waits; try again later; "
                        f"{RESEND}")
                delay = max(delay, failure.retry_after)
            if failure.status == 429:
                self.throttle.slow_down(delay)  # everyone waits; wait() sleeps it for us
            else:
                self._sleep(delay)
        tries = f"after {attempt} attempt{'s' if attempt > 1 else ''}"
        raise EngineError(
            f"{self.engine}: {label}: the endpoint {failure.answer} ({tries}); {RESEND}")

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random."""
        ceiling = min(self.settings.max_backoff, self.settings.backoff * 2 ** (attempt - 1))
        with self._random_lock:
            return ceiling / 2 + self._random.uniform(0, ceiling / 2)


S = TypeVar("S", bound=NetworkSettings)


class NetworkEngine(Engine, Generic[S]):
    """An engine that speaks through an online endpoint, one request per part of a paragraph.

    A subclass gives, besides `name`, `supports` and `default_voice`: `limit`
    (characters per request), `settings_class`, `client` (for `version`),
    `prepare` (a paragraph's voice and options, checked) and `speak_part` (one
    request, its audio decoded, with word marks); usually also `available` (a
    probe) and `check`. Retries, pacing, chunking and joining are done here.
    Thread-safe when `speak_part` is: the build's pool shares one instance.
    """

    networked = True
    #: Characters per request; `chunking.chunks` cuts each paragraph within it.
    limit: int
    #: What error messages call a part of a paragraph: "chunk 2/3 «…»".
    part_name: str = "part"
    #: The rate the endpoint's audio decodes at (its own, so nothing is resampled).
    rate: int = 24000
    #: Bump when the parts sent for a text change (chunking's rules, `limit`): it is
    #: part of `version`, so clips are then re-made.
    chunking_version: int = 1
    #: The settings made when none are given.
    settings_class: type[S]

    def __init__(self, settings: S | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings: S = settings or self.settings_class()
        self._version = f"{self.client()}, chunks {self.chunking_version}"
        #: Retries, backoff and pacing: the runner every networked engine shares.
        self.runner = Runner(self.name, self.settings, sleep=sleep, clock=clock)
        self.throttle = self.runner.throttle

    @abc.abstractmethod
    def client(self) -> str:
        """The library that makes the requests and its version ("gTTS 2.5.4")."""

    @abc.abstractmethod
    def prepare(self, lang: str, voice: str, options: Mapping[str, Any]) -> Any:
        """What every request of a paragraph carries besides its text (the voice and
        options, checked), handed to each `speak_part`; raises before any request."""

    @abc.abstractmethod
    def speak_part(self, part: str, how: Any) -> Audio:
        """One request: the part's audio, decoded at `rate`, with word marks counted from
        the part's first character, or a `Failure` (retried by the runner when it says so)."""

    @property
    def version(self) -> str:
        """"<client> <its version>, chunks N": part of every clip's cache key."""
        return self._version

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict[str, Any]) -> Audio:
        """Speak one paragraph, part by part, each part asked for (and retried) on its own;
        the parts' PCM is joined sample-exact and their word marks moved into place."""
        how = self.prepare(lang, voice, options)
        parts = chunking.chunks(text, lang, self.limit)
        if not parts:
            raise EngineError(
                f"{self.name}: the paragraph has nothing to speak (no letters or digits)")
        spoken = []
        for n, (part, at) in enumerate(chunking.located(text, parts), start=1):
            label = f"{self.part_name} {n}/{len(parts)} «{truncate(part, 25)}»"
            spoken.append((self.runner.run(label, functools.partial(self.speak_part, part, how)),
                           at))
        return joined(spoken, self.rate)


def http_failure(status: int, reason: str, retry_after: str | None, detail: str = "") -> Failure:
    """An HTTP answer without audio: 429 and 5xx are retried (a 429 slows the whole
    pool; both may say when to come back), other errors are final."""
    said = f"answered {status} {reason or ''}".strip()
    if status == 200:
        return Failure(f"{said} without audio")
    if status == 429:
        shown = f" (Retry-After: {retry_after})" if retry_after else ""
        return Failure(said + shown, status=429, retry_after=parse_retry_after(retry_after))
    shown = f" ({detail})" if detail else ""
    wait = parse_retry_after(retry_after) if status >= 500 else None
    return Failure(said + shown, status=status, retry=status >= 500, retry_after=wait)


def decode_answer(data: bytes, rate: int) -> Audio:
    """The PCM in an endpoint's answer; audio that does not decode, or is silent, is a Failure."""
    try:
        audio = decode(data, rate)
    except AudioError as exc:
        raise Failure(f"answered audio that does not decode ({exc})") from None
    if audio.duration < 0.02:
        raise Failure(f"answered audio that does not decode ({len(data)} bytes, no samples)")
    if not audible(audio.samples):
        raise Failure("answered silent audio")
    return audio


def audible(samples: bytes | bytearray) -> bool:
    """True when some sample rises above -60 dBFS."""
    values = array.array("h", samples[: len(samples) // 2 * 2])
    return bool(values) and max(max(values), -min(values)) > 32


def unreachable(url: str, *, proxy: str | None, timed_out: bool, timeout: float,
                cause: BaseException) -> str:
    """The probe's one-line reason: "URL unreachable[ through proxy P]: why"."""
    via = f" through proxy {proxy}" if proxy else ""
    why = f"no answer within {timeout:g} s" if timed_out else f"cannot connect ({os_error(cause)})"
    return f"{url} unreachable{via}: {why}"


def describe(exc: BaseException) -> str:
    """An exception in one short line: its message, else its type's name."""
    return truncate(str(exc).strip() or type(exc).__name__, 158)


def os_error(exc: BaseException) -> str:
    """The system's words inside a client error ("Connection refused"), else the error."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return found.group(1).strip() if found else describe(exc)
