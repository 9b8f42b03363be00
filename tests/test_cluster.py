"""Clips made on a Dask cluster: byte-identical to a local build, and a worker dying mid-build."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import cloudpickle
from distributed import Client, LocalCluster
from typer.testing import CliRunner

from reader import __version__
from reader.audio import ffmpeg
from reader.cli import app
from reader.errors import ConfigError, ReaderError
from reader.pipeline import cluster
from reader.pipeline.build import build
from reader.pipeline.cluster import check_workers, cluster_executor, parse_cluster
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from . import cluster_engine
from .conftest import RATE, SAMPLE, decode_pcm, write_book


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_local_cluster_is_byte_identical_to_jobs_2(tmp_path: Path) -> None:
    book = tmp_path / "last-mile"
    shutil.copytree(SAMPLE, book)
    code, output = cli("build", str(book), "--out", str(tmp_path / "local"), "--jobs", "2")
    assert code == 0, output
    code, output = cli("build", str(book), "--out", str(tmp_path / "dask"),
                       "--cluster", "local:2")
    assert code == 0, output
    assert "8 clips synthesised" in output  # the cluster made them; nothing was cached
    for name in ("last-mile.kk-zh.mp3", "last-mile.manifest.json", "last-mile.kk-zh.vtt",
                 "last-mile.chapters.json"):
        assert (tmp_path / "dask" / "last-mile" / name).read_bytes() == \
            (tmp_path / "local" / "last-mile" / name).read_bytes(), name


def test_a_worker_killed_mid_build(tmp_path: Path) -> None:
    marker, fatal = tmp_path / "killed", "ҮШІНШІ"
    kk = "\n\n".join(f"{word} абзац." for word in ("БІРІНШІ", "ЕКІНШІ", fatal, "ТӨРТІНШІ"))
    zh = "\n\n".join(f"第{n}段。" for n in "一二三四")
    book = write_book(tmp_path / "book", kk, zh,
                      'album = "Kill"\norder = ["kk", "zh"]\n[language.kk]\n'
                      'engine = ["killing"]\n')
    cluster_engine.register(marker, fatal)  # the client chooses engines and keys clips
    cloudpickle.register_pickle_by_value(cluster_engine)  # workers need not import tests/
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.register_plugin(cluster_engine.RegisterKillingEngine(marker, fatal))
        options = BuildOptions(out=tmp_path / "out")
        with cluster_executor(cluster.scheduler_address, options.cache_root) as executor:
            report = build(load(book), BuildOptions(out=tmp_path / "out", executor=executor))
    assert marker.exists()  # a worker did die on the paragraph
    assert report.synthesised == 8
    document = json.loads(report.manifest.read_text(encoding="utf-8"))
    seconds = len(decode_pcm(report.output)) / 2 / RATE
    # The duration is what gapless decoding plays (LAME's delay and the tail's padding off).
    assert abs(document["audio"]["duration_ms"] / 1000 - seconds) <= 0.001
    # and it is the same book a local build makes (the marker is there: nobody dies now)
    local = build(load(book), BuildOptions(out=tmp_path / "again", jobs=1))
    assert local.output.read_bytes() == report.output.read_bytes()
    assert local.synthesised == 8


@pytest.mark.parametrize("spec", [
    "local:0", "local:x", "local:-1", "dask://h:1", "h:8786", "tcp://", "tcp://x",
    "tcp://[::1", "tls://h:8786", "tcp://h:0", "tcp://h:65536", "tcp://:8786", "tcp://h:8786/x",
])
def test_bad_cluster_spec(spec: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        parse_cluster(spec)
    code, output = cli("build", str(SAMPLE), "--out", str(tmp_path), "--cluster", spec)
    assert code == 2 and output.startswith(f"error: --cluster {spec}: ")
    assert output.count("\n") == 1
    assert not (tmp_path / ".cache").exists()  # nothing was synthesised


def test_no_scheduler_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")
    code, output = cli("build", str(SAMPLE), "--out", str(tmp_path), "--cluster",
                       "tcp://127.0.0.1:9")
    assert code == 2 and "no Dask scheduler answered" in output


class FakeClient:
    """Answers client.run as workers would: (reader version, ffmpeg version, probe text)."""

    def __init__(self, answer: object) -> None:
        self.answer = answer

    def run(self, function: object, probe: str) -> dict[str, object]:
        token = Path(probe).read_text(encoding="utf-8")
        return {"tcp://10.0.0.2:4000": self.answer(token)}  # type: ignore[operator]


@pytest.mark.parametrize(("answer", "words"), [
    (lambda token: (__version__, ffmpeg.version(), None), "does not see the clip cache"),
    (lambda token: (__version__, ffmpeg.version(), "another"), "does not see the clip cache"),
    (lambda token: ("0.0.1", ffmpeg.version(), token), "runs reader 0.0.1"),
    (lambda token: (__version__, "ffmpeg version 1", token), "ffmpeg version 1"),
])
def test_workers_must_share_cache_and_versions(tmp_path: Path, answer: object,
                                               words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        check_workers(FakeClient(answer), tmp_path / "cache")
    assert not (tmp_path / "cache" / ".cluster-probe").exists()


def test_workers_that_match_pass(tmp_path: Path) -> None:
    check_workers(FakeClient(lambda token: (__version__, ffmpeg.version(), token)), tmp_path)


@pytest.mark.parametrize(("spec", "where"), [
    ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"), ("tcp://[::1]:1", "tcp://[::1]:1"),
    ("tcp://h:65535", "tcp://h:65535"), ("local:2", 2),
])
def test_good_cluster_specs(spec: str, where: object) -> None:
    assert parse_cluster(spec)[1] == where


class _ClientOfALostScheduler:
    """A Client whose scheduler goes away: its executor's futures end cancelled."""

    def __init__(self, address: str, timeout: str) -> None:
        self.address = address

    def __enter__(self) -> _ClientOfALostScheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def get_executor(self, **kwargs: object) -> object:
        return object()


def test_a_lost_scheduler_is_one_error_not_a_cancelled_future(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    import distributed

    monkeypatch.setattr(distributed, "Client", _ClientOfALostScheduler)
    with pytest.raises(ReaderError, match="scheduler went away mid-build") as caught:
        with cluster_executor("tcp://127.0.0.1:8786", tmp_path, shared_folder=False):
            raise concurrent.futures.CancelledError()
    assert caught.value.exit_code == 1 and "tcp://127.0.0.1:8786" in str(caught.value)


class _GaveUpPool(concurrent.futures.Executor):
    """A pool whose owner gave up (a lost scheduler): the first task is cancelled, the
    others are never run and never finish."""

    def __init__(self) -> None:
        self.futures: list[concurrent.futures.Future[object]] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: concurrent.futures.Future[object] = concurrent.futures.Future()
        if not self.futures:
            future.set_running_or_notify_cancel()
            future.set_exception(concurrent.futures.CancelledError())
        else:
            future.set_running_or_notify_cancel()  # running for ever: cancel() cannot stop it
        self.futures.append(future)
        return future


def test_a_pool_that_gave_up_is_not_waited_for(tmp_path: Path) -> None:
    """A cancelled future ends the build at once: the running ones will never finish."""
    from reader.pipeline.clips import plan_clips, synthesise
    from reader.pipeline.events import Events

    loaded = load(write_book(tmp_path / "book", "Бір.\n\nЕкі.\n", "一。\n\n二。\n"))
    jobs, _ = plan_clips(loaded)
    options = BuildOptions(out=tmp_path / "out")
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            synthesise(jobs, loaded.book.audio, options.clip_cache(), 1, Events(),
                       executor=_GaveUpPool())
        except BaseException as exc:  # noqa: B036 - reported to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)  # a guard against hanging the suite, not a synchronisation
    assert not thread.is_alive(), "the build waited for futures a lost pool never finishes"
    assert outcome and isinstance(outcome[0], concurrent.futures.CancelledError)
