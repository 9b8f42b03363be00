"""`reader voices install|list|remove` against a local HTTP server serving a Piper catalogue."""

from __future__ import annotations

import errno
import hashlib
import http.server
import json
import threading
from collections.abc import Callable, Iterator
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
        #: path → a handler of its own (a server that misbehaves in some other way).
        self.custom: dict[str, Callable[[http.server.BaseHTTPRequestHandler], None]] = {}

    def add(self, name: str, espeak: str, speakers: list[str] | None = None,
            licence: str = "CC BY 4.0") -> None:
        entry, by_path = catalogue_entry(name, voice_files(name, espeak, speakers, licence),
                                         speakers)
        self.entries[name] = entry
        self.files.update(by_path)
        self.publish()

    def publish(self) -> None:
        """Serve the entries as they are now."""
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
            if path in catalogue.custom:
                catalogue.custom[path](self)
                return
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
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
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


# --- a catalogue or a mirror that is not to be trusted ------------------------------------

ZH_CARD = "zh/zh_CN/huayan/medium/MODEL_CARD"
ZH_CONFIG = "zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx.json"


def _one_line(result: Any) -> str:
    """The command's whole output, which must be one line and no traceback."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _listing_still_works() -> None:
    result = runner.invoke(app, ["voices", "list", "--json"])
    assert result.exit_code == 0, result.output
    json.loads(result.output)


@pytest.mark.parametrize("bad", ["../victim", ".", "..", "/abs", "kk/../../victim", ""])
def test_a_voice_name_that_is_not_a_plain_name_is_refused(
        served: tuple[Catalogue, str], root: Path, tmp_path: Path, bad: str) -> None:
    catalogue, url = served
    assert _install(ZH, "--from", url).exit_code == 0
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    if bad == "/abs":
        bad = str(tmp_path / "abs")
        (tmp_path / "abs").mkdir()
        (tmp_path / "abs" / "keep.txt").write_text("mine")
    before = {folder: _snapshot(folder) for folder in tmp_path.iterdir()}
    catalogue.entries[bad] = {**catalogue.entries[KK], "key": bad}
    catalogue.publish()
    result = _install(bad, "--from", url)
    assert result.exit_code == 2
    assert "is not a voice name" in _one_line(result)
    assert {folder: _snapshot(folder) for folder in tmp_path.iterdir()} == before
    _listing_still_works()


def test_a_key_that_is_not_the_entrys_own_name_is_refused(
        served: tuple[Catalogue, str], root: Path, tmp_path: Path) -> None:
    catalogue, url = served
    (tmp_path / "victim").mkdir()
    catalogue.entries[KK]["key"] = "../victim"
    catalogue.publish()
    result = _install(KK, "--from", url)
    assert result.exit_code == 2 and "not its own name" in _one_line(result)
    assert list((tmp_path / "victim").iterdir()) == [] and not (root / KK).exists()


@pytest.mark.parametrize("where", ["../outside", "absolute", "./"])
def test_a_file_path_outside_the_catalogues_folder_is_refused(
        served: tuple[Catalogue, str], root: Path, tmp_path: Path, where: str) -> None:
    catalogue, _ = served
    mirror = catalogue.write_to(tmp_path / "mirror")
    outside = tmp_path / "outside"
    outside.mkdir()
    files = catalogue.entries[KK]["files"]
    model = f"{KK}.onnx"
    (outside / model).write_bytes(catalogue.files[KK_MODEL])  # the right bytes, outside
    path = {"../outside": f"../outside/{model}", "absolute": str(outside / model),
            "./": f"./{KK_MODEL}"}[where]
    files[path] = files.pop(KK_MODEL)
    catalogue.publish()
    (mirror / "voices.json").write_bytes(catalogue.files["voices.json"])
    result = _install(KK, "--from", str(mirror))
    assert result.exit_code == 2
    assert "is not relative to the catalogue's folder" in _one_line(result)
    assert not (root / KK).exists()


def test_a_link_out_of_the_from_folder_is_refused(
        served: tuple[Catalogue, str], root: Path, tmp_path: Path) -> None:
    catalogue, _ = served
    mirror = catalogue.write_to(tmp_path / "mirror")
    outside = tmp_path / "outside.onnx"
    outside.write_bytes(catalogue.files[KK_MODEL])
    (mirror / KK_MODEL).unlink()
    (mirror / KK_MODEL).symlink_to(outside)
    result = _install(KK, "--from", str(mirror))
    assert result.exit_code == 2 and "outside the catalogue's folder" in _one_line(result)
    assert not (root / KK).exists()
    # a link that stays inside the folder is an ordinary mirror
    inside = mirror / "blobs" / "model"
    inside.parent.mkdir()
    outside.rename(inside)
    (mirror / KK_MODEL).unlink()
    (mirror / KK_MODEL).symlink_to(inside)
    assert _install(KK, "--from", str(mirror)).exit_code == 0
    assert [v.name for v in voices.installed(root)] == [KK]


def test_an_entry_without_its_config_leaves_the_installed_voice_alone(
        served: tuple[Catalogue, str], root: Path) -> None:
    catalogue, url = served
    assert _install(ZH, "--from", url).exit_code == 0
    before = _snapshot(root / ZH)
    catalogue.entries[ZH]["files"].pop(ZH_CONFIG)
    catalogue.files[ZH_CARD] = b"* License: new\n"
    catalogue.entries[ZH]["files"][ZH_CARD] = {"size_bytes": 15,
                                               "md5_digest": _md5(b"* License: new\n")}
    catalogue.publish()
    result = _install(ZH, "--from", url)
    assert result.exit_code == 2
    assert "no model with its config" in _one_line(result)
    assert _snapshot(root / ZH) == before
    assert voices.find(ZH, root).licence == "MIT"


def _replace_file(catalogue: Catalogue, name: str, path: str, data: bytes) -> None:
    catalogue.files[path] = data
    catalogue.entries[name]["files"][path] = {"size_bytes": len(data), "md5_digest": _md5(data)}
    catalogue.publish()


def test_one_voice_that_does_not_load_installs_none_and_keeps_the_old_ones(
        served: tuple[Catalogue, str], root: Path) -> None:
    catalogue, url = served
    assert _install(KK, ZH, "--from", url).exit_code == 0
    before = {name: _snapshot(root / name) for name in (KK, ZH)}
    _replace_file(catalogue, KK, "kk/kk_KZ/issai/high/MODEL_CARD", b"* License: new\n")
    _replace_file(catalogue, ZH, ZH_CONFIG, b"not json, but what the catalogue lists")
    result = _install(KK, ZH, "--from", url)
    assert result.exit_code == 1
    assert f"{ZH}: the files from" in _one_line(result)
    assert "do not make a voice" in result.output and "nothing was installed" in result.output
    assert {name: _snapshot(root / name) for name in (KK, ZH)} == before
    assert [(v.name, v.licence) for v in voices.installed(root)] == [(KK, "CC BY 4.0"),
                                                                     (ZH, "MIT")]


@pytest.mark.parametrize("failure", [OSError(errno.EIO, "I/O error"), KeyboardInterrupt()])
def test_a_failure_while_renaming_puts_the_old_voices_back(
        served: tuple[Catalogue, str], root: Path, monkeypatch: pytest.MonkeyPatch,
        failure: BaseException) -> None:
    catalogue, url = served
    assert _install(KK, ZH, "--from", url).exit_code == 0
    before = {name: _snapshot(root / name) for name in (KK, ZH)}
    _replace_file(catalogue, KK, "kk/kk_KZ/issai/high/MODEL_CARD", b"* License: new\n")
    _replace_file(catalogue, ZH, ZH_CARD, b"* License: newer\n")
    real_replace = voices.os.replace

    failures = [failure]

    def replace(src: Any, dst: Any) -> None:
        if Path(src) == root / ".partial" / ZH and failures:  # the second voice's rename
            raise failures.pop()
        real_replace(src, dst)

    monkeypatch.setattr(voices.os, "replace", replace)
    result = _install(KK, ZH, "--from", url)
    assert result.exit_code == (130 if isinstance(failure, KeyboardInterrupt) else 1)
    assert {name: _snapshot(root / name) for name in (KK, ZH)} == before
    if isinstance(failure, KeyboardInterrupt):
        line = _one_line(result)
        assert line.startswith("interrupted; nothing was installed")
        assert "finished clips" not in line and ".partial" in line


class Endless:
    """A handler sending `size` bytes (announcing `announce` of them, or no length at all)."""

    def __init__(self, size: int, announce: int | None) -> None:
        self.size, self.announce = size, announce
        self.sent = 0
        self.ended = threading.Event()

    def __call__(self, handler: Any) -> None:
        size, announce = self.size, self.announce
        handler.send_response(200)
        if announce is not None:
            handler.send_header("Content-Length", str(announce))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        try:
            while self.sent < size:
                handler.wfile.write(b"x" * 65536)
                self.sent += 65536
        except OSError:
            pass
        finally:
            self.ended.set()


def test_a_download_longer_than_the_catalogue_says_stops_at_its_size(
        served: tuple[Catalogue, str], root: Path) -> None:
    catalogue, url = served
    size = catalogue.entries[ZH]["files"][ZH_CARD]["size_bytes"]
    catalogue.custom[ZH_CARD] = Endless(8 << 20, None)
    got: dict[str, int] = {}

    def progress(name: str, done: int, total: int) -> None:
        got[name] = max(got.get(name, 0), done)

    with pytest.raises(voices.VoiceError, match=f"more than the catalogue's {size} bytes"):
        voices.install([ZH], source=url, root=root, progress=progress)
    assert got.get("MODEL_CARD", 0) <= size
    assert not list(root.rglob("MODEL_CARD*")) and voices.installed(root) == []
    result = _install(ZH, "--from", url)
    assert result.exit_code == 1 and "more than the catalogue's" in _one_line(result)


def test_an_oversized_catalogue_is_refused_without_reading_it_all(
        served: tuple[Catalogue, str], root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue, url = served
    from reader.speech import voice_catalogue

    monkeypatch.setattr(voice_catalogue, "MAX_BYTES", 64 << 10)
    endless = catalogue.custom["voices.json"] = Endless(64 << 20, None)
    result = _install(ZH, "--from", url)
    assert result.exit_code == 2 and "too large for a voice catalogue" in _one_line(result)
    assert endless.ended.wait(30)
    assert endless.sent < 32 << 20  # the client hung up long before the end
    assert not (root / voices.CACHED_CATALOGUE).exists()
    _listing_still_works()


def test_a_trickling_server_is_given_up_on(served: tuple[Catalogue, str], root: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue, url = served
    asked = threading.Event()
    now = [0.0]

    def clock() -> float:  # every look at the clock finds five more seconds gone
        now[0] += 5
        asked.set()
        return now[0]

    def trickle(handler: Any) -> None:
        data = catalogue.files[ZH_CARD]
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        for byte in data:  # one byte each time the client looks at its clock
            asked.clear()
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            if not asked.wait(10):
                return

    catalogue.custom[ZH_CARD] = trickle
    monkeypatch.setattr(voices, "LIMITS", voices.Limits(grace=60, min_rate=10_000, clock=clock))
    result = _install(ZH, "--from", url)
    assert result.exit_code == 1
    line = _one_line(result)
    assert f"{ZH_CARD}: the server sent" in line and "too slow to finish" in line
    assert now[0] <= 100  # given up after the grace, not at the file's end
    assert voices.installed(root) == []


def _malformed(entries: dict[str, Any], how: str) -> bytes:
    kk = entries[KK]
    first = next(iter(kk["files"].values()))
    if how == "size abc":
        first["size_bytes"] = "abc"
    elif how == "size null":
        first["size_bytes"] = None
    elif how == "size negative":
        first["size_bytes"] = -1
    elif how == "size true":
        first["size_bytes"] = True
    elif how == "md5 missing":
        del first["md5_digest"]
    elif how == "md5 not hex":
        first["md5_digest"] = "z" * 32
    elif how == "file meta not an object":
        kk["files"][next(iter(kk["files"]))] = 768
    elif how == "entry not an object":
        entries[KK] = ["not", "an", "object"]
    elif how == "files not an object":
        kk["files"] = ["a.onnx"]
    elif how == "language a string":
        kk["language"] = "kk"
    elif how == "speakers a word":
        kk["num_speakers"] = "six"
    elif how == "aliases a string":
        kk["aliases"] = "kk"
    elif how == "another voice broken":
        entries[ZH]["files"][ZH_CARD]["size_bytes"] = "abc"
    elif how == "a list":
        return b"[]"
    elif how == "not json":
        return b"{ this is not json"
    return json.dumps(entries).encode()


@pytest.mark.parametrize("how", [
    "size abc", "size null", "size negative", "size true", "md5 missing", "md5 not hex",
    "file meta not an object", "entry not an object", "files not an object",
    "language a string", "speakers a word", "aliases a string", "another voice broken",
    "a list", "not json"])
def test_a_malformed_catalogue_is_refused_and_never_cached(
        served: tuple[Catalogue, str], root: Path, how: str) -> None:
    catalogue, url = served
    catalogue.files["voices.json"] = _malformed(catalogue.entries, how)
    result = _install(KK, "--from", url)
    assert result.exit_code == 2, result.output
    assert "refusing" in _one_line(result) or "not a Piper voice catalogue" in result.output
    assert not root.exists() or not (root / voices.CACHED_CATALOGUE).exists()
    assert not (root / KK).exists()
    _listing_still_works()


def test_a_malformed_cached_catalogue_does_not_break_the_listing(root: Path) -> None:
    root.mkdir()
    (root / voices.CACHED_CATALOGUE).write_text(json.dumps(
        {KK: {"files": {"a.onnx": {"size_bytes": "abc"}}, "num_speakers": None}}))
    result = runner.invoke(app, ["voices", "list"])
    assert result.exit_code == 0, result.output
    assert KK in result.output  # the voices known here are listed instead


def test_a_catalogue_announced_too_large_is_refused_before_its_body(
        served: tuple[Catalogue, str], root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue, url = served
    from reader.speech import voice_catalogue

    monkeypatch.setattr(voice_catalogue, "MAX_BYTES", 64 << 10)
    done = threading.Event()

    def announce_only(handler: Any) -> None:  # a length, then no body until the test ends
        handler.send_response(200)
        handler.send_header("Content-Length", str(1 << 30))
        handler.end_headers()
        handler.wfile.flush()
        done.wait(10)

    catalogue.custom["voices.json"] = announce_only
    result = _install(ZH, "--from", url)
    done.set()
    assert result.exit_code == 2 and "too large for a voice catalogue" in _one_line(result)


def test_a_download_announced_longer_than_the_catalogue_says_is_refused_at_once(
        served: tuple[Catalogue, str], root: Path) -> None:
    catalogue, url = served
    size = catalogue.entries[ZH]["files"][ZH_CARD]["size_bytes"]
    done = threading.Event()

    def announce_only(handler: Any) -> None:  # a length, then no body until the test ends
        handler.send_response(200)
        handler.send_header("Content-Length", str(8 << 20))
        handler.end_headers()
        handler.wfile.flush()
        done.wait(10)

    catalogue.custom[ZH_CARD] = announce_only
    try:
        with pytest.raises(voices.VoiceError, match=f"more than the catalogue's {size} bytes"):
            voices.install([ZH], source=url, root=root, limits=voices.Limits(timeout=2))
    finally:
        done.set()


def test_a_local_file_longer_than_the_catalogue_says_is_not_copied_whole(
        served: tuple[Catalogue, str], root: Path, tmp_path: Path) -> None:
    catalogue, _ = served
    mirror = catalogue.write_to(tmp_path / "mirror")
    (mirror / ZH_CARD).write_bytes(b"x" * (4 << 20))
    size = catalogue.entries[ZH]["files"][ZH_CARD]["size_bytes"]
    got: list[int] = []
    with pytest.raises(voices.VoiceError, match=f"more than the catalogue's {size} bytes"):
        voices.install([ZH], source=str(mirror), root=root,
                       progress=lambda name, done, total: got.append(done))
    assert max(got, default=0) <= size
    assert not list(root.rglob("MODEL_CARD*"))
