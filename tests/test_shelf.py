"""Shelf builds: a folder of books built together; one failing book does not stop the rest."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader import speech
from reader.audio.pcm import Audio
from reader.cli import app
from reader.errors import EngineError
from reader.outputs import DEFAULT_FORMATS
from reader.pipeline import shelf as shelf_module
from reader.pipeline.clips import ClipJob
from reader.pipeline.events import Events
from reader.pipeline.options import BuildOptions
from reader.pipeline.shelf import build_shelf, exit_code, is_shelf
from reader.speech.espeak import EspeakEngine

from .conftest import RATE, decode_pcm, write_book

FAILING_TOML = ('album = "Broken"\norder = ["kk", "zh"]\n[language.zh]\nengine = ["failing"]\n'
                "[pauses]\nparagraph = 0.3\npair = 0.6\nlead_in = 0.2\n")


class FailingEngine(EspeakEngine):
    """espeak, except that it fails on a paragraph holding "破" (broken): a failure mid-build."""

    name = "failing"

    def synthesize(self, text: str, *, lang: str, voice: str, options: dict) -> Audio:  # type: ignore[override, type-arg]
        if "破" in text:
            raise EngineError("failing: the test engine refuses this paragraph")
        return super().synthesize(text, lang=lang, voice=voice, options=options)


@pytest.fixture()
def failing_engine() -> Iterator[None]:
    speech.register("failing", FailingEngine)
    yield
    speech.registry._REGISTRY.pop("failing", None)
    speech.registry._INSTANCES.pop("failing", None)


@pytest.fixture()
def shelf(tmp_path: Path) -> Path:
    """Four books: two good ones sharing a paragraph, one with bad input, one whose engine fails."""
    books = tmp_path / "books"
    write_book(books / "alpha", "Сәлем.\n\nБір екі.\n", "你好。\n\n一二。\n")
    write_book(books / "beta", "Сәлем.\n\nҮш төрт.\n", "你好。\n\n三四。\n")
    write_book(books / "crooked", "Бір.\n\nЕкі.\n", "一。\n")  # 2 paragraphs against 1
    write_book(books / "delta", "Жақсы.\n\nСынық.\n", "好。\n\n破。\n", FAILING_TOML)
    (books / "notes").mkdir()  # a folder without book.toml is not a book
    return books


def test_failures_do_not_stop_the_others(shelf: Path, tmp_path: Path,
                                         failing_engine: None) -> None:
    out = tmp_path / "out"
    outcomes = build_shelf(shelf, BuildOptions(out=out, jobs=1), formats=DEFAULT_FORMATS)
    by_name = {o.folder.name: o for o in outcomes}
    assert list(by_name) == ["alpha", "beta", "crooked", "delta"]
    assert by_name["crooked"].exit_code == 2 and "paragraph" in by_name["crooked"].error
    assert by_name["delta"].exit_code == 1 and "refuses" in by_name["delta"].error
    assert "delta/zh.txt" in by_name["delta"].error  # names the paragraph's file
    for name in ("alpha", "beta"):
        report = by_name[name].report
        assert report is not None and report.chapters == 2
        # the book is whole: decoded length equals the manifest's
        document = json.loads(report.manifest.read_text(encoding="utf-8"))
        seconds = len(decode_pcm(report.output)) / 2 / RATE
        # The duration is what gapless decoding plays (LAME's delay and the tail's padding off).
        assert abs(document["audio"]["duration_ms"] / 1000 - seconds) <= 0.001
        assert (out / name / "index.html").is_file()  # outputs written too
    # one clip cache: beta's "Сәлем." / "你好。" were made for alpha and reused
    assert by_name["alpha"].report.synthesised == 4  # type: ignore[union-attr]
    assert (by_name["beta"].report.synthesised, by_name["beta"].report.reused) == (2, 2)  # type: ignore[union-attr]
    assert exit_code(outcomes) == 1


def test_exit_code_rule() -> None:
    ok = shelf_module.BookOutcome(Path("a"), report=object())  # type: ignore[arg-type]
    bad = shelf_module.BookOutcome(Path("b"), error="x", exit_code=2)
    broke = shelf_module.BookOutcome(Path("c"), error="y", exit_code=1)
    assert exit_code([ok]) == 0
    assert exit_code([ok, bad]) == 2
    assert exit_code([ok, bad, broke]) == 1


def test_cli_table_and_failures(shelf: Path, tmp_path: Path, failing_engine: None) -> None:
    result = CliRunner().invoke(app, ["build", str(shelf), "--out", str(tmp_path / "out"),
                                      "--jobs", "1"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    row = next(line for line in lines if "alpha" in line and "built" in line)
    assert "0:0" in row and " 2 " in row  # duration, chapters
    assert any("crooked" in line and "bad input" in line for line in lines)
    assert any(line.startswith("error: delta:") for line in lines)
    assert any(line.startswith("error: crooked:") for line in lines)
    assert "2 of 4 books failed: crooked, delta" in result.output


def test_one_pool_for_every_book(shelf: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("crooked", "delta"):
        for path in (shelf / name).iterdir():
            path.unlink()
        (shelf / name).rmdir()
    made = []
    real = shelf_module._spawn_pool

    def counted(jobs: int):  # type: ignore[no-untyped-def]
        made.append(jobs)
        return real(jobs)

    monkeypatch.setattr(shelf_module, "_spawn_pool", counted)
    outcomes = build_shelf(shelf, BuildOptions(out=tmp_path / "out", jobs=2),
                               formats=("mp3",))
    assert [o.ok for o in outcomes] == [True, True]
    assert made == [2]


def test_what_counts_as_a_shelf(shelf: Path) -> None:
    assert is_shelf(shelf)
    assert not is_shelf(shelf / "alpha")  # a book itself
    assert not is_shelf(shelf / "notes")  # no books in it


def test_a_dead_pool_worker_fails_one_book_and_the_next_gets_a_new_pool(
    shelf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("crooked", "delta"):
        shutil.rmtree(shelf / name)
    pools: list[concurrent.futures.ProcessPoolExecutor] = []
    real = shelf_module._spawn_pool

    def recorded(jobs: int):  # type: ignore[no-untyped-def]
        pools.append(real(jobs))
        return pools[-1]

    class KillOnFirstClip(Events):
        """When alpha's first new clip is in, SIGKILL every worker of the pool."""

        def clip_done(self, job: ClipJob, made: bool) -> None:
            if made and job.book == "alpha" and len(pools) == 1:
                for process in list(pools[0]._processes.values()):  # type: ignore[attr-defined]
                    os.kill(process.pid, signal.SIGKILL)

    monkeypatch.setattr(shelf_module, "_spawn_pool", recorded)
    outcomes = build_shelf(shelf, BuildOptions(out=tmp_path / "out", jobs=2),
                               formats=("mp3",), events_for=lambda _dir: KillOnFirstClip())
    alpha, beta = outcomes
    assert not alpha.ok and alpha.exit_code == 1 and "worker process died" in alpha.error
    assert beta.ok and len(pools) == 2  # beta was built on a fresh pool
    assert exit_code(outcomes) == 1


def test_bad_input_alone_exits_2_with_the_table_and_no_unexpected_error(
        shelf: Path, tmp_path: Path) -> None:
    shutil.rmtree(shelf / "delta")
    shutil.rmtree(shelf / "beta")
    result = CliRunner().invoke(app, ["build", str(shelf), "--out", str(tmp_path / "out"),
                                      "--jobs", "1", "--formats", "mp3"])
    assert result.exit_code == 2, result.output
    assert "1 of 2 books failed: crooked" in result.output
    assert "unexpected" not in result.output


def test_preset_applies_to_every_book(shelf: Path, tmp_path: Path) -> None:
    from mutagen.mp3 import MP3

    shutil.rmtree(shelf / "delta")
    shutil.rmtree(shelf / "crooked")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(shelf), "--out", str(out), "--jobs", "1",
                                      "--formats", "mp3", "--preset", "acx"])
    assert result.exit_code == 0, result.output
    for name in ("alpha", "beta"):
        info = MP3(out / name / f"{name}.kk-zh.mp3").info
        assert info.sample_rate == 44100 and round(info.bitrate, -3) == 192000, name


def test_check_a_shelf_checks_each(shelf: Path, failing_engine: None) -> None:
    result = CliRunner().invoke(app, ["check", str(shelf)])
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    rows = {cells[0]: cells[1:] for line in lines
            if len(cells := [cell.strip() for cell in line.strip("│ ").split("│")]) == 4}
    assert rows["alpha"] == ["kk, zh", "2", "ok"]
    assert rows["delta"] == ["kk, zh", "2", "ok"]
    assert rows["crooked"] == ["", "", "bad input"]
    assert any(line.startswith("error: crooked: ") for line in lines)
    assert "1 of 4 books have problems: crooked" in result.output
    shutil.rmtree(shelf / "crooked")
    assert CliRunner().invoke(app, ["check", str(shelf)]).exit_code == 0
