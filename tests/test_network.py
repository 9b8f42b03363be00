"""The runner every online engine shares (reader.speech.network), on a fake clock.

No endpoint and no waiting: requests are plain functions that answer with
audio or raise `Failure`, and `FakeTime` moves the clock when the runner sleeps.
"""

from __future__ import annotations

import array
import importlib.metadata
import inspect
import math
import re
from collections.abc import Mapping
from typing import Any

import pytest

from reader.audio.pcm import Audio, WordMark
from reader.errors import ConfigError, EngineError
from reader.speech.edge import EdgeEngine
from reader.speech.gtts_engine import GttsEngine
from reader.speech.network import (
    RESEND,
    Failure,
    NetworkEngine,
    NetworkSettings,
    Runner,
    Throttle,
    audible,
    describe,
    http_failure,
    os_error,
    parse_retry_after,
    unreachable,
)

from .fake_time import FakeTime

#: Fixed backoff (no jitter: the random half is drawn from 0 to 0), easy sums.
SETTINGS = NetworkSettings(attempts=4, backoff=1.0, max_backoff=60.0, spacing=0.5,
                           max_spacing=2.0, max_retry_after=30.0)


def _runner(time: FakeTime, settings: NetworkSettings = SETTINGS) -> Runner:
    return Runner("fake", settings, sleep=time.sleep, clock=time.clock)


def _request(time: FakeTime, *outcomes: Failure | str) -> tuple[list[float], object]:
    asked: list[float] = []
    queue = list(outcomes)

    def request() -> str:
        asked.append(time.clock())
        outcome = queue.pop(0)
        if isinstance(outcome, Failure):
            raise outcome
        return outcome

    return asked, request


@pytest.fixture
def time() -> FakeTime:
    return FakeTime(start=0.0)


@pytest.fixture(autouse=True)
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("random.Random.uniform", lambda self, low, high: low)


def test_a_success_is_returned_without_waiting(time: FakeTime) -> None:
    asked, request = _request(time, "audio")
    assert _runner(time).run("chunk 1/1", request) == "audio"  # type: ignore[arg-type]
    assert asked == [0.0] and time.slept == []


def test_retries_back_off_exponentially(time: FakeTime) -> None:
    asked, request = _request(time, Failure("answered 500"), Failure("answered 500"),
                              Failure("answered 500"), "audio")
    assert _runner(time).run("chunk 1/1", request) == "audio"  # type: ignore[arg-type]
    # Half of 1, 2, 4 s fixed (the other half is jitter, here 0).
    assert time.slept == [0.5, 1.0, 2.0]
    assert asked == [0.0, 0.5, 1.5, 3.5]


def test_the_attempts_are_bounded_and_the_last_answer_named(time: FakeTime) -> None:
    asked, request = _request(time, *[Failure("answered 500 Internal Server Error")] * 4)
    with pytest.raises(EngineError) as caught:
        _runner(time).run("chunk 2/3 «你好»", request)  # type: ignore[arg-type]
    assert str(caught.value) == ("fake: chunk 2/3 «你好»: the endpoint answered 500 Internal "
                                 f"Server Error (after 4 attempts); {RESEND}")
    assert len(asked) == 4


def test_a_final_answer_is_not_asked_again(time: FakeTime) -> None:
    asked, request = _request(time, Failure("answered 403 Forbidden", retry=False))
    with pytest.raises(EngineError, match=r"answered 403 Forbidden \(after 1 attempt\)"):
        _runner(time).run("chunk 1/1", request)  # type: ignore[arg-type]
    assert asked == [0.0] and time.slept == []


def test_retry_after_outlasts_the_backoff(time: FakeTime) -> None:
    asked, request = _request(time, Failure("answered 503", status=503, retry_after=7.0),
                              "audio")
    runner = _runner(time)
    runner.run("chunk 1/1", request)  # type: ignore[arg-type]
    assert asked == [0.0, 7.0] and time.slept == [7.0]
    assert runner.throttle.spacing == 0  # only a 429 slows the pool


def test_a_429_holds_back_every_request_then_spaces_them(time: FakeTime) -> None:
    runner = _runner(time)
    refused, first = _request(time, Failure("answered 429", status=429, retry_after=3.0),
                              "audio")
    runner.run("chunk 1/1", first)  # type: ignore[arg-type]
    starts = []
    for _ in range(3):  # the pool's other requests, after the refusal
        asked, request = _request(time, "audio")
        runner.run("chunk 1/1", request)  # type: ignore[arg-type]
        starts += asked
    # Nobody before Retry-After (3 s); then starts spaced by 0.5 s, halving with each success.
    assert refused == [0.0, 3.0]
    assert starts == [3.5, 3.75, 3.875]


def test_a_retry_after_too_long_stops_at_once(time: FakeTime) -> None:
    asked, request = _request(time, Failure("answered 429 (Retry-After: 3600)", status=429,
                                            retry_after=3600.0))
    with pytest.raises(EngineError) as caught:
        _runner(time).run("chunk 1/1", request)  # type: ignore[arg-type]
    assert str(caught.value) == ("fake: chunk 1/1: the endpoint answered 429 (Retry-After: "
                                 "3600), longer than the 30 s reader waits; try again later; "
                                 f"{RESEND}")
    assert asked == [0.0] and time.slept == []


def test_throttle_relaxes_after_successes(time: FakeTime) -> None:
    throttle = Throttle(NetworkSettings(spacing=0.4, max_spacing=1.0), clock=time.clock,
                        sleep=time.sleep)
    assert throttle.wait() == 0
    throttle.slow_down(2.0)
    assert throttle.spacing == 0.4
    throttle.slow_down(1.0)
    assert throttle.spacing == 0.8
    assert throttle.wait() == pytest.approx(2.0)
    assert throttle.wait() == pytest.approx(0.8)
    for _ in range(5):
        throttle.succeeded()
    assert throttle.spacing == 0.0


@pytest.mark.parametrize(("value", "now", "seconds"), [
    ("3", None, 3.0), ("0.25", None, 0.25), (" 7 ", None, 7.0), ("-1", None, 0.0),
    ("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480.0, 10.0), (None, None, None),
    ("soon", None, None), ("", None, None),
])
def test_retry_after(value: str | None, now: float | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now) == seconds


@pytest.mark.parametrize(("status", "reason", "retry_after", "answer", "retry", "wait"), [
    (429, "Too Many Requests", "2", "answered 429 Too Many Requests (Retry-After: 2)",
     True, 2.0),
    (503, "Service Unavailable", "4", "answered 503 Service Unavailable", True, 4.0),
    (500, "Internal Server Error", None, "answered 500 Internal Server Error", True, None),
    (404, "Not Found", "9", "answered 404 Not Found", False, None),  # a 4xx's wait is ignored
    (200, "OK", None, "answered 200 OK without audio", True, None),
])
def test_http_answers_without_audio(status: int, reason: str, retry_after: str | None,
                                    answer: str, retry: bool, wait: float | None) -> None:
    failure = http_failure(status, reason, retry_after)
    assert (failure.answer, failure.retry, failure.retry_after) == (answer, retry, wait)


def test_silence_is_not_audible() -> None:
    assert not audible(b"")
    assert not audible((32).to_bytes(2, "little", signed=True) * 100)  # -60 dBFS
    assert audible((33).to_bytes(2, "little", signed=True) * 100)
    assert audible((-33).to_bytes(2, "little", signed=True) * 100)


def test_errors_in_one_line() -> None:
    refused = OSError("Cannot connect to host x:1 ssl:default [Errno 111] Connection refused")
    assert os_error(refused) == "Connection refused"
    assert describe(ValueError()) == "ValueError"
    assert unreachable("http://x/", proxy="http://p:8", timed_out=True, timeout=0.5,
                       cause=TimeoutError()) == \
        "http://x/ unreachable through proxy http://p:8: no answer within 0.5 s"
    assert unreachable("http://x/", proxy=None, timed_out=False, timeout=0.5,
                       cause=refused) == "http://x/ unreachable: cannot connect (Connection refused)"


# --- a third online engine is a page of code -----------------------------------------------

#: The tiny engine's voices: a tone's pitch in Hz.
PITCHES = {"low": 220, "high": 440}
#: The tiny engine speaks each character for 100 samples.
PER_CHAR = 100


def tone(hz: int, frames: int, rate: int = 8000) -> bytes:
    """A sine at `hz`, `frames` samples long, at half of full scale."""
    return array.array("h", (round(16000 * math.sin(2 * math.pi * hz * i / rate))
                             for i in range(frames))).tobytes()


class Tones(NetworkEngine[NetworkSettings]):
    """A whole online engine: a tone per part, a word mark per word, 100 samples a
    character; `failures` maps a part to the Failures its first requests meet."""

    name = "tones"
    limit = 12
    rate = 8000
    settings_class = NetworkSettings
    sent: list[str]
    failures: dict[str, list[Failure]]

    def client(self) -> str:
        return "tones 1.0"

    def supports(self, lang: str) -> bool:
        return True

    def default_voice(self, lang: str) -> str:
        return "low"

    def prepare(self, lang: str, voice: str, options: Mapping[str, Any]) -> int:
        if voice not in PITCHES:
            raise ConfigError(f"tones has no voice {voice!r}")
        return PITCHES[voice]

    def speak_part(self, part: str, how: int) -> Audio:
        self.sent.append(part)
        if self.failures.get(part):
            raise self.failures[part].pop(0)
        marks = tuple(WordMark(PER_CHAR * m.start(), PER_CHAR * m.end(), m.start(), m.end())
                      for m in re.finditer(r"\w+", part))
        return Audio(tone(how, PER_CHAR * len(part)), self.rate, marks, "measured")


def _tones(time: FakeTime, failures: dict[str, list[Failure]] | None = None) -> Tones:
    engine = Tones(SETTINGS, sleep=time.sleep, clock=time.clock)
    engine.sent, engine.failures = [], failures or {}
    return engine


def test_a_third_online_engine_is_a_page_of_code() -> None:
    assert len(inspect.getsource(Tones).splitlines()) <= 40


def test_the_shared_loop_cuts_asks_and_joins_sample_exact(time: FakeTime) -> None:
    engine = _tones(time)
    audio = engine.synthesize("One two. Three four.", lang="en", voice="high", options={})
    # 20 characters > 12: cut after the sentence end; the space between is not sent.
    assert engine.sent == ["One two.", "Three four."]
    assert audio.samples == tone(440, 800) + tone(440, 1100)  # 8 then 11 characters
    assert audio.rate == 8000 and audio.timing == "measured"
    # The second part's marks move by the first part's 800 samples and its 9 characters.
    assert audio.marks == (WordMark(0, 300, 0, 3), WordMark(400, 700, 4, 7),
                           WordMark(800, 1300, 9, 14), WordMark(1400, 1800, 15, 19))


def test_each_part_is_retried_on_its_own_through_the_runner(time: FakeTime) -> None:
    engine = _tones(time, {"Three four.": [Failure("answered 503", status=503, retry_after=7.0)]})
    audio = engine.synthesize("One two. Three four.", lang="en", voice="low", options={})
    assert engine.sent == ["One two.", "Three four.", "Three four."]
    assert time.slept == [7.0]  # Retry-After outlasts the first backoff (0.5 s)
    assert audio.samples == tone(220, 800) + tone(220, 1100)


def test_a_part_that_keeps_failing_is_named(time: FakeTime) -> None:
    engine = _tones(time, {"Three four.": [Failure("answered 500 Internal Server Error")] * 4})
    with pytest.raises(EngineError) as caught:
        engine.synthesize("One two. Three four.", lang="en", voice="low", options={})
    assert str(caught.value) == ("tones: part 2/2 «Three four.»: the endpoint answered 500 "
                                 f"Internal Server Error (after 4 attempts); {RESEND}")


def test_a_bad_voice_stops_before_any_request(time: FakeTime) -> None:
    engine = _tones(time)
    with pytest.raises(ConfigError, match="tones has no voice 'middle'"):
        engine.synthesize("One two. Three four.", lang="en", voice="middle", options={})
    assert engine.sent == []


def test_a_paragraph_with_nothing_to_speak_is_refused(time: FakeTime) -> None:
    engine = _tones(time)
    with pytest.raises(EngineError, match=r"^tones: the paragraph has nothing to speak"):
        engine.synthesize("…… —", lang="en", voice="low", options={})
    assert engine.sent == []


def test_versions_are_the_client_and_the_chunking() -> None:
    # In every clip key: a change here re-makes every online clip.
    assert Tones().version == "tones 1.0, chunks 1"
    assert GttsEngine().version == f"gTTS {importlib.metadata.version('gTTS')}, chunks 1"
    assert EdgeEngine().version == f"edge-tts {importlib.metadata.version('edge-tts')}, chunks 1"
