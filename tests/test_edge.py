"""The Edge engine: edge-tts's real Communicate against a local WebSocket endpoint.

tests/edge_server.py speaks the protocol edge-tts uses; edge-tts's own code makes
every connection. Retries, pacing and the probe's wording come from the runner
gTTS uses too (reader.speech.network), which the last tests check.
"""

from __future__ import annotations

import ast
import dataclasses
import email.utils
import json
import socket
import time
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
from reader.speech import edge as edge_module
from reader.speech import gtts_engine, network
from reader.speech.chunking import chunks
from reader.speech.edge import EdgeEngine, prosody, resolve_voice
from reader.speech.network import NetworkSettings

from .conftest import RATE, book_copy, clear_proxies, closed_port, decode_pcm, ffmpeg_chapters
from .edge_server import FakeEdge, pointed, seconds_for, tone
from .fake_time import FakeTime

#: Small delays so that every retry path runs in milliseconds; timeouts generous
#: enough for a busy machine (a stalled answer is tested with STALLED).
FAST = NetworkSettings(attempts=4, backoff=0.02, max_backoff=0.1, spacing=0.01, max_spacing=0.05,
                       connect_timeout=3.0, read_timeout=3.0, probe_timeout=0.5,
                       max_retry_after=5.0)
#: The fake endpoint stalls for 2 s; this engine waits 1 s for each message.
STALLED = dataclasses.replace(FAST, read_timeout=1.0)
#: For whole builds, where mastering competes for the cores.
PATIENT = dataclasses.replace(FAST, connect_timeout=5.0, read_timeout=5.0)
RESEND = "finished clips are kept and the next build resumes"
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "ws_proxy", "wss_proxy", "all_proxy",
                    "no_proxy")
XIAOXIAO = "Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)"
AIGUL = "Microsoft Server Speech Text to Speech Voice (kk-KZ, AigulNeural)"


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """edge-tts's aiohttp session trusts the environment's proxies."""
    clear_proxies(monkeypatch, _PROXY_VARIABLES)


@pytest.fixture
def fake() -> Iterator[FakeEdge]:
    """The local endpoint, with edge-tts's WSS_URL pointed at it."""
    with FakeEdge(slow_seconds=2.0) as server, pointed(server.url):
        yield server


@pytest.fixture
def engine() -> Iterator[EdgeEngine]:
    """A fast-retrying Edge engine, registered as "edge" for the duration of a test."""
    made = EdgeEngine(FAST)
    engines.register("edge", lambda: made)
    yield made
    engines.register("edge", EdgeEngine)


def frames_for(text: str) -> int:
    """Samples the fake endpoint's answer for a text decodes to."""
    return pcm.decode(tone(seconds_for(text)), 24000).frames


# --- voices, options, version -------------------------------------------------------------


def test_engine_facts() -> None:
    from edge_tts.version import __version__

    engine = EdgeEngine()
    assert engine.networked and engine.name == "edge"
    assert engine.supports("kk") and engine.supports("zh") and engine.supports("zh-Hant")
    assert not engine.supports("xx")
    assert engine.default_voice("kk") == "kk-KZ-AigulNeural"
    assert engine.default_voice("zh") == "zh-CN-XiaoxiaoNeural"
    assert engine.default_voice("zh-TW") == "zh-TW-HsiaoChenNeural"
    assert f"edge-tts {__version__}" in engine.version and __version__.split(".")[0] >= "7"
    assert isinstance(engine, engines.Engine)
    assert isinstance(engines.get("edge"), EdgeEngine)
    assert "edge" in engines.engines_for("kk") and "edge" in engines.engines_for("zh")


@pytest.mark.parametrize(("voice", "lang", "resolved"), [
    ("kk-KZ-AigulNeural", "kk", "kk-KZ-AigulNeural"),
    ("kk-KZ-DauletNeural", "kk", "kk-KZ-DauletNeural"),
    ("zh-CN-YunxiNeural", "zh", "zh-CN-YunxiNeural"),
    ("zh-CN-liaoning-XiaobeiNeural", "zh", "zh-CN-liaoning-XiaobeiNeural"),
    ("zh-TW-HsiaoChenNeural", "zh-Hant", "zh-TW-HsiaoChenNeural"),
    # book.toml's plain voice is a language code shared by the chain's engines.
    ("kk", "kk", "kk-KZ-AigulNeural"), ("cmn", "zh", "zh-CN-XiaoxiaoNeural"),
    ("zh-TW", "zh", "zh-TW-HsiaoChenNeural"),
    ("ru-RU-DmitryNeural", "ru", "ru-RU-DmitryNeural"),  # no list for ru: the form is checked
])
def test_voices(voice: str, lang: str, resolved: str) -> None:
    assert resolve_voice(voice, lang) == resolved


@pytest.mark.parametrize(("voice", "lang", "message"), [
    ("kk-KZ-AigulNeurl", "kk", "no voice 'kk-KZ-AigulNeurl'; did you mean kk-KZ-AigulNeural"),
    ("kk-KZ-AsemNeural", "kk", "did you mean"),
    ("zh-CN-XiaoxiaoNeural", "kk", "speaks 'zh', not 'kk'; use e.g. kk-KZ-AigulNeural"),
    ("kk", "zh", "speaks 'kk', not 'zh'; use e.g. zh-CN-XiaoxiaoNeural"),
    ("Aigul", "kk", "no voice 'Aigul'"),
])
def test_bad_voices(voice: str, lang: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_voice(voice, lang)


@pytest.mark.parametrize(("options", "expected"), [
    ({}, ("+0%", "+0Hz")),
    ({"rate": "+10%"}, ("+10%", "+0Hz")),
    ({"rate": 10}, ("+10%", "+0Hz")),
    ({"rate": -20, "pitch": 5}, ("-20%", "+5Hz")),
    ({"rate": "5%", "pitch": "-10Hz"}, ("+5%", "-10Hz")),
    ({"rate": 100.0, "pitch": "+100Hz"}, ("+100%", "+100Hz")),
    ({"rate": "-50%", "slow": True, "tld": "com"}, ("-50%", "+0Hz")),  # others' options pass
])
def test_prosody(options: dict[str, object], expected: tuple[str, str]) -> None:
    assert prosody(options) == expected


@pytest.mark.parametrize(("options", "message"), [
    ({"rate": "fast"}, "rate: 'fast' is not a rate"),
    ({"rate": "+10"}, "rate: '\\+10' is not a rate"),
    ({"rate": "+10Hz"}, "is not a rate"),
    ({"rate": True}, "is not a rate"),
    ({"rate": 2.5}, "is not a rate"),
    ({"rate": 160}, "outside -50%…\\+100%"),  # espeak's words per minute are not percent
    ({"rate": "-60%"}, "outside"),
    ({"pitch": "+5%"}, "pitch: '\\+5%' is not a pitch"),
    ({"pitch": -150}, "outside -100Hz…\\+100Hz"),
])
def test_bad_prosody(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        prosody(options)


# --- what edge-tts sends ------------------------------------------------------------------


def test_a_paragraph_through_edge_tts(fake: FakeEdge, engine: EdgeEngine) -> None:
    text = "“最后一公里”原指完成长途跋涉的最后一段里程。"
    audio = engine.synthesize(text, lang="zh", voice="zh-CN-XiaoxiaoNeural",
                              options={"rate": "+10%", "pitch": -5})
    (sent,) = fake.sent
    assert (sent.text, sent.voice, sent.rate, sent.pitch) == (text, XIAOXIAO, "+10%", "-5Hz")
    (config,) = fake.configs
    assert config["context"]["synthesis"]["audio"]["outputFormat"] == (
        "audio-24khz-48kbitrate-mono-mp3")
    (query,) = fake.queries
    assert {"TrustedClientToken", "ConnectionId", "Sec-MS-GEC", "Sec-MS-GEC-Version"} <= set(query)
    assert audio.rate == 24000 and audio.frames == frames_for(text)


def test_xml_is_escaped_and_comes_back_whole(fake: FakeEdge, engine: EdgeEngine) -> None:
    text = "A & B <C> — 3 > 2."
    engine.synthesize(text, lang="kk", voice="kk-KZ-DauletNeural", options={})
    assert fake.ok_texts() == [text]


def test_long_paragraphs_are_sent_in_sentences(fake: FakeEdge, engine: EdgeEngine) -> None:
    sentences = [f"第{n}句话说的是扶贫开发工作的关键性步骤和最后一公里的问题。" * 3
                 for n in range(1, 21)]
    text = "".join(sentences)
    assert len(text.encode("utf-8")) > 4096  # edge-tts would cut this itself, mid-word
    audio = engine.synthesize(text, lang="zh", voice="zh", options={})
    sent = [s.text for s in fake.sent]
    assert len(sent) > 1 and "".join(sent) == text
    assert all(len(part) <= edge_module.LIMIT and part.endswith("。") for part in sent)
    assert audio.frames == sum(frames_for(part) for part in sent)  # joined sample-exactly


def test_bad_voice_or_option_sends_nothing(fake: FakeEdge, engine: EdgeEngine) -> None:
    with pytest.raises(ConfigError, match="rate"):
        engine.synthesize("Сәлем.", lang="kk", voice="kk", options={"rate": "quick"})
    with pytest.raises(ConfigError, match="speaks 'zh', not 'kk'"):
        engine.synthesize("Сәлем.", lang="kk", voice="zh-CN-YunxiNeural", options={})
    with pytest.raises(EngineError, match="nothing to speak"):
        engine.synthesize("……", lang="zh", voice="zh", options={})
    assert fake.sent == [] and fake.queries == []


# --- retries ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["429:0.05", "503:0.05", "500", "drop", "early", "slow",
                                  "noaudio", "garbage", "silent"])
def test_a_failed_request_is_retried(fake: FakeEdge, engine: EdgeEngine, mode: str) -> None:
    fake.answer_next(mode, mode)
    if mode == "slow":
        engine = EdgeEngine(STALLED)
    audio = engine.synthesize("Бірінші сөйлем.", lang="kk", voice="kk", options={})
    assert len(fake.queries) == 3 and fake.ok_texts() == ["Бірінші сөйлем."]
    assert audio.frames == frames_for("Бірінші сөйлем.")


@pytest.mark.parametrize(("gate", "plan", "answer"), [
    ("429", None, "answered 429 Too Many Requests"),
    ("503", None, "answered 503 Service Unavailable"),
    (None, "drop", "closed the connection mid-stream"),
    (None, "early", "closed the stream without audio"),
    (None, "noaudio", "closed the stream without audio"),
    (None, "slow", "gave no answer within 1 s"),
    (None, "garbage", "answered audio that does not decode"),
    (None, "silent", "answered silent audio"),
])
def test_retries_are_bounded(fake: FakeEdge, engine: EdgeEngine, gate: str | None,
                             plan: str | None, answer: str) -> None:
    if gate:
        fake.gate = lambda n: gate
    if plan:
        fake.plan = lambda text: plan
    if plan == "slow":
        engine = EdgeEngine(STALLED)
    with pytest.raises(EngineError) as caught:
        engine.synthesize("第一句。第二句。", lang="zh", voice="zh", options={})
    assert len(fake.queries) == FAST.attempts
    message = str(caught.value)
    assert message.startswith(f"edge: part 1/1 «第一句。第二句。»: the endpoint {answer}")
    assert message.endswith(f"(after {FAST.attempts} attempts); {RESEND}")


def test_a_refused_connection_is_named(engine: EdgeEngine) -> None:
    with pointed(f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x"), \
            pytest.raises(EngineError, match="the endpoint refused the connection"):
        engine.synthesize("你好。", lang="zh", voice="zh", options={})


def test_a_403_is_not_retried(fake: FakeEdge, engine: EdgeEngine) -> None:
    fake.gate = lambda n: "403"
    with pytest.raises(EngineError, match=r"answered 403 Forbidden \(after 1 attempt\)"):
        engine.synthesize("你好。", lang="zh", voice="zh", options={})
    # edge-tts itself asks once more after correcting its clock by the answer's Date.
    assert [mode for mode, _ in fake.refused] == ["403", "403"]


def _on_fake_time() -> tuple[EdgeEngine, FakeTime]:
    """An engine whose runner sleeps on a fake clock: the waits it asks for, none spent."""
    fake_time = FakeTime()
    return EdgeEngine(FAST, sleep=fake_time.sleep, clock=fake_time.clock), fake_time


def test_retry_after_in_seconds_is_honoured(fake: FakeEdge) -> None:
    engine, fake_time = _on_fake_time()
    fake.answer_next("429:1")
    engine.synthesize("你好。", lang="zh", voice="zh", options={})
    assert [mode for mode, _ in fake.refused] == ["429:1"] and len(fake.sent) == 1
    assert fake_time.slept == [1.0]
    assert engine.throttle.spacing > 0  # a 429 paces the whole pool


def test_retry_after_as_an_http_date_is_honoured(fake: FakeEdge) -> None:
    engine, fake_time = _on_fake_time()
    when = email.utils.formatdate(time.time() + 3, usegmt=True)  # whole seconds: 2–3 s away
    fake.answer_next(f"503:{when}")
    engine.synthesize("你好。", lang="zh", voice="zh", options={})
    assert len(fake.refused) == 1 and len(fake.sent) == 1
    (waited,) = fake_time.slept
    assert 1.0 <= waited <= 3.0
    assert engine.throttle.spacing == 0  # only a 429 slows the pool down


def test_a_retry_after_too_long_stops_at_once(fake: FakeEdge) -> None:
    engine, fake_time = _on_fake_time()
    fake.answer_next("429:3600")
    with pytest.raises(EngineError, match=r"Retry-After: 3600\), longer than the 5 s"):
        engine.synthesize("你好。", lang="zh", voice="zh", options={})
    assert fake_time.slept == [] and len(fake.queries) == 1


# --- the reachability probe and the engine chain --------------------------------------------


def test_probe_reaches_the_endpoint(fake: FakeEdge) -> None:
    assert EdgeEngine(FAST).available() is None
    assert fake.probes == ["GET /consumer/speech/synthesize/readaloud/edge/v1"]
    assert fake.queries == []  # a probe opens no WebSocket: it costs no synthesis


def test_probe_fails_fast_when_nothing_listens() -> None:
    port = closed_port()
    with pointed(f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=x"):
        reason = EdgeEngine(FAST).available()
    # Refused at once, not after the probe's timeout ("no answer within").
    assert reason == f"ws://127.0.0.1:{port}/edge/v1 unreachable: cannot connect (Connection refused)"


def test_probe_gives_up_on_silence() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        with pointed(f"ws://127.0.0.1:{listener.getsockname()[1]}/edge/v1?TrustedClientToken=x"):
            reason = EdgeEngine(FAST).available()
    assert reason is not None and reason.endswith("unreachable: no answer within 0.5 s")


def test_probe_goes_through_the_proxy_edge_tts_would_use(
    fake: FakeEdge, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("ws_proxy", proxy)  # aiohttp's proxy for ws:// addresses
    reason = EdgeEngine(FAST).available()
    assert reason is not None and f"unreachable through proxy {proxy}" in reason
    assert fake.probes == []


def test_chain_uses_edge_when_it_answers(fake: FakeEdge, engine: EdgeEngine) -> None:
    assert engines.choose("kk", ("edge", "espeak")).name == "edge"
    assert engines.choose("kk", ("edge", "espeak"), offline=True).name == "espeak"
    assert fake.probes and fake.queries == []


def test_chain_falls_back_when_the_probe_fails(engine: EdgeEngine) -> None:
    with pointed(f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x"):
        assert engines.choose("zh", ("edge", "espeak")).name == "espeak"
        with pytest.raises(EngineUnavailable, match="edge: ws://127.0.0.1:.* unreachable"):
            engines.choose("zh", ("edge",))


@pytest.mark.parametrize(("toml_line", "message"), [
    ('options = { rate = "very fast" }', "rate: 'very fast' is not a rate"),
    ('voice = "zh-CN-YunxiNeural"', "speaks 'zh', not 'kk'"),
    ('voice = { edge = "kk-KZ-Aigul" }', "did you mean kk-KZ-AigulNeural"),
])
def test_cli_bad_voice_or_option_exits_2_before_synthesis(
    fake: FakeEdge, engine: EdgeEngine, tmp_path: Path, toml_line: str, message: str
) -> None:
    book = book_copy(tmp_path)
    toml = (book / "book.toml").read_text(encoding="utf-8")
    toml = toml.replace('[language.kk]\n', '[language.kk]\n' + toml_line + '\n')
    toml = toml.replace('voice = "kk"\n', '') if "voice" in toml_line else toml
    (book / "book.toml").write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(tmp_path / "out"),
                                      "--engine", "kk=edge", "--engine", "zh=edge"])
    assert result.exit_code == 2, result.output
    assert f"{book / 'book.toml'}: [language.kk]: edge" in result.output
    assert message in result.output
    assert fake.queries == [] and not (tmp_path / "out" / ".cache").exists()


# --- whole builds -------------------------------------------------------------------------


def paragraphs(book: Path, lang: str, *, written: bool = False) -> list[str]:
    """The book's paragraphs of one language, as the engine is given them (the spoken
    form: "–" read as a pause, numbers in words), or as written."""
    return [job.text if written else job.said for job in plan_clips(load(book))[0]
            if job.lang == lang]


def parts(text: str, lang: str) -> list[str]:
    """The requests a paragraph is spoken in (Kazakh's 1054-character paragraph: two)."""
    return chunks(text, lang, edge_module.LIMIT)


def test_cli_builds_the_sample_with_edge_for_both_languages(
    fake: FakeEdge, engine: EdgeEngine, tmp_path: Path
) -> None:
    book, out = book_copy(tmp_path), tmp_path / "out"
    # Three handshakes are refused (429 or 503 with Retry-After), and every
    # paragraph's first accepted request is cut off mid-stream.
    fake.gate = lambda n: {0: "429:0.05", 3: "503:0.05", 6: "429:0.05"}.get(n, "ok")
    # Up to three refusals and a cut may fall on one part: six attempts are enough.
    engines.register("edge", lambda: EdgeEngine(dataclasses.replace(PATIENT, attempts=6)))
    cut: set[str] = set()

    def first_dropped(text: str) -> str:
        if text in cut:
            return "ok"
        cut.add(text)
        return "drop"

    fake.plan = first_dropped
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(out),
                                      "--engine", "kk=edge", "--engine", "zh=edge"])
    assert result.exit_code == 0, result.output
    assert "edge" in result.output
    expected = [part for lang in ("kk", "zh") for text in paragraphs(book, lang)
                for part in parts(text, lang)]
    assert len(expected) == 9  # 4 + 4 paragraphs; the long Kazakh one in two sentences' runs
    assert sorted(fake.ok_texts()) == sorted(expected)  # each part spoken once, whole
    assert {s.voice for s in fake.sent} == {AIGUL, XIAOXIAO}
    assert Counter(mode.partition(":")[0] for mode, _ in fake.refused).keys() == {"429", "503"}

    mp3 = out / "last-mile" / "last-mile.kk-zh.mp3"
    manifest = json.loads((out / "last-mile" / "last-mile.manifest.json").read_text("utf-8"))
    assert [p["texts"]["zh"] for p in manifest["pairs"]] == paragraphs(book, "zh", written=True)
    said = {lang: paragraphs(book, lang) for lang in ("kk", "zh")}
    for number, pair in enumerate(manifest["pairs"]):
        for lang in ("kk", "zh"):
            spoken = (pair["end"][lang] - pair["start"][lang]) / 1000
            # As for gTTS, within 0.15 s; and each join of two parts keeps one MP3
            # decoder delay and padding in the middle (under 0.1 s).
            sent = parts(said[lang][number], lang)
            tones = sum(seconds_for(p) for p in sent)
            assert tones - 0.15 <= spoken <= tones + 0.15 + 0.1 * (len(sent) - 1)
    chapters = ffmpeg_chapters(mp3)
    assert len(chapters) == 4
    assert len(decode_pcm(mp3)) / 2 / RATE == pytest.approx(
        manifest["pairs"][-1]["end"]["zh"] / 1000, abs=2.0)


def test_a_failing_build_exits_1_naming_the_paragraph_and_the_next_resumes(
    fake: FakeEdge, engine: EdgeEngine, tmp_path: Path
) -> None:
    engines.register("edge", lambda: EdgeEngine(PATIENT))
    book, out = book_copy(tmp_path), tmp_path / "out"
    broken = paragraphs(book, "zh")[2]
    fake.plan = lambda text: "drop" if text == broken else "ok"
    args = ["build", str(book), "--out", str(out), "--engine", "kk=espeak",
            "--engine", "zh=edge", "--jobs", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert f"{book / 'zh.txt'}:5 (paragraph 3): edge: part 1/1 «" in " ".join(
        result.output.split())
    assert "closed the connection mid-stream" in result.output and RESEND in line
    assert Counter(s.text for s in fake.sent)[broken] == PATIENT.attempts

    loaded = load(book, engine_chains={"kk": ("espeak",), "zh": ("edge",)})
    jobs, _ = plan_clips(loaded)
    cache = ClipCache(out / ".cache" / "clips")
    missing = [job for job in jobs if cache.get(job.key) is None]
    assert broken in [job.said for job in missing] and len(missing) < len(jobs)

    fake.plan, fake.sent = None, []
    report = build(loaded, BuildOptions(out=out, jobs=2, network_jobs=4))
    assert sorted(fake.ok_texts()) == sorted(job.said for job in missing if job.lang == "zh")
    assert report.synthesised == len(missing) and report.chapters == 4


# --- one runner for every networked engine ----------------------------------------------------


def test_gtts_and_edge_share_one_runner(
    fake: FakeEdge, engine: EdgeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .gtts_server import FakeTranslate
    from .gtts_server import pointed as gtts_pointed

    calls: list[str] = []
    real_run = network.Runner.run

    def spy(self: network.Runner, label: str, request):  # type: ignore[no-untyped-def]
        calls.append(self.engine)
        return real_run(self, label, request)

    monkeypatch.setattr(network.Runner, "run", spy)
    engine.synthesize("你好。", lang="zh", voice="zh", options={})
    with FakeTranslate() as translate, gtts_pointed(translate.url):
        gtts_engine.GttsEngine(gtts_engine.GttsSettings()).synthesize(
            "你好。", lang="zh", voice="zh-CN", options={})
    assert calls == ["edge", "gtts"]
    # …and neither engine keeps retries, backoff, pacing or a Retry-After parser of its own.
    for module in (gtts_engine, edge_module):
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        names = {node.attr if isinstance(node, ast.Attribute) else node.id
                 for node in ast.walk(tree) if isinstance(node, (ast.Attribute, ast.Name))}
        own = names & {"attempts", "backoff", "max_backoff", "slow_down", "succeeded",
                       "parsedate_to_datetime", "uniform", "Random", "getsource"}
        assert not own, f"{module.__name__} has its own {sorted(own)}"
    # …nor a chunk → request → join loop: both are NetworkEngines and speak through its one.
    for engine_class in (gtts_engine.GttsEngine, EdgeEngine):
        assert issubclass(engine_class, network.NetworkEngine)
        assert engine_class.synthesize is network.NetworkEngine.synthesize


def test_a_bad_gtts_option_also_stops_before_synthesis(tmp_path: Path) -> None:
    from .gtts_server import FakeTranslate
    from .gtts_server import pointed as gtts_pointed

    book = book_copy(tmp_path)
    toml = (book / "book.toml").read_text(encoding="utf-8")
    (book / "book.toml").write_text(
        toml.replace('[language.zh]\n', '[language.zh]\noptions = { slow = "yes" }\n'), "utf-8")
    with FakeTranslate() as translate, gtts_pointed(translate.url):
        result = CliRunner().invoke(app, ["build", str(book), "--out", str(tmp_path / "out"),
                                          "--engine", "zh=gtts"])
    assert result.exit_code == 2
    assert (f"{book / 'book.toml'}: [language.zh]: gtts option slow: expected true or false"
            in " ".join(result.output.split()))
    assert translate.sent == [] and not (tmp_path / "out" / ".cache").exists()


def test_voices_list_shows_edge_voices(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["voices", "list", "--json"],
                                env={"READER_VOICES": str(tmp_path)})
    assert result.exit_code == 0, result.output
    rows = {row["lang"]: row["engines"] for row in json.loads(result.output)["languages"]}
    assert rows["kk"]["edge"] == ["kk-KZ-AigulNeural", "kk-KZ-DauletNeural"]
    assert rows["zh"]["edge"][0] == "zh-CN-XiaoxiaoNeural"
    assert "zh-CN-YunxiNeural" in rows["zh"]["edge"]


# --- word boundaries ------------------------------------------------------------------------

#: The fake's tone lasts 0.05 s a character: 1200 samples at 24 kHz.
PER_CHAR = 1200


def test_word_boundaries_become_measured_marks(fake: FakeEdge, engine: EdgeEngine) -> None:
    text = "Сәлем, әлем!"
    audio = engine.synthesize(text, lang="kk", voice="kk", options={})
    (config,) = fake.configs
    options = config["context"]["synthesis"]["audio"]["metadataoptions"]
    assert options["wordBoundaryEnabled"] == "true"
    # Сәлем: characters 0–5, heard 0–5 × 1200; the comma's boundary is no word; әлем 7–11
    assert audio.timing == "measured"
    assert audio.marks == (pcm.WordMark(0, 5 * PER_CHAR, 0, 5),
                           pcm.WordMark(7 * PER_CHAR, 11 * PER_CHAR, 7, 11))


def test_marks_of_later_parts_move_by_the_parts_before_them(
        fake: FakeEdge, engine: EdgeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "limit", 10)
    text = "最后一公里。很远很远。"
    audio = engine.synthesize(text, lang="zh", voice="zh", options={})
    first, second = "最后一公里。", "很远很远。"
    assert [s.text for s in fake.sent] == [first, second]
    shift = frames_for(first)  # the first part's decoded samples come first
    # The fake's Chinese words are two characters: 最后 一公 里 | 很远 很远
    assert audio.marks == (
        pcm.WordMark(0, 2 * PER_CHAR, 0, 2),
        pcm.WordMark(2 * PER_CHAR, 4 * PER_CHAR, 2, 4),
        pcm.WordMark(4 * PER_CHAR, 5 * PER_CHAR, 4, 5),
        pcm.WordMark(shift, shift + 2 * PER_CHAR, 6, 8),
        pcm.WordMark(shift + 2 * PER_CHAR, shift + 4 * PER_CHAR, 8, 10))
    assert audio.timing == "measured"
    assert audio.frames == shift + frames_for(second)


def test_a_part_without_boundaries_is_estimated_on_its_own(
        fake: FakeEdge, engine: EdgeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "limit", 10)
    fake.plan = lambda text: "nowords" if text.startswith("Екі") else "ok"
    text = "Бір бір. Екі екі."
    audio = engine.synthesize(text, lang="kk", voice="kk", options={})
    assert [s.text for s in fake.sent] == ["Бір бір.", "Екі екі."]
    shift = frames_for("Бір бір.")
    assert audio.timing == "estimated"  # the clip is as good as its weakest part
    assert audio.marks[:2] == (pcm.WordMark(0, 3 * PER_CHAR, 0, 3),
                               pcm.WordMark(4 * PER_CHAR, 7 * PER_CHAR, 4, 7))
    estimated = audio.marks[2:]
    assert [(m.text_start, m.text_end) for m in estimated] == [(9, 12), (13, 16)]
    # spread over the second part's own sound, not the paragraph's
    assert shift <= estimated[0].start < estimated[1].end <= audio.frames
