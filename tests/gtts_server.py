"""A local stand-in for Google Translate's speech endpoint, for tests and benchmarks.

It answers gTTS's batchexecute POSTs the way translate.google.com does (a
")]}'" guarded JSON stream with the MP3 as base64 inside) and can be told to
answer 429 with Retry-After, 500, slowly, with a dropped connection, with a
200 that holds no audio, or with bytes that are not MP3. Every request's
f.req payload is decoded and kept, so tests see exactly what gTTS sent.

gTTS itself makes the requests: `pointed` swaps only its URL builder
(gtts.tts._translate_url) for one that names this server. The server also
serves as a plain HTTP proxy (absolute-form request lines), to test that the
proxies gTTS honours are honoured.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import tempfile
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from reader.audio import ffmpeg

from .scripted import ScriptedAnswers

#: Seconds of tone answered per character of text, so clip lengths show what was spoken.
SECONDS_PER_CHAR = 0.05
#: Answers a test may ask for; "429:2" (or "503:2") carries "Retry-After: 2".
MODES = ("ok", "429", "500", "503", "403", "slow", "drop", "noaudio", "empty", "garbage")
RPC = "jQ1olc"


@dataclass(frozen=True)
class Sent:
    """One request as the server decoded it from its f.req payload."""

    text: str
    lang: str
    slow: bool
    tld: str
    answer: str
    at: float


@functools.cache
def tone(seconds: float, frequency: int = 440) -> bytes:
    """Real MP3 bytes like Google's (24 kHz mono, 32 kb/s, Xing header counting its frames)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tone.mp3"
        ffmpeg.run([
            "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=24000",
            "-t", f"{seconds:.3f}", "-af", "volume=0.5", "-ac", "1", "-ar", "24000",
            "-c:a", "libmp3lame", "-b:a", "32k", str(path),
        ])
        return path.read_bytes()


def seconds_for(text: str) -> float:
    """How long the server's answer for a chunk lasts."""
    return round(max(0.2, SECONDS_PER_CHAR * len(text)), 2)


def batchexecute(mp3: bytes | None) -> bytes:
    """The endpoint's answer body; without audio it is the endpoint's error shape."""
    if mp3 is None:
        rows: list[object] = [["wrb.fr", RPC, None, None, None, [3], "generic"]]
    else:
        inner = json.dumps([base64.b64encode(mp3).decode("ascii")])
        rows = [["wrb.fr", RPC, inner, None, None, None, "generic"]]
    rows += [["di", 62], ["af.httprm", 61, "-3213812736716374946", 5]]
    first = json.dumps(rows, separators=(",", ":"))
    tail = f'[["e",4,null,null,{len(first) + 40}]]'
    return f")]}}'\n\n{len(first)}\n{first}\n{len(tail)}\n{tail}\n".encode()


def decode_freq(body: bytes) -> tuple[str, str, bool]:
    """(text, lang, slow) from a gTTS request body "f.req=…&"."""
    rpc = json.loads(urllib.parse.parse_qs(body.decode("ascii"))["f.req"][0])
    text, lang, speed, _ = json.loads(rpc[0][0][1])
    return text, lang, bool(speed)


@dataclass
class FakeTranslate(ScriptedAnswers):
    """The fake endpoint: a threaded HTTP server on 127.0.0.1 and its script of answers.

    `script` answers requests in order ("500", "429:1", …) before `plan` is
    asked; `plan(n, text)` (n counts POSTs from 0) answers the rest ("ok" by default).
    """

    latency: float = 0.0
    slow_seconds: float = 2.0
    plan: Callable[[int, str], str] | None = None
    script: deque[str] = field(default_factory=deque)
    sent: list[Sent] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _choose(self, text: str) -> str:
        with self._lock:
            n, self._count = self._count, self._count + 1
            if self.script:
                return self.script.popleft()
        return self.plan(n, text) if self.plan else "ok"

    def _record(self, sent: Sent) -> None:
        with self._lock:
            self.sent.append(sent)

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1, answering from a background thread."""
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()


def _handler(fake: FakeTranslate) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: pytest shows stderr of failing tests

        def _path(self) -> str:
            # A proxy receives the absolute URL; a server only its path.
            return urllib.parse.urlsplit(self.path).path

        def do_HEAD(self) -> None:
            fake.probes.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_CONNECT(self) -> None:
            fake.probes.append(f"CONNECT {self.path}")
            self.send_error(502, "this fake proxy does not tunnel")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = self._path().strip("/").split("/")
            tld = parts[0] if parts and parts[0] != "_" else "com"
            text, lang, slow = decode_freq(body)
            mode = fake._choose(text)
            fake._record(Sent(text, lang, slow, tld, mode, time.monotonic()))
            if fake.latency:
                time.sleep(fake.latency)
            kind, _, retry_after = mode.partition(":")
            if kind == "drop":
                self.close_connection = True
                return
            if kind == "slow":
                time.sleep(fake.slow_seconds)
            if kind == "429":
                self._send(429, b"Too Many Requests", retry_after or None)
            elif kind in ("500", "503", "403"):
                self._send(int(kind), b"<html>Error</html>", retry_after or None)
            elif kind == "noaudio":
                self._send(200, batchexecute(None))
            elif kind == "empty":
                self._send(200, b"<html><body>Before you continue to Google</body></html>")
            elif kind == "garbage":
                self._send(200, batchexecute(b"\x00not an mp3\x00" * 50))
            else:
                self._send(200, batchexecute(tone(seconds_for(text))))

        def _send(self, status: int, body: bytes, retry_after: str | None = None) -> None:
            try:
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    return Handler


@contextlib.contextmanager
def pointed(url: str) -> Iterator[None]:
    """Make gTTS's URL builder name `url` (tld kept in the path); restore it after."""
    from gtts import tts

    original = tts._translate_url

    def local_url(tld: str = "com", path: str = "") -> str:
        return f"{url}/{tld}/{path}"

    tts._translate_url = local_url
    try:
        yield
    finally:
        tts._translate_url = original
