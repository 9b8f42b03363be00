"""`reader voices install|list|remove` against a local HTTP server serving a Piper catalogue."""

from __future__ import annotations

import errno
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.speech import voices

from .piper_voice import catalogue_entry, voice_files

pytest.importorskip("onnx")
runner = CliRunner()
KK, ZH = "kk_KZ-issai-high", "zh_CN-huayan-medium"
KK_MODEL = "kk/kk_KZ/issai/high/kk_KZ-issai-high.onnx"


class Catalogue:
    """What the server serves (path → bytes) and how it misbehaves."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.entries: dict[str, Any] = {}
        self.requests: list[tuple[str, str | None]] = []
        #: path → how many bytes to send before dropping the connection, per request in turn.
        self.drops: dict[str, list[int]] = {}
        self.sent: dict[str, int] = {}

    def add(self, name: str, espeak: str, speakers: list[str] | None = None,
            licence: str = "CC BY 4.0") -> None:
        entry, by_path = catalogue_entry(name, voice_files(name, espeak, speakers, licence),
                                         speakers)
        self.entries[name] = entry
        self.files.update(by_path)
        self.files["voices.json"] = json.dumps(self.entries).encode()

    def write_to(self, folder: Path) -> Path:
        for path, data in self.files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
        return folder


def _handler(catalogue: Catalogue) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            catalogue.requests.append((path, self.headers.get("Range")))
            data = catalogue.files.get(path)
            if data is None:
                self.send_error(404)
                return
            start = 0
            ranged = self.headers.get("Range")
            if ranged:
                start = int(ranged.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            drops = catalogue.drops.get(path)
            if drops:
                body = body[:drops.pop(0)]  # then the connection closes mid-file
                self.close_connection = True
            self.wfile.write(body)
            catalogue.sent[path] = catalogue.sent.get(path, 0) + len(body)

    return Handler


@pytest.fixture
def served() -> Iterator[tuple[Catalogue, str]]:
    catalogue = Catalogue()
    catalogue.add(KK, "kk", ["f1", "f2", "f3", "m1", "m2", "m3"])
    catalogue.add(ZH, "cmn", licence="MIT")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(catalogue))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield catalogue, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "voices"
    monkeypatch.setenv("READER_VOICES", str(folder))
    return folder


def _install(*args: str) -> Any:
    return runner.invoke(app, ["voices", "install", *args])


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_install_checks_and_records_every_voice(served: tuple[Catalogue, str], root: Path) -> None:
    catalogue, url = served
    result = _install(KK, ZH, "--from", url)
    assert result.exit_code == 0, result.output
    assert f"{KK}: installed (kk_KZ, high, 6 speaker(s)" in result.output
    for name in (KK, ZH):
        folder = root / name
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [f"{name}.onnx", f"{name}.onnx.json", "MODEL_CARD", "voice.json"])
        for path, meta in catalogue.entries[name]["files"].items():
            assert _md5((folder / Path(path).name).read_bytes()) == meta["md5_digest"]
    assert not (root / ".partial").exists()
    asked = len(catalogue.requests)
    again = _install(KK, "--from", url)  # already there: only the catalogue is read
    assert again.exit_code == 0 and f"{KK}: installed" in again.output
    assert catalogue.requests[asked:] == [("voices.json", None)]
    assert voices.credits(KK) == f"Piper voice {KK} (kk_KZ), licence: CC BY 4.0"
    assert voices.credits(ZH) == f"Piper voice {ZH} (zh_CN), licence: MIT"
    listed = json.loads(runner.invoke(app, ["voices", "list", "--json"]).output)
    kk = next(row for row in listed["languages"] if row["lang"] == "kk")
    assert [(v["name"], v["speakers"], v["licence"]) for v in kk["installed"]] == \
        [(KK, 6, "CC BY 4.0")]
    assert kk["engines"]["espeak"] == ["kk"]
    assert "gtts" not in kk["engines"]  # Google Translate has no Kazakh voice
    text = runner.invoke(app, ["voices", "list", "--lang", "zh"]).output
    assert f"piper: {ZH}  installed, medium, 1 speaker" in text and "licence MIT" in text


def test_a_corrupted_file_installs_nothing_and_is_named(served: tuple[Catalogue, str],
                                                        root: Path) -> None:
    catalogue, url = served
    config = "zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx.json"
    data = bytearray(catalogue.files[config])
    data[10] ^= 0x01  # same size, one bit changed
    catalogue.files[config] = bytes(data)
    result = _install(KK, ZH, "--from", url)
    assert result.exit_code == 1
    line = " ".join(result.output.split())
    assert f"{config}: its MD5 differs from the catalogue's; nothing was installed" in line
    assert not (root / KK).exists() and not (root / ZH).exists()
    assert voices.installed(root) == []


def test_an_interrupted_download_resumes_where_it_stopped(served: tuple[Catalogue, str],
                                                          root: Path) -> None:
    catalogue, url = served
    size = len(catalogue.files[KK_MODEL])
    half = size // 2
    catalogue.drops[KK_MODEL] = [half]
    result = _install(KK, "--from", url)
    assert result.exit_code == 0, result.output
    asked = [rng for path, rng in catalogue.requests if path == KK_MODEL]
    assert asked == [None, f"bytes={half}-"]
    assert catalogue.sent[KK_MODEL] == size  # nothing fetched twice
    assert _md5((root / KK / f"{KK}.onnx").read_bytes()) == _md5(catalogue.files[KK_MODEL])


def test_a_download_that_keeps_failing_is_resumed_by_the_next_install(
        served: tuple[Catalogue, str], root: Path) -> None:
    catalogue, url = served
    catalogue.drops[KK_MODEL] = [100, 100, 100]  # every try of this run stops early
    result = _install(KK, "--from", url)
    assert result.exit_code == 1
    assert "run the same command again to resume (300 of" in " ".join(result.output.split())
    assert not (root / KK).exists()
    result = _install(KK, "--from", url)
    assert result.exit_code == 0, result.output
    assert [rng for path, rng in catalogue.requests if path == KK_MODEL][-1] == "bytes=300-"
    assert _md5((root / KK / f"{KK}.onnx").read_bytes()) == _md5(catalogue.files[KK_MODEL])


def test_a_full_disk_installs_nothing_with_one_clear_line(
        served: tuple[Catalogue, str], root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, url = served
    real_open = open

    class Full:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> Self:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def opener(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(path, mode, *args, **kwargs)
        return Full(handle) if "b" in mode and ("w" in mode or "a" in mode) else handle

    monkeypatch.setattr(voices, "open", opener, raising=False)
    result = _install(KK, "--from", url)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "the disk is full" in lines[0] and "nothing was installed" in \
        " ".join(result.output.split())
    assert voices.installed(root) == []


def test_install_from_a_folder_and_remove(served: tuple[Catalogue, str], root: Path,
                                          tmp_path: Path) -> None:
    catalogue, _ = served
    mirror = catalogue.write_to(tmp_path / "mirror")
    result = _install(ZH, "--from", str(mirror))
    assert result.exit_code == 0, result.output
    assert [v.name for v in voices.installed(root)] == [ZH]
    result = runner.invoke(app, ["voices", "remove", ZH])
    assert result.exit_code == 0 and f"removed {ZH}" in result.output
    assert voices.installed(root) == []


def test_unknown_names_exit_2_with_the_closest(served: tuple[Catalogue, str], root: Path) -> None:
    _, url = served
    result = _install("kk_KZ-isai-high", "--from", url)
    assert result.exit_code == 2
    assert "did you mean kk_KZ-issai-high" in " ".join(result.output.split())
    result = runner.invoke(app, ["voices", "remove", "kk_KZ-isai-high"])
    assert result.exit_code == 2 and "reader voices list" in " ".join(result.output.split())


def test_the_voices_folder_is_the_user_data_folder_unless_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("READER_VOICES", raising=False)
    assert voices.voices_dir() == Path(platformdirs.user_data_dir("reader", appauthor=False)) \
        / "voices"
    monkeypatch.setenv("READER_VOICES", str(tmp_path))
    assert voices.voices_dir() == tmp_path


@pytest.mark.parametrize(("card", "licence"), [
    ("# Model card\n\n## Dataset\n\n* URL: x\n* License: CC BY 4.0\n", "CC BY 4.0"),
    ("* license: MIT\n", "MIT"),
    ("# Model card\nno licence line\n", "unknown"),
])
def test_the_licence_is_read_from_the_model_card(card: str, licence: str) -> None:
    assert voices.licence_from_card(card) == licence
