"""Producers' guarantees: plan first, rebuild only what changed, survive kills, never
stitch a damaged clip, and never let two builds interleave."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from typer.testing import CliRunner

from reader.cli import app
from reader.config import load_book
from reader.pipeline.build import build
from reader.pipeline.cache import ClipCache
from reader.pipeline.clips import ClipJob
from reader.pipeline.events import Events
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.pipeline.plan import Cleaned, clean, make_plan

from .builds import KK_PARAGRAPHS as KK
from .builds import ZH_PARAGRAPHS as ZH
from .builds import assert_valid_book, make_book, run_driver
from .conftest import ROOT
from .test_build import SynthCounter


def test_editing_one_paragraph_synthesises_exactly_that_clip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = make_book(tmp_path / "b")
    options = BuildOptions(out=tmp_path / "out", jobs=1)  # in this process, so calls are seen
    first = build(load(book), options)
    old_key = json.loads(first.manifest.read_text("utf-8"))["pairs"][1]["clips"]["zh"]

    make_book(book, zh=[ZH[0], "第二段,改过了。", ZH[2], ZH[3]])
    plan = make_plan(load(book), options)
    assert [(e.pair, e.lang) for e in plan.synthesise] == [(2, "zh")]
    assert len(plan.reuse) == 7
    assert [e.key for e in plan.unused] == [old_key]
    assert plan.seconds_to_synthesise > 0

    counter = SynthCounter(monkeypatch)
    second = build(load(book), options)
    assert counter.texts == ["第二段，改过了。"]
    assert (second.synthesised, second.reused) == (1, 7)
    manifest = json.loads(second.manifest.read_text("utf-8"))
    assert manifest["pairs"][1]["texts"]["zh"] == "第二段，改过了。"
    assert manifest["pairs"][1]["clips"]["zh"] == plan.synthesise[0].key
    assert_valid_book(options.out, "b", 4)


def test_reordering_paragraphs_or_changing_pauses_synthesises_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = make_book(tmp_path / "b")
    options = BuildOptions(out=tmp_path / "out", jobs=1)  # in this process, so calls are seen
    first = build(load(book), options)
    counter = SynthCounter(monkeypatch)
    make_book(book, kk=KK[::-1], zh=ZH[::-1])
    reordered = build(load(book), options)
    (book / "book.toml").write_text('order = ["kk", "zh"]\n[pauses]\npair = 2.5\n', "utf-8")
    repaused = build(load(book), options)
    assert counter.texts == []
    assert reordered.synthesised == repaused.synthesised == 0
    # Each pause is fitted to the silent edges of the clips beside it (whole frames), so a
    # new order moves the book's length by a few frames, a new pause by what it adds.
    assert reordered.duration == pytest.approx(first.duration, abs=0.15)
    assert repaused.duration > reordered.duration + 3 * (2.5 - 1.6) - 0.15
    manifest = json.loads(reordered.manifest.read_text("utf-8"))
    assert [p["texts"]["kk"] for p in manifest["pairs"]] == KK[::-1]


def test_a_rebuild_with_nothing_changed_keeps_the_files(tmp_path: Path) -> None:
    book = make_book(tmp_path / "b")
    options = BuildOptions(out=tmp_path / "out")
    first = build(load(book), options)
    stamps = (first.output.stat().st_mtime_ns, first.manifest.stat().st_mtime_ns)
    again = build(load(book), options)
    assert again.unchanged and not first.unchanged
    assert (again.output.stat().st_mtime_ns, again.manifest.stat().st_mtime_ns) == stamps
    (book / "book.toml").write_text('album = "Renamed"\norder = ["kk", "zh"]\n', "utf-8")
    retagged = build(load(book), options)
    assert not retagged.unchanged and retagged.synthesised == 0
    assert str(ID3(retagged.output)["TALB"]) == "Renamed"


def test_plan_json_and_dry_run_change_nothing(tmp_path: Path) -> None:
    book = make_book(tmp_path / "b")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(app, ["plan", str(book), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert [(e["pair"], e["lang"]) for e in plan["synthesise"]] == [
        (i, lang) for lang in ("kk", "zh") for i in range(1, 5)
    ]
    assert plan["reuse"] == [] and plan["unused"] == []
    assert all(len(e["key"]) == 64 for e in plan["synthesise"])
    dry = runner.invoke(app, ["build", str(book), "--out", str(out), "--dry-run"])
    assert dry.exit_code == 0 and "synthesise: 8 clips (4 kk, 4 zh)" in dry.output
    assert not out.exists() or not any(out.rglob("*.mp3"))


def test_clean_removes_only_clips_this_book_no_longer_uses(tmp_path: Path) -> None:
    out = tmp_path / "out"
    book = make_book(tmp_path / "b")
    other = make_book(tmp_path / "other", kk=KK[:2], zh=ZH[:2])
    build(load(other), BuildOptions(out=out))
    build(load(book), BuildOptions(out=out))
    make_book(book, kk=["Жаңа абзац."] + KK[1:2], zh=["新的一段。"] + ZH[1:2])
    runner = CliRunner()
    # Until the edited book is built, its manifest still uses every clip: none goes.
    early = runner.invoke(app, ["clean", str(book), "--out", str(out), "--dry-run"])
    assert early.exit_code == 0 and early.output.startswith("would remove 0 unused clips (")
    build(load(book), BuildOptions(out=out))
    dry = runner.invoke(app, ["clean", str(book), "--out", str(out), "--dry-run"])
    # Pairs 1 of "b" are the same clips as "other" uses: protected. Pairs 3 and 4 go.
    assert dry.exit_code == 0 and dry.output.startswith("would remove 4 unused clips (")
    before = len(list(out.rglob("*.mp3")))
    done = runner.invoke(app, ["clean", str(book), "--out", str(out)])
    assert done.output.startswith("removed 4 unused clips (")
    assert len(list(out.rglob("*.mp3"))) == before - 4
    assert (build(load(other), BuildOptions(out=out)).synthesised) == 0


def test_plan_and_clean_read_the_cache_the_book_was_built_with(tmp_path: Path) -> None:
    out, shared = tmp_path / "out", tmp_path / "shared"
    book = make_book(tmp_path / "b")
    build(load(book), BuildOptions(out=out, cache=shared))
    runner = CliRunner()
    plan = json.loads(runner.invoke(
        app, ["plan", str(book), "--out", str(out), "--cache", str(shared), "--json"]).output)
    assert (len(plan["synthesise"]), len(plan["reuse"])) == (0, 8)
    # Parsed as build parses it: a file: URL naming another host is refused.
    remote = runner.invoke(app, ["plan", str(book), "--out", str(out), "--cache",
                                 "file://elsewhere/clips"])
    assert remote.exit_code == 2 and "names the host 'elsewhere'" in remote.output
    default = json.loads(runner.invoke(app, ["plan", str(book), "--out", str(out),
                                             "--json"]).output)
    assert (len(default["synthesise"]), len(default["reuse"])) == (8, 0)
    make_book(book, kk=["Жаңа абзац."] + KK[1:], zh=["新的一段。"] + ZH[1:])
    build(load(book), BuildOptions(out=out, cache=shared))
    missed = runner.invoke(app, ["clean", str(book), "--out", str(out)])
    assert missed.output.startswith("removed 0 unused clips (")
    done = runner.invoke(app, ["clean", str(book), "--out", str(out), "--cache", str(shared)])
    assert done.exit_code == 0 and done.output.startswith("removed 2 unused clips ("), done.output
    empty = runner.invoke(app, ["clean", str(book), "--out", str(out), "--cache", " "])
    assert empty.exit_code == 2 and "--cache: empty" in empty.output


def test_clean_without_a_manifest_removes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    book = make_book(tmp_path / "b")
    build(load(book), BuildOptions(out=out))
    before = sorted(out.rglob("*.mp3"))
    manifest = out / "b" / "b.manifest.json"
    runner = CliRunner()
    for damage in ('{"format": "reader-manifest/1", "pairs": 3}', "{not json"):
        manifest.write_text(damage, encoding="utf-8")
        result = runner.invoke(app, ["clean", str(book), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "damaged" in result.output and "nothing removed" in result.output
        assert "Traceback" not in result.output
    manifest.unlink()
    result = runner.invoke(app, ["clean", str(book), "--out", str(out)])
    assert result.exit_code == 2 and "no manifest; nothing removed" in result.output
    assert sorted(out.rglob("*.mp3")) == before


@pytest.mark.parametrize(("point", "n"), [("synthesis", 4), ("assembly", 5), ("tagging", 1)])
def test_a_killed_build_leaves_no_partial_file_and_the_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str, n: int
) -> None:
    book = make_book(tmp_path / "b")
    out = tmp_path / "out"
    killed = run_driver(point, n, book, out)
    assert killed.returncode == -9, killed.stderr.decode()
    final = [p.name for p in (out / "b").glob("*")] if (out / "b").exists() else []
    assert not [name for name in final if not name.startswith(".")], final
    records = [json.loads(path.read_text("utf-8"))
               for path in (out / ".cache" / "clips").glob("??/*.json")]
    speech = [record for record in records if record.get("kind") != "silence"]
    # 3 speech clips when killed in synthesis; all 8 once assembling (and the pauses,
    # each fitted to the clips beside it, so as many as there are different joins).
    assert len(speech) == {"synthesis": 3, "assembly": 8, "tagging": 8}[point]
    assert point == "synthesis" or len(records) > len(speech)

    counter = SynthCounter(monkeypatch)
    rerun = build(load(book), BuildOptions(out=out, jobs=1))
    assert len(counter.texts) == (8 - 3 if point == "synthesis" else 0)
    assert rerun.synthesised == len(counter.texts)
    assert_valid_book(out, "b", 4)


def test_two_builds_at_once_do_not_interleave(tmp_path: Path) -> None:
    book = make_book(tmp_path / "b")
    out = tmp_path / "out"
    # The test holds the book's lock, so both builds must wait for it: no race decides
    # whether the second build starts before the first ends.
    store = out / ".books" / "b"
    store.mkdir(parents=True)
    holder = os.open(store / ".lock", os.O_WRONLY | os.O_CREAT, 0o644)
    fcntl.flock(holder, fcntl.LOCK_EX)
    command = [sys.executable, "-m", "reader.cli", "build", str(book), "--out", str(out)]
    builds = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    said = []
    for process in builds:
        assert process.stderr is not None
        for line in process.stderr:  # blocks until the build reports that it waits
            said.append(line)
            if "waiting for it to finish" in line:
                break
        else:
            pytest.fail("".join(said))
    os.close(holder)  # releases the lock
    results = [p.communicate(timeout=120) for p in builds]
    assert all(p.returncode == 0 for p in builds), results
    made = [out_ for out_, _ in results]
    assert sum("8 clips synthesised" in text for text in made) == 1
    assert sum("0 clips synthesised, 8 reused" in text for text in made) == 1
    assert_valid_book(out, "b", 4)


class _CleanMidBuild(Events):
    """Starts `reader clean` of the same book once the build has made its first clip,
    and lets the build go on only when clean has either finished or said it waits."""

    def __init__(self, book: Path, out: Path) -> None:
        self.settled = threading.Event()
        self.notes: list[str] = []
        self.cleaned: list[Cleaned] = []
        self.finished_during_build = False
        outer = self

        class Notes(Events):
            def message(self, text: str) -> None:
                outer.notes.append(text)
                outer.settled.set()

        def run() -> None:
            try:
                self.cleaned.append(clean(load_book(book), BuildOptions(out=out),
                                          events=Notes()))
            finally:
                self.settled.set()

        self.thread = threading.Thread(target=run)

    def clip_done(self, job: ClipJob, made: bool) -> None:
        if made and not self.thread.is_alive() and not self.settled.is_set():
            self.thread.start()
            assert self.settled.wait(timeout=120)
            self.finished_during_build = bool(self.cleaned)


def test_clean_waits_for_a_build_of_the_same_book(tmp_path: Path) -> None:
    out = tmp_path / "out"
    book = make_book(tmp_path / "b")
    build(load(book), BuildOptions(out=out))
    make_book(book, kk=["Жаңа абзац."] + KK[1:], zh=["新的一段。"] + ZH[1:])
    events = _CleanMidBuild(book, out)
    report = build(load(book), BuildOptions(out=out, jobs=1), events)
    events.thread.join(timeout=120)
    assert report.synthesised == 2
    assert not events.finished_during_build  # it held back while the build ran
    assert len(events.notes) == 1 and "clean waits for it to finish" in events.notes[0]
    # Then it removed the two clips of the old first pair, none of the build's new ones.
    assert events.cleaned[0].clips == 2
    assert build(load(book), BuildOptions(out=out)).synthesised == 0


def _lock_is_held(store: Path) -> bool:
    """True when someone holds the book's lock (a fresh descriptor cannot take it)."""
    fd = os.open(store / ".lock", os.O_WRONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_clean_removes_clips_only_while_holding_the_book_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    book = make_book(tmp_path / "b")
    build(load(book), BuildOptions(out=out))
    make_book(book, kk=["Жаңа абзац."] + KK[1:], zh=["新的一段。"] + ZH[1:])
    build(load(book), BuildOptions(out=out))
    held: list[bool] = []
    remove = ClipCache.remove

    def watched(cache: ClipCache, key: str) -> int:
        held.append(_lock_is_held(out / ".books" / "b"))
        return remove(cache, key)

    monkeypatch.setattr(ClipCache, "remove", watched)
    assert clean(load_book(book), BuildOptions(out=out)).clips == 2
    assert held == [True, True]  # a build starting now waits until clean is done


def _session_members(sid: int) -> list[str]:
    """Processes still alive in a session (Linux /proc), as "pid command"."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields[3]: session id
            alive.append(f"{stat.parent.name} {(stat.parent / 'comm').read_text().strip()}")
    return alive


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("point", "status"), [
    ("made-sigint", 130), ("made-sigterm", 143), ("made-sigkill", -9),
])
def test_a_stopped_build_leaves_no_process_and_keeps_finished_clips(
    tmp_path: Path, point: str, status: int
) -> None:
    book = make_book(tmp_path / "b")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_driver", point, "2", str(book), str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    # The pipes reach end of file only when every process holding them is gone: the
    # build, its workers and multiprocessing's resource tracker (`reader build | tee`).
    # The tracker unlinks the pool's semaphores in /dev/shm before it exits, so an
    # empty session also means none is left behind.
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        members = _session_members(process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGUSR1)  # the driver prints its threads' stacks
        try:
            _, stderr = process.communicate(timeout=5)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"the build's output stayed open: {members}\n{stderr.decode()[-3000:]}")
    assert process.returncode == status, stderr.decode()
    # A process that closed its files may take a moment more to be gone from /proc.
    deadline = time.monotonic() + 10
    while _session_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _session_members(process.pid) == []
    text = stderr.decode()
    assert "Traceback" not in text
    if status > 0:
        assert text.strip().splitlines()[-1] == (
            "interrupted; finished clips are kept and the next build resumes" if status == 130
            else "stopped by SIGTERM; finished clips are kept and the next build resumes")
    finished = len(list((out / ".cache" / "clips").glob("??/*.json")))
    assert 2 <= finished < 8
    assert not [p.name for p in (out / "b").glob("*") if not p.name.startswith(".")]
    rerun = build(load(book), BuildOptions(out=out, jobs=1))
    assert rerun.synthesised == 8 - finished
    assert_valid_book(out, "b", 4)
