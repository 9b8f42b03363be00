"""The clip cache's lock: builds hold it together, clean alone — so a clean never removes a
clip that a build of any book, in any output folder, sharing the cache is using."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.config import load_book
from reader.errors import BusyError
from reader.pipeline import plan
from reader.pipeline.build import BuildReport, build
from reader.pipeline.clips import ClipJob
from reader.pipeline.events import Events
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.pipeline.plan import Cleaned, clean

from .builds import KK_PARAGRAPHS as KK
from .builds import ZH_PARAGRAPHS as ZH
from .builds import assert_valid_book, make_book


def _hold(cache: Path, mode: int) -> int:
    """Take the cache's lock here in the test (a build holds it shared, clean exclusive)."""
    cache.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache / ".lock", os.O_WRONLY | os.O_CREAT, 0o644)
    fcntl.flock(fd, mode)
    return fd


def _can_take(cache: Path, mode: int) -> bool:
    """Whether a fresh holder could take the cache's lock in `mode` right now."""
    fd = os.open(cache / ".lock", os.O_WRONLY)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


class _Background(Events):
    """Runs `work` in a thread; `settled` is set when it says it waits or when it is done."""

    def __init__(self, work: Callable[[Events], object]) -> None:
        self.settled = threading.Event()
        self.notes: list[str] = []
        self.results: list[object] = []
        outer = self

        class Notes(Events):
            def message(self, text: str) -> None:
                outer.notes.append(text)
                outer.settled.set()

        def run() -> None:
            try:
                self.results.append(work(Notes()))
            finally:
                self.settled.set()

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def finish(self) -> object:
        self.thread.join(timeout=120)
        assert not self.thread.is_alive() and len(self.results) == 1
        return self.results[0]


def _built_then_edited(tmp_path: Path, cache: Path) -> Path:
    """Book "a" built twice into tmp/out1 with `cache`: its first pair's two clips are unused."""
    book = make_book(tmp_path / "a", kk=KK[:2], zh=ZH[:2])
    build(load(book), BuildOptions(out=tmp_path / "out1", cache=cache))
    make_book(book, kk=["Жаңа абзац."] + KK[1:2], zh=["新的一段。"] + ZH[1:2])
    build(load(book), BuildOptions(out=tmp_path / "out1", cache=cache))
    return book


def test_clean_waits_while_a_build_uses_the_cache_and_goes_on_after(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    book = _built_then_edited(tmp_path, cache)
    clips = sorted(cache.glob("??/*.mp3"))
    holder = _hold(cache, fcntl.LOCK_SH)  # a build of some other book is running
    cleaning = _Background(lambda events: clean(load_book(book), BuildOptions(
        out=tmp_path / "out1", cache=cache), events=events))
    try:
        assert cleaning.settled.wait(timeout=120)
        assert cleaning.thread.is_alive() and not cleaning.results  # it waits ...
        assert cleaning.notes == [f"a build is using the clip cache {cache}; "
                                  "clean waits for it to finish"]
        assert sorted(cache.glob("??/*.mp3")) == clips  # ... having removed nothing,
        # and holding nothing: a build of "a" (cache first, then the book) is not stuck.
        assert _can_take(tmp_path / "out1" / ".books" / "a", fcntl.LOCK_EX)
    finally:
        os.close(holder)
    done = cleaning.finish()
    assert isinstance(done, Cleaned) and done.clips == 2  # the old first pair, kk and zh
    assert len(list(cache.glob("??/*.mp3"))) == len(clips) - 2


def test_a_dry_run_does_not_wait_for_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    book = _built_then_edited(tmp_path, cache)
    holder = _hold(cache, fcntl.LOCK_EX)  # not even for a clean holding it
    try:
        dry = _Background(lambda events: clean(load_book(book), BuildOptions(
            out=tmp_path / "out1", cache=cache), dry_run=True, events=events))
        assert dry.settled.wait(timeout=120) and dry.notes == []
    finally:
        os.close(holder)
    done = dry.finish()
    assert isinstance(done, Cleaned) and done.clips == 2


def test_a_cache_made_while_clean_starts_is_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    book = _built_then_edited(tmp_path, cache)
    cache.rename(tmp_path / "elsewhere")
    keys = plan.manifest_keys

    def meanwhile(out: Path, warnings: list[str] | None = None) -> dict[str, set[str]]:
        (tmp_path / "elsewhere").rename(cache)  # a build of "a" elsewhere has just begun
        return keys(out, warnings)

    monkeypatch.setattr(plan, "manifest_keys", meanwhile)
    # Clean found no cache, so took no lock on it: it removes nothing it did not guard.
    done = clean(load_book(book), BuildOptions(out=tmp_path / "out1", cache=cache))
    assert done.clips == 0 and len(list(cache.glob("??/*.mp3"))) >= 6


def test_the_cache_lock_never_follows_a_link(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me", encoding="utf-8")
    os.symlink(victim, cache / ".lock")
    book = make_book(tmp_path / "b", kk=KK[:1], zh=ZH[:1])
    with pytest.raises(BusyError, match="symbolic link"):
        build(load(book), BuildOptions(out=tmp_path / "out", cache=cache))
    assert victim.read_text(encoding="utf-8") == "keep me"


class _Probe(Events):
    """Looks at the cache's lock while the build is making its clips."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.seen: list[tuple[bool, bool]] = []

    def clip_done(self, job: ClipJob, made: bool) -> None:
        self.seen.append((_can_take(self.cache, fcntl.LOCK_SH),
                          _can_take(self.cache, fcntl.LOCK_EX)))


def test_builds_hold_the_cache_together_and_wait_only_for_clean(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    book = make_book(tmp_path / "b", kk=KK[:1], zh=ZH[:1])
    probe = _Probe(cache)
    build(load(book), BuildOptions(out=tmp_path / "out", cache=cache, jobs=1), probe)
    # While it ran, another build could join it (shared), a clean could not (exclusive).
    assert probe.seen and set(probe.seen) == {(True, False)}

    holder = _hold(cache, fcntl.LOCK_SH)  # another build using the cache: no waiting
    try:
        beside = _Background(lambda events: build(load(book), BuildOptions(
            out=tmp_path / "out2", cache=cache), events))
        assert beside.settled.wait(timeout=120)
        assert beside.notes == []
    finally:
        os.close(holder)
    assert isinstance(beside.finish(), BuildReport)

    holder = _hold(cache, fcntl.LOCK_EX)  # a clean removing clips: the build waits
    try:
        waiting = _Background(lambda events: build(load(book), BuildOptions(
            out=tmp_path / "out3", cache=cache), events))
        assert waiting.settled.wait(timeout=120)
        assert waiting.thread.is_alive() and not (tmp_path / "out3" / "b").exists()
        assert waiting.notes == [f"clean is removing clips from the clip cache {cache}; "
                                 "waiting for it to finish"]
    finally:
        os.close(holder)
    report = waiting.finish()
    assert isinstance(report, BuildReport) and report.synthesised == 0
    assert_valid_book(tmp_path / "out3", "b", 1)


class _CleanOtherBookMidBuild(Events):
    """Starts `reader clean` of book "a" (another output folder, the same cache) once this
    build has taken the clips it shares with "a", and goes on only when clean has either
    finished or said it waits; records whether those clips were still there."""

    def __init__(self, book: Path, out: Path, cache: Path, shared: set[str]) -> None:
        self.start = lambda: _Background(lambda events: clean(
            load_book(book), BuildOptions(out=out, cache=cache), events=events))
        self.cache, self.shared = cache, shared
        self.cleaning: _Background | None = None
        self.kept: list[bool] = []

    def clip_done(self, job: ClipJob, made: bool) -> None:
        if job.key in self.shared and self.cleaning is None:
            self.cleaning = self.start()
            assert self.cleaning.settled.wait(timeout=120)
        if self.cleaning is not None:
            self.kept.append(all(any(self.cache.glob(f"??/{key}.mp3")) for key in self.shared))


def test_a_build_in_another_output_folder_keeps_the_clips_it_reuses_while_clean_runs(
        tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    book_a = make_book(tmp_path / "a", kk=KK[:2], zh=ZH[:2])
    first = build(load(book_a), BuildOptions(out=tmp_path / "out1", cache=cache))
    shared = set(json.loads(first.manifest.read_text("utf-8"))["pairs"][0]["clips"].values())
    make_book(book_a, kk=["Жаңа абзац."] + KK[1:2], zh=["新的一段。"] + ZH[1:2])
    build(load(book_a), BuildOptions(out=tmp_path / "out1", cache=cache))
    # "b" is a's old first pair, so its clips are the ones a no longer uses: clean of "a"
    # would remove them, and cannot see b's manifest in out2.
    book_b = make_book(tmp_path / "b", kk=KK[:1], zh=ZH[:1])
    events = _CleanOtherBookMidBuild(book_a, tmp_path / "out1", cache, shared)
    report = build(load(book_b), BuildOptions(out=tmp_path / "out2", cache=cache, jobs=1),
                   events)
    assert report.synthesised == 0 and report.reused == 2
    assert events.cleaning is not None and events.kept and all(events.kept)
    assert_valid_book(tmp_path / "out2", "b", 1)
    assert events.cleaning.notes == [f"a build is using the clip cache {cache}; "
                                     "clean waits for it to finish"]
    done = events.cleaning.finish()
    # Once b's build is over, clean of "a" goes on: the lock guards a running build only,
    # so b's next build makes the two clips again (docs/rebuilds.md says so).
    assert isinstance(done, Cleaned) and done.clips == 2
    again = build(load(book_b), BuildOptions(out=tmp_path / "out2", cache=cache))
    assert again.synthesised == 2
