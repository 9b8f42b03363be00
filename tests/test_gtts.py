"""The gTTS engine against a local endpoint: what gTTS sends, retries, pacing, chains, builds.

gTTS's own code makes every request; tests/gtts_server.py answers them.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader import speech as engines
from reader.audio import pcm
from reader.cli import app
from reader.errors import ConfigError, EngineError, EngineUnavailable
from reader.pipeline.build import build
from reader.pipeline.cache import ClipCache
from reader.pipeline.clips import plan_clips
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.speech.chunking import chunks
from reader.speech.gtts_engine import GttsEngine, GttsSettings, gtts_lang
from reader.text.spoken import spoken_form

from .conftest import RATE, book_copy, clear_proxies, closed_port, decode_pcm, ffmpeg_chapters
from .fake_time import FakeTime
from .gtts_server import FakeTranslate, pointed, seconds_for, tone
from .test_chunking import SEED_ZH_CHUNKS

#: Small delays so that every retry path runs in milliseconds; timeouts generous enough
#: for a busy machine (the fake endpoint encodes a tone on its first answer of a length).
FAST = GttsSettings(attempts=4, backoff=0.02, max_backoff=0.1, spacing=0.01, max_spacing=0.05,
                    connect_timeout=5.0, read_timeout=5.0, probe_timeout=0.5,
                    max_retry_after=5.0)
#: For a stalled answer ("slow": the endpoint sends nothing for 0.8 s). A test that
#: also expects audio with it encodes those tones first (`warm`): no heavy work may
#: happen inside this timeout.
STALLED = dataclasses.replace(FAST, read_timeout=0.5)
RESEND = "finished clips are kept and the next build resumes"
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS sends through every proxy in the environment (it ignores no_proxy)."""
    clear_proxies(monkeypatch, _PROXY_VARIABLES)


@pytest.fixture
def fake() -> Iterator[FakeTranslate]:
    """The local endpoint, with gTTS's URL builder pointed at it."""
    with FakeTranslate(slow_seconds=0.8) as server, pointed(server.url):
        yield server


@pytest.fixture
def engine() -> Iterator[GttsEngine]:
    """A fast-retrying gTTS engine, registered as "gtts" for the duration of a test."""
    made = GttsEngine(FAST)
    engines.register("gtts", lambda: made)
    yield made
    engines.register("gtts", GttsEngine)


# --- languages, options, version ------------------------------------------------------------


@pytest.mark.parametrize(("code", "tag"), [
    ("zh", "zh-CN"), ("zh-Hans", "zh-CN"), ("zh-CN", "zh-CN"), ("cmn", "zh-CN"),
    ("zh-Hant", "zh-TW"), ("zh-TW", "zh-TW"), ("zh-hant-tw", "zh-TW"),
    ("ru", "ru"), ("en-US", "en"), ("en", "en"), ("ja", "ja"),
    ("yue", "yue"), ("kk", None), ("kk-KZ", None), ("xx", None),
])
def test_language_tags(code: str, tag: str | None) -> None:
    assert gtts_lang(code) == tag


def test_engine_facts() -> None:
    engine = GttsEngine()
    assert engine.networked and engine.name == "gtts"
    assert engine.supports("zh") and not engine.supports("kk")
    assert engine.default_voice("zh") == "zh-CN" and engine.default_voice("zh-Hant") == "zh-TW"
    assert f"gTTS {importlib.metadata.version('gTTS')}" in engine.version
    assert isinstance(engine, engines.Engine)
    assert isinstance(engines.get("gtts"), GttsEngine)


# --- what gTTS sends ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), SEED_ZH_CHUNKS)
def test_requests_carry_the_seed_chunks(
    fake: FakeTranslate, engine: GttsEngine, text: str, expected: list[str]
) -> None:
    audio = engine.synthesize(text, lang="zh", voice="zh-CN", options={})
    assert [sent.text for sent in fake.sent] == expected  # decoded from each f.req
    assert {(sent.lang, sent.slow, sent.tld) for sent in fake.sent} == {("zh-CN", False, "com")}
    # The parts are decoded one by one and joined sample-exactly.
    frames = [pcm.decode(tone(seconds_for(part)), 24000).frames for part in expected]
    assert audio.rate == 24000 and audio.frames == sum(frames)


def test_byte_joined_mp3_is_not_trusted(fake: FakeTranslate, engine: GttsEngine) -> None:
    text = SEED_ZH_CHUNKS[2][0]
    audio = engine.synthesize(text, lang="zh", voice="zh-CN", options={})
    glued = b"".join(tone(seconds_for(part)) for part in chunks(text, "zh"))
    assert pcm.decode(glued, 24000).frames != audio.frames


def test_voice_and_options_reach_gtts(fake: FakeTranslate, engine: GttsEngine) -> None:
    engine.synthesize("你好。", lang="zh", voice="cmn", options={"slow": True, "tld": "com.hk",
                                                                "rate": 170})
    engine.synthesize("你好。", lang="zh", voice="zh-TW", options={})
    assert [(s.lang, s.slow, s.tld) for s in fake.sent] == [
        ("zh-CN", True, "com.hk"), ("zh-TW", False, "com")]


@pytest.mark.parametrize(("options", "message"), [
    ({"slow": "yes"}, "slow: expected true or false"),
    ({"tld": "evil.example/x"}, "not a Google domain"),
])
def test_bad_options(fake: FakeTranslate, engine: GttsEngine, options: dict[str, object],
                     message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        engine.synthesize("你好。", lang="zh", voice="zh-CN", options=options)
    assert fake.sent == []


def test_nothing_to_speak(fake: FakeTranslate, engine: GttsEngine) -> None:
    with pytest.raises(EngineError, match="nothing to speak"):
        engine.synthesize("……", lang="zh", voice="zh-CN", options={})
    assert fake.sent == []


# --- retries ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["500", "503", "429:0.05", "slow", "drop", "noaudio", "empty",
                                  "garbage"])
def test_a_failed_request_is_retried(fake: FakeTranslate, engine: GttsEngine, mode: str) -> None:
    answer = warm(["第一句。"])[0]
    if mode == "slow":
        engine = GttsEngine(STALLED)
    fake.answer_next(mode, mode)
    audio = engine.synthesize("第一句。", lang="zh", voice="zh-CN", options={})
    assert [s.answer for s in fake.sent] == [mode, mode, "ok"]
    assert audio.frames == pcm.decode(answer, 24000).frames


@pytest.mark.parametrize(("mode", "answer"), [
    ("500", "answered 500 Internal Server Error (Upstream API error. Try again later)"),
    ("429", "answered 429 Too Many Requests"),
    ("drop", "closed the connection without answering"),
    ("slow", "gave no answer within 0.5 s"),
    ("noaudio", "answered 200 OK without audio"),
    ("empty", "answered 200 OK without audio"),
    ("garbage", "answered audio that does not decode"),
])
def test_retries_are_bounded(fake: FakeTranslate, engine: GttsEngine, mode: str,
                             answer: str) -> None:
    fake.plan = lambda n, text: mode
    if mode == "slow":
        engine = GttsEngine(STALLED)
    with pytest.raises(EngineError) as caught:
        engine.synthesize("第一句。第二句。", lang="zh", voice="zh-CN", options={})
    assert len(fake.sent) == FAST.attempts
    message = str(caught.value)
    assert message.startswith(f"gtts: chunk 1/1 «第一句。第二句。»: the endpoint {answer}")
    assert message.endswith(f"(after {FAST.attempts} attempts); {RESEND}")


def test_client_errors_are_not_retried(fake: FakeTranslate, engine: GttsEngine) -> None:
    fake.plan = lambda n, text: "403"
    with pytest.raises(EngineError, match=r"answered 403 Forbidden .* \(after 1 attempt\)"):
        engine.synthesize("你好。", lang="zh", voice="zh-CN", options={})
    assert len(fake.sent) == 1


def warm(texts: list[str]) -> list[bytes]:
    """The fake endpoint's answers for these texts, encoded now (ahead of any timeout)."""
    return [tone(seconds_for(text)) for text in texts]


def _on_fake_time(settings: GttsSettings = FAST) -> tuple[GttsEngine, FakeTime]:
    """An engine whose runner sleeps on a fake clock: the waits it asks for, none spent."""
    fake_time = FakeTime()
    return GttsEngine(settings, sleep=fake_time.sleep, clock=fake_time.clock), fake_time


def test_retry_after_is_honoured(fake: FakeTranslate) -> None:
    engine, fake_time = _on_fake_time()
    fake.answer_next("429:1")
    engine.synthesize("你好。", lang="zh", voice="zh-CN", options={})
    assert [sent.answer for sent in fake.sent] == ["429:1", "ok"]
    assert fake_time.slept == [1.0]


def test_a_503_may_say_when_to_come_back(fake: FakeTranslate) -> None:
    engine, fake_time = _on_fake_time()
    fake.answer_next("503:0.4")
    engine.synthesize("你好。", lang="zh", voice="zh-CN", options={})
    assert [sent.answer for sent in fake.sent] == ["503:0.4", "ok"]
    assert fake_time.slept == [0.4]
    assert engine.throttle.spacing == 0  # only a 429 slows the pool down


def test_a_retry_after_too_long_stops_at_once(fake: FakeTranslate) -> None:
    engine, fake_time = _on_fake_time()
    fake.answer_next("429:3600")
    with pytest.raises(EngineError, match=r"Retry-After: 3600\), longer than the 5 s"):
        engine.synthesize("你好。", lang="zh", voice="zh-CN", options={})
    assert fake_time.slept == [] and len(fake.sent) == 1


def test_a_429_slows_the_whole_pool(fake: FakeTranslate) -> None:
    # The pool's threads share the engine's throttle; one after another shows its rule.
    engine, fake_time = _on_fake_time(GttsSettings(backoff=0.01, spacing=0.1, max_spacing=0.2))
    fake.answer_next("429:0.6")
    for text in ("甲。", "乙。", "丙。", "丁。"):
        engine.synthesize(text, lang="zh", voice="zh-CN", options={})
    assert fake.ok_texts() == ["甲。", "乙。", "丙。", "丁。"]
    # The refused request waits its Retry-After; every later start is spaced, by 0.1 s
    # at first, halving with each success.
    assert fake_time.slept == pytest.approx([0.6, 0.1, 0.05, 0.025])


# --- the reachability probe and the engine chain --------------------------------------------


def test_probe_reaches_the_endpoint(fake: FakeTranslate) -> None:
    assert GttsEngine(FAST).available() is None
    assert fake.probes == ["/com/"]


def test_probe_fails_fast_when_nothing_listens() -> None:
    port = closed_port()
    with pointed(f"http://127.0.0.1:{port}"):
        reason = GttsEngine(FAST).available()
    # Refused at once, not after the probe's timeout ("no answer within").
    assert reason is not None and f"127.0.0.1:{port}/com/ unreachable: cannot connect" in reason


def test_probe_gives_up_on_silence() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        with pointed(f"http://127.0.0.1:{listener.getsockname()[1]}"):
            reason = GttsEngine(FAST).available()
    assert reason is not None and "no answer within 0.5 s" in reason


def test_probe_and_requests_go_through_gtts_proxies(
    fake: FakeTranslate, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A host that does not resolve, reachable only through the proxy gTTS would use.
    monkeypatch.setenv("http_proxy", fake.url)
    with pointed("http://translate.google.invalid"):
        engine = GttsEngine(FAST)
        assert engine.available() is None
        engine.synthesize("你好。", lang="zh", voice="zh-CN", options={})
    assert fake.probes == ["http://translate.google.invalid/com/"]
    assert fake.ok_texts() == ["你好。"]


def test_probe_names_the_proxy_it_tried(
    fake: FakeTranslate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("https_proxy", fake.url)
    with pointed("https://translate.google.com"):  # gTTS's real address
        reason = GttsEngine(FAST).available()
    assert fake.probes == ["CONNECT translate.google.com:443"]
    assert reason is not None and f"through proxy {fake.url}" in reason


def test_chain_uses_gtts_when_it_answers(fake: FakeTranslate, engine: GttsEngine) -> None:
    assert engines.choose("zh", ("gtts", "espeak")).name == "gtts"
    assert engines.choose("zh", ("gtts", "espeak"), offline=True).name == "espeak"


def test_chain_falls_back_to_espeak_when_the_probe_fails(engine: GttsEngine) -> None:
    with pointed(f"http://127.0.0.1:{closed_port()}"):
        assert engines.choose("zh", ("gtts", "espeak")).name == "espeak"
        with pytest.raises(EngineUnavailable, match="gtts: http://127.0.0.1:.* unreachable"):
            engines.choose("zh", ("gtts",))


def test_kazakh_on_gtts_alone_fails_before_any_synthesis(
    fake: FakeTranslate, engine: GttsEngine, tmp_path: Path
) -> None:
    loaded = load(book_copy(tmp_path), engine_chains={"kk": ("gtts",)})
    with pytest.raises(EngineUnavailable) as caught:
        build(loaded, BuildOptions(out=tmp_path / "out"))
    message = str(caught.value)
    assert "gtts cannot speak 'kk'" in message
    assert "engines that speak 'kk': edge, espeak" in message  # not gtts
    assert fake.sent == [] and fake.probes == []
    assert not (tmp_path / "out").exists()


def test_cli_kazakh_on_gtts_exits_2(fake: FakeTranslate, engine: GttsEngine,
                                   tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(book_copy(tmp_path)),
                                      "--out", str(tmp_path / "out"), "--engine", "kk=gtts"])
    assert result.exit_code == 2
    assert "gtts cannot speak 'kk'" in result.output and fake.sent == []


# --- whole builds -------------------------------------------------------------------------


def test_build_with_zh_on_gtts(fake: FakeTranslate, engine: GttsEngine, tmp_path: Path) -> None:
    # Every other chunk's first two requests fail, each a different way.
    failures = ["500", "drop", "429:0.05", "noaudio", "slow", "garbage", "empty"]
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def flaky(n: int, text: str) -> str:
        with lock:
            seen[text] += 1
            tries = seen[text]
        return failures[(n + tries) % len(failures)] if tries <= 2 and n % 2 else "ok"

    fake.plan = flaky
    expected = [part for text, _ in SEED_ZH_CHUNKS for part in chunks(spoken_form(text, "zh"), "zh")]
    warm(expected)
    engines.register("gtts", lambda: GttsEngine(STALLED))  # "slow" must time out
    loaded = load(book_copy(tmp_path), engine_chains={"zh": ("gtts", "espeak")})
    report = build(loaded, BuildOptions(out=tmp_path / "out", jobs=2, network_jobs=4))

    assert report.engines == {"kk": "espeak (kk)", "zh": "gtts (cmn)"}
    # The engine is given each paragraph's spoken form (2019年 → 二〇一九年), in chunks.
    assert sorted(fake.ok_texts()) == sorted(expected)  # each chunk spoken exactly once
    assert any(sent.answer != "ok" for sent in fake.sent)
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    for pair, (_, parts) in zip(manifest["pairs"], SEED_ZH_CHUNKS, strict=True):
        spoken = (pair["end"]["zh"] - pair["start"]["zh"]) / 1000
        assert spoken == pytest.approx(sum(seconds_for(p) for p in parts), abs=0.15)
        assert pair["end"]["kk"] - pair["start"]["kk"] > 1000
    pcm = decode_pcm(report.output)
    assert len(pcm) / 2 / RATE == pytest.approx(report.duration, abs=0.1)
    chapters = ffmpeg_chapters(report.output)
    assert len(chapters) == report.chapters == len(loaded.pairs)
    assert [int(c["START"]) for c in chapters] == sorted(int(c["START"]) for c in chapters)
    assert chapters[0]["title"]


def test_a_failing_build_stops_and_the_next_resumes(
    fake: FakeTranslate, engine: GttsEngine, tmp_path: Path
) -> None:
    book, out = book_copy(tmp_path), tmp_path / "out"
    broken = SEED_ZH_CHUNKS[2][1][1]  # the third paragraph's second chunk
    fake.plan = lambda n, text: "500" if text == broken else "ok"
    loaded = load(book, engine_chains={"zh": ("gtts", "espeak")})
    with pytest.raises(EngineError) as caught:
        build(loaded, BuildOptions(out=out, jobs=2, network_jobs=4))
    message = str(caught.value)
    assert message.startswith(f"{book / 'zh.txt'}:5 (paragraph 3): gtts: chunk 2/3 «即把脱贫")
    assert message.endswith("answered 500 Internal Server Error (Upstream API error. Try again "
                            f"later) "
                            f"(after {FAST.attempts} attempts); {RESEND}")
    assert Counter(s.text for s in fake.sent)[broken] == FAST.attempts

    jobs, _ = plan_clips(loaded)
    cache = ClipCache(out / ".cache" / "clips")
    missing = [job for job in jobs if job.lang == "zh" and cache.get(job.key) is None]
    kept = [job for job in jobs if cache.get(job.key) is not None]
    assert SEED_ZH_CHUNKS[2][0] in [job.text for job in missing] and kept

    fake.plan, fake.sent = None, []
    report = build(loaded, BuildOptions(out=out, jobs=2, network_jobs=4))
    assert sorted(fake.ok_texts()) == sorted(p for job in missing for p in chunks(job.said, "zh"))
    assert report.reused == len(kept) and report.synthesised == len(jobs) - len(kept)


def test_cli_reports_the_failure_in_one_line(
    fake: FakeTranslate, engine: GttsEngine, tmp_path: Path
) -> None:
    fake.plan = lambda n, text: "503"
    result = CliRunner().invoke(app, ["build", str(book_copy(tmp_path)),
                                      "--out", str(tmp_path / "out"), "--engine", "zh=gtts,espeak"])
    assert result.exit_code == 1
    assert "answered 503 Service Unavailable" in result.output
    assert RESEND in result.output


@pytest.mark.parametrize(("book_jobs", "cli_jobs", "expected"), [
    (None, None, 4), (2, None, 2), (2, 6, 6),
])
def test_network_pool_size_comes_from_cli_then_book_then_default(
    fake: FakeTranslate, engine: GttsEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    book_jobs: int | None, cli_jobs: int | None, expected: int,
) -> None:
    book = book_copy(tmp_path)
    if book_jobs is not None:
        toml = (book / "book.toml").read_text(encoding="utf-8")
        (book / "book.toml").write_text(
            toml.replace('[language.zh]\n', f'[language.zh]\njobs = {book_jobs}\n'), "utf-8")
    seen: list[tuple[int, bool]] = []

    def record(jobs, fmt, cache, workers, events, *, processes, executor=None, masters=False):  # type: ignore[no-untyped-def]
        seen.append((workers, processes))
        raise KeyboardInterrupt

    monkeypatch.setattr("reader.pipeline.build.synthesise", record)
    loaded = load(book, engine_chains={"zh": ("gtts",)})
    assert loaded.book.voice("zh").jobs == book_jobs
    with pytest.raises(KeyboardInterrupt):
        build(loaded, BuildOptions(out=tmp_path / "out", jobs=2, network_jobs=cli_jobs))
    assert seen == [(expected, False)]  # threads for a network engine


def test_probe_goes_to_the_books_tld(fake: FakeTranslate) -> None:
    assert GttsEngine(FAST).available({"tld": "com.hk"}) is None
    assert fake.probes == ["/com.hk/"]


def test_clean_keeps_what_a_gtts_book_uses_even_when_the_endpoint_is_gone(
    fake: FakeTranslate, engine: GttsEngine, tmp_path: Path
) -> None:
    # A book spoken by gTTS alone: clean must read what the book uses from its manifest,
    # not re-plan it (a re-plan offline would choose no engine, or another one).
    book = tmp_path / "two"
    book.mkdir()
    (book / "en.txt").write_text("One small step.\n\nA second paragraph.\n", encoding="utf-8")
    (book / "zh.txt").write_text("一小步。\n\n第二段。\n", encoding="utf-8")
    (book / "book.toml").write_text(
        'order = ["en", "zh"]\n[language.en]\nengine = ["gtts"]\n'
        '[language.zh]\nengine = ["gtts"]\n', encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    clips = sorted(out.rglob("*.mp3"))
    with pointed(f"http://127.0.0.1:{closed_port()}"):
        result = runner.invoke(app, ["clean", str(book), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("removed 0 unused clips")
    assert sorted(out.rglob("*.mp3")) == clips
    # After an edit and a rebuild, exactly the replaced clip goes.
    (book / "zh.txt").write_text("一小步。\n\n第二段，改了。\n", encoding="utf-8")
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["clean", str(book), "--out", str(out)])
    assert result.output.startswith("removed 1 unused clip ("), result.output


def test_a_book_keeps_its_voice_unless_the_producer_switches(
    fake: FakeTranslate, engine: GttsEngine, tmp_path: Path
) -> None:
    book, out = book_copy(tmp_path), tmp_path / "out"
    chain = ["--engine", "zh=gtts,espeak"]
    runner = CliRunner()
    first = runner.invoke(app, ["build", str(book), "--out", str(out), *chain])
    assert first.exit_code == 0, first.output
    before = (out / "last-mile" / "last-mile.kk-zh.mp3").read_bytes()
    with pointed(f"http://127.0.0.1:{closed_port()}"):
        # gTTS unreachable: the chain would fall back to espeak and re-voice every Chinese
        # paragraph; the build stops instead and says how to switch.
        stopped = runner.invoke(app, ["build", str(book), "--out", str(out), *chain])
        assert stopped.exit_code == 1, stopped.output
        assert "the last build of last-mile spoke it with gtts (cmn)" in stopped.output
        assert "--offline" in stopped.output and "--engine zh=ENGINE" in stopped.output
        assert (out / "last-mile" / "last-mile.kk-zh.mp3").read_bytes() == before
        switched = runner.invoke(app, ["build", str(book), "--out", str(out), *chain,
                                       "--offline"])
    assert switched.exit_code == 0, switched.output
    assert "zh: gtts (cmn) → espeak (cmn): 4 clips to make" in switched.output
    assert "4 clips synthesised, 4 reused" in switched.output
    again = runner.invoke(app, ["build", str(book), "--out", str(out)])
    assert again.exit_code == 0 and "→" not in again.output.split("engines:")[1].split("\n", 1)[1]


# --- word times, estimated chunk by chunk ---------------------------------------------------

def test_word_times_are_estimated_within_each_chunk(
        fake: FakeTranslate, engine: GttsEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.audio.mastering import sound_bounds

    monkeypatch.setattr(engine, "limit", 20)
    # The first chunk is long in letters but short in syllables; estimated over the
    # paragraph, the second chunk's words would begin well inside the first's sound.
    first, second = "Ммм ммм ммм ммм ммм.", "Ата анасы."
    text = f"{first} {second}"
    audio = engine.synthesize(text, lang="zh-CN", voice="zh-CN", options={})
    assert fake.ok_texts() == [first, second]
    assert audio.timing == "estimated"
    assert [text[m.text_start:m.text_end] for m in audio.marks] == [
        "Ммм", "ммм", "ммм", "ммм", "ммм", "Ата", "анасы"]
    shift = pcm.decode(tone(seconds_for(first)), 24000).frames
    part = pcm.decode(tone(seconds_for(second)), 24000)
    bounds = sound_bounds(part, -50.0)
    assert bounds is not None
    ata, anasy = audio.marks[5:]
    # Within the second chunk's own sound: Ата (2 syllables) then анасы (3).
    assert ata.start == shift + bounds[0] and anasy.end == shift + bounds[1]
    assert (ata.end - ata.start) / (anasy.end - anasy.start) == pytest.approx(2 / 3, abs=0.01)
    assert all(m.end <= shift for m in audio.marks[:5])
