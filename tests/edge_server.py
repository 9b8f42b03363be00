"""A local stand-in for Edge's "Read aloud" WebSocket endpoint, for tests and benchmarks.

It speaks the part of the protocol edge-tts uses: it takes the handshake (with
its TrustedClientToken, ConnectionId and Sec-MS-GEC query), reads the
speech.config and SSML text messages, answers turn.start, metadata messages
(a WordBoundary per word and punctuation when the config asks for word
boundaries, as edge-tts does for reader, else a SentenceBoundary), the audio as binary frames (a 2-byte header length, the
header "…Path:audio", then real MP3 bytes made by ffmpeg) and turn.end.

It can be told to refuse the handshake (429 or 503 with Retry-After, 403),
drop the connection after half the audio, close it before any audio, stall,
finish without audio, or send bytes that are not MP3. Every SSML request is
decoded and kept, so tests see the voice, rate, pitch and text edge-tts sent.

edge-tts itself connects: `pointed` swaps only the WSS_URL its Communicate
reads (edge_tts.communicate.WSS_URL) for this server's ws:// address.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import struct
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from xml.sax.saxutils import escape, unescape

from aiohttp import WSMsgType, web

from reader.audio import ffmpeg

from .scripted import ScriptedAnswers

#: Seconds of tone answered per character of text, so clip lengths show what was spoken.
SECONDS_PER_CHAR = 0.05
#: Answers made at the handshake; "429:2" (or "503:2") carries "Retry-After: 2".
HANDSHAKE_MODES = ("429", "503", "500", "403")
#: Answers made after the SSML arrived.
STREAM_MODES = ("ok", "drop", "early", "slow", "noaudio", "garbage", "silent", "nowords")
FORMAT = "audio-24khz-48kbitrate-mono-mp3"
_SSML = re.compile(
    r"<voice name='(?P<voice>[^']*)'><prosody pitch='(?P<pitch>[^']*)' rate='(?P<rate>[^']*)'"
    r" volume='[^']*'>(?P<text>.*)</prosody></voice>", re.DOTALL)


@dataclass(frozen=True)
class Sent:
    """One connection as the server saw it: what was asked and how it was answered."""

    text: str
    voice: str
    rate: str
    pitch: str
    answer: str
    at: float


@functools.cache
def tone(seconds: float, frequency: int = 330, volume: float = 0.5) -> bytes:
    """Real MP3 bytes like Edge's (24 kHz mono, 48 kb/s constant bitrate)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tone.mp3"
        ffmpeg.run([
            "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=24000",
            "-t", f"{seconds:.3f}", "-af", f"volume={volume}", "-ac", "1", "-ar", "24000",
            "-c:a", "libmp3lame", "-b:a", "48k", "-write_xing", "0", "-id3v2_version", "0",
            str(path),
        ])
        return path.read_bytes()


def seconds_for(text: str) -> float:
    """How long the server's answer for a request lasts."""
    return round(max(0.2, SECONDS_PER_CHAR * len(text)), 2)


#: Edge's time unit in its metadata: 100 ns.
TICKS_PER_SECOND = 10_000_000
#: Han characters: the fake's Chinese "words" are two of them (公里, 最后).
_HAN = "\u4e00-\u9fff"
_BOUNDARY = re.compile(rf"[{_HAN}]{{1,2}}|[^\W{_HAN}]+|[^\w\s]+")


def word_boundaries(text: str) -> list[tuple[int, int, str]]:
    """Where the fake says its words are, as the service marks them: (char start, char end,
    "WordBoundary" or "PunctuationBoundary"); words of letters whole, Han characters in
    twos, each run of punctuation one boundary."""
    return [(m.start(), m.end(), "WordBoundary" if re.match(r"\w", m.group())
             else "PunctuationBoundary") for m in _BOUNDARY.finditer(text)]


def ticks(chars: int) -> int:
    """The time of `chars` characters of the fake's tone, in Edge's ticks."""
    return round(chars * SECONDS_PER_CHAR * TICKS_PER_SECOND)


def _metadata(request_id: str, boundary: str, text: str, offset: int, duration: int) -> str:
    """An audio.metadata message as the service sends it; punctuation comes typed
    WordBoundary too, told apart only by its BoundaryType."""
    kind = "SentenceBoundary" if boundary == "SentenceBoundary" else "WordBoundary"
    return _text_message(request_id, "audio.metadata", json.dumps({
        "Metadata": [{"Type": kind, "Data": {
            "Offset": offset, "Duration": duration,
            "text": {"Text": escape(text), "Length": len(text), "BoundaryType": boundary},
        }}]}, ensure_ascii=False))


def _text_message(request_id: str, path: str, body: str) -> str:
    return (f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\n"
            f"Path:{path}\r\n\r\n{body}")


def _audio_message(request_id: str, data: bytes, content_type: bool = True) -> bytes:
    header = f"X-RequestId:{request_id}\r\n"
    if content_type:
        header += "Content-Type:audio/mpeg\r\n"
    header += f"X-StreamId:{uuid.uuid4().hex.upper()}\r\nPath:audio\r\n"
    encoded = header.encode("ascii")
    return struct.pack(">H", len(encoded)) + encoded + data


def _headers(message: str) -> tuple[dict[str, str], str]:
    head, _, body = message.partition("\r\n\r\n")
    pairs = (line.split(":", 1) for line in head.split("\r\n") if ":" in line)
    return {key: value for key, value in pairs}, body


@dataclass
class FakeEdge(ScriptedAnswers):
    """The fake endpoint on 127.0.0.1, run by aiohttp in a background thread.

    `script` answers connections in order ("429:1", "drop", …) before `gate` and
    `plan` are asked: `gate(n)` (n counts handshakes from 0) may refuse a
    handshake ("429", "503:2", "403"), `plan(text)` answers an accepted request
    ("ok" by default). Stream answers are split into `frame_bytes`-byte frames.
    """

    latency: float = 0.0
    slow_seconds: float = 3.0
    frame_bytes: int = 960
    gate: Callable[[int], str] | None = None
    plan: Callable[[str], str] | None = None
    script: deque[str] = field(default_factory=deque)
    sent: list[Sent] = field(default_factory=list)
    #: Refused handshakes: (mode, when).
    refused: list[tuple[str, float]] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    configs: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address to give edge-tts: ws://127.0.0.1:PORT/…/edge/v1?TrustedClientToken=…"""
        return (f"ws://127.0.0.1:{self._port}/consumer/speech/synthesize/readaloud/edge/v1"
                "?TrustedClientToken=6A5AA1D4EAFF4E9FB37E23D68491D6F4")

    def _at_handshake(self) -> str | None:
        """The scripted or gated answer for a new connection, or None to accept it."""
        with self._lock:
            n, self._count = self._count, self._count + 1
            scripted = self.script.popleft() if self.script else None
        mode = scripted or (self.gate(n) if self.gate else "ok")
        return mode

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            self.probes.append(request.method + " " + request.path)
            return web.Response(status=400, text="expected a WebSocket")
        with self._lock:
            self.queries.append(dict(request.query))
        mode = self._at_handshake()
        kind, _, retry_after = mode.partition(":")
        if kind in HANDSHAKE_MODES:
            with self._lock:
                self.refused.append((mode, time.monotonic()))
            headers = {"Retry-After": retry_after} if retry_after else {}
            if kind == "403":
                headers["Date"] = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
            return web.Response(status=int(kind), headers=headers, text="refused")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        text = voice = rate = pitch = ""
        words = False
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            headers, body = _headers(message.data)
            if headers.get("Path") == "speech.config":
                with self._lock:
                    self.configs.append(json.loads(body))
                options = self.configs[-1]["context"]["synthesis"]["audio"]["metadataoptions"]
                words = options.get("wordBoundaryEnabled") == "true"
                continue
            if headers.get("Path") == "ssml":
                found = _SSML.search(body)
                assert found, body
                text = unescape(found["text"])
                voice, rate, pitch = found["voice"], found["rate"], found["pitch"]
                request_id = headers["X-RequestId"]
                break
        else:
            return socket
        if kind == "ok" and self.plan is not None:
            kind = self.plan(text)
        with self._lock:
            self.sent.append(Sent(text, voice, rate, pitch, kind, time.monotonic()))
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            await self._answer(socket, request, kind, request_id, text, words)
        except ConnectionResetError:
            pass  # the client gave up first (a stalled answer): nothing more to say
        return socket

    async def _answer(self, socket: web.WebSocketResponse, request: web.Request, kind: str,
                      request_id: str, text: str, words: bool = False) -> None:
        await socket.send_str(_text_message(request_id, "turn.start",
                                            '{"context":{"serviceTag":"fake"}}'))
        if kind == "slow":
            await asyncio.sleep(self.slow_seconds)
        if kind == "early":
            await socket.close()
            return
        if kind != "noaudio":
            if not words:
                await socket.send_str(_metadata(request_id, "SentenceBoundary", text,
                                                 1000000, 10000000))
            elif kind != "nowords":
                for start, end, boundary in word_boundaries(text):
                    await socket.send_str(_metadata(
                        request_id, boundary, text[start:end], ticks(start), ticks(end - start)))
            if kind == "garbage":
                mp3 = b"this is not an MP3 stream " * 200
            elif kind == "silent":
                mp3 = tone(seconds_for(text), volume=0.0)
            else:
                mp3 = tone(seconds_for(text))
            frames = [mp3[i:i + self.frame_bytes] for i in range(0, len(mp3), self.frame_bytes)]
            for number, frame in enumerate(frames):
                if kind == "drop" and number >= max(1, len(frames) // 2):
                    # The connection dies without a close frame, as a network cut does.
                    if request.transport is not None:
                        request.transport.abort()
                    await socket.receive()  # sees the cut: aiohttp then writes nothing more
                    return
                await socket.send_bytes(_audio_message(request_id, frame))
            await socket.send_bytes(_audio_message(request_id, b"", content_type=False))
        await socket.send_str(_text_message(request_id, "turn.end", "{}"))
        # The client closes once it has turn.end; wait for that, as the service does.
        async for _ in socket:
            pass

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1, answering from a background thread."""
        ready = threading.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)

        async def serve() -> None:
            runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None and server.sockets
            self._port = int(server.sockets[0].getsockname()[1])
            self._runner = runner
            ready.set()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(serve())
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Edge endpoint did not start")
        return self

    def close(self) -> None:
        """Stop listening."""
        if self._loop is not None:
            if self._runner is not None:  # closes the connections, cancels their handlers
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(10)
            self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()


@contextlib.contextmanager
def pointed(url: str) -> Iterator[None]:
    """Point edge-tts's Communicate (and reader's probe, which reads the same name) at `url`."""
    from edge_tts import communicate

    saved = communicate.WSS_URL
    communicate.WSS_URL = url
    try:
        yield
    finally:
        communicate.WSS_URL = saved
