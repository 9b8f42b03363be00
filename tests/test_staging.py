"""Staging (reader.pipeline.staging): a book's output folder changes all at once.

`output/<id>` is a link to the live generation under `output/.books/<id>/`; a
build fills a new generation and swaps the link over with one rename. The
first tests drive `Staging` itself; the rest build real books and kill them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reader.cli import app
from reader.errors import ConfigError
from reader.outputs import DEFAULT_FORMATS
from reader.pipeline import staging
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.pipeline.staging import Staging, staged, store_of

from .builds import KK_PARAGRAPHS, assert_valid_book, digests, make_book, one_error_line, run_driver
from .conftest import ROOT, write_book

KK = "Бірінші абзац.\n\nЕкінші абзац.\n"
ZH = "第一段。\n\n第二段。\n"


# --- Staging on its own -----------------------------------------------------------------


def first_generation(out: Path, root: Path, files: dict[str, str]) -> Path:
    """Stage and swap in a generation holding `files`; return its folder."""
    with staged(out, "b", root) as stage:
        for name, text in files.items():
            (stage.folder / name).write_text(text, encoding="utf-8")
        stage.changed = True
    return (out / "b").resolve()


def test_a_swap_is_one_rename_of_the_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    old = first_generation(out, tmp_path, {"a.mp3": "old"})
    seen: list[tuple[str, Path]] = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        # Until the rename, readers still see the old generation, whole.
        seen.append((str(target), (out / "b").resolve()))
        real_replace(source, target)

    monkeypatch.setattr(staging.os, "replace", replace)
    stage = Staging(out, "b", tmp_path)
    new = stage.begin()
    (new / "a.mp3").unlink()
    (new / "a.mp3").write_text("new", encoding="utf-8")
    stage.changed = True
    stage.commit()
    assert seen == [(str(out / "b"), old)]
    assert (out / "b").resolve() == new and (out / "b" / "a.mp3").read_text("utf-8") == "new"


def test_the_old_generation_goes_only_after_the_swap(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    old = first_generation(out, tmp_path, {"a.mp3": "old"})
    removed: list[tuple[Path, Path]] = []
    real_remove = staging._remove

    def remove(generation: Path) -> None:
        removed.append((generation, (out / "b").resolve()))
        real_remove(generation)

    monkeypatch.setattr(staging, "_remove", remove)
    with staged(out, "b", tmp_path) as stage:
        stage.changed = True
        new = stage.folder
    # Removed once, and by then the link already named the new generation.
    assert removed == [(old, new)]
    assert not old.exists()
    assert [p for p in store_of(out, "b").iterdir() if p.is_dir()] == [new]


def test_an_unchanged_generation_is_dropped_and_the_live_one_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = first_generation(out, tmp_path, {"a.mp3": "old"})
    with staged(out, "b", tmp_path) as stage:
        new = stage.folder
    assert (out / "b").resolve() == live and not new.exists()


def test_a_failed_build_leaves_the_live_generation_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = first_generation(out, tmp_path, {"a.mp3": "old"})
    with pytest.raises(RuntimeError), staged(out, "b", tmp_path) as stage:
        new = stage.folder
        (new / "a.mp3").unlink()
        (new / "a.mp3").write_text("half", encoding="utf-8")
        stage.changed = True
        raise RuntimeError("killed")
    assert (out / "b").resolve() == live and not new.exists()
    assert (out / "b" / "a.mp3").read_text("utf-8") == "old"


def test_a_new_generation_shares_unchanged_files_and_skips_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = first_generation(out, tmp_path, {"a.mp3": "old", ".a.mp3.part": "half"})
    (live / "sub.part").mkdir()
    (live / "sub.part" / "x").write_text("half", encoding="utf-8")
    new = Staging(out, "b", tmp_path).begin()
    assert sorted(p.name for p in new.rglob("*")) == ["a.mp3"]
    assert (new / "a.mp3").stat().st_ino == (live / "a.mp3").stat().st_ino  # a hard link


def test_leftovers_of_a_killed_build_are_ignored_and_cleared(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = first_generation(out, tmp_path, {"a.mp3": "old"})
    store = store_of(out, "b")
    killed = store / "gkilled"  # a generation a killed build was filling
    killed.mkdir()
    (killed / "a.mp3").write_text("half", encoding="utf-8")
    (out / ".b.link.part").symlink_to(killed)  # and the link it was about to rename
    with staged(out, "b", tmp_path) as stage:
        assert not killed.exists()
        assert (stage.folder / "a.mp3").read_text("utf-8") == "old"  # from the live one
        stage.changed = True
        new = stage.folder
    assert (out / "b").resolve() == new and not live.exists()
    assert not os.path.lexists(out / ".b.link.part")


def test_a_book_from_another_folder_of_the_same_name_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first_generation(out, tmp_path / "one", {"a.mp3": "old"})
    staging.check_origin(out, "b", tmp_path / "one")
    with pytest.raises(ConfigError, match="same folder name"):
        staging.check_origin(out, "b", tmp_path / "two")


# --- real builds, killed or disturbed -----------------------------------------------------


def test_a_kill_after_the_new_mp3_leaves_the_old_outputs_together(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    before = digests(out / "b")
    assert {"b.kk-zh.mp3", "b.manifest.json", "b.kk-zh.vtt", "index.html"} <= set(before)
    (book / "zh.txt").write_text("第一段。\n\n第二段，改了。\n", encoding="utf-8")
    killed = subprocess.run(
        [sys.executable, "-m", "tests.crash_driver", "after-mp3", "0", str(book), str(out)],
        cwd=ROOT, capture_output=True, timeout=120, check=False)
    assert killed.returncode == -9, killed.stderr.decode()
    # The new MP3 was complete when the build died, but nobody sees it beside the old files.
    assert digests(out / "b") == before
    rebuilt = runner.invoke(app, ["build", str(book), "--out", str(out)])
    assert rebuilt.exit_code == 0, rebuilt.output
    after = digests(out / "b")
    assert after["b.kk-zh.mp3"] != before["b.kk-zh.mp3"]
    assert after["b.manifest.json"] != before["b.manifest.json"]
    manifest = json.loads((out / "b" / "b.manifest.json").read_text(encoding="utf-8"))
    assert manifest["pairs"][1]["texts"]["zh"] == "第二段，改了。"
    vtt = (out / "b" / "b.kk-zh.vtt").read_text(encoding="utf-8")
    assert "改了" in re.sub(r"<[^>]*>", "", vtt)  # word timestamps and voice tags off
    # One generation stays behind the link; the killed build's is gone.
    generations = [p for p in (out / ".books" / "b").iterdir() if p.is_dir()]
    assert generations == [(out / "b").resolve()]


def test_an_unchanged_rebuild_swaps_nothing(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    build(load(book), options, formats=("mp3", "vtt"))
    live = (options.out / "b").resolve()
    stamp = (options.out / "b" / "b.kk-zh.mp3").stat().st_mtime_ns
    report = build(load(book), options, formats=("mp3", "vtt"))
    assert report.unchanged and report.written == []
    assert (options.out / "b").resolve() == live
    assert (options.out / "b" / "b.kk-zh.mp3").stat().st_mtime_ns == stamp


def test_two_books_with_one_folder_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    first = write_book(tmp_path / "a" / "same", KK, ZH)
    second = write_book(tmp_path / "b" / "same", "Басқа кітап.\n", "另一本书。\n")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(first), "--out", str(out)]).exit_code == 0
    before = digests(out / "same")
    result = runner.invoke(app, ["build", str(second), "--out", str(out)])
    assert result.exit_code == 2
    assert "same folder name" in result.output and str(first.resolve()) in result.output
    assert digests(out / "same") == before
    cleaned = runner.invoke(app, ["clean", str(second), "--out", str(out)])
    assert cleaned.exit_code == 2 and "same folder name" in cleaned.output


def tree(path: Path) -> dict[str, bytes | str]:
    """Everything at `path`: each file's bytes and each link's target, by relative name."""
    if path.is_symlink():
        return {".": os.readlink(path)}
    if path.is_file():
        return {".": path.read_bytes()}
    return {str(p.relative_to(path)): os.readlink(p) if p.is_symlink() else p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_symlink() or p.is_file()}


@pytest.mark.parametrize("intruder", [
    "a link to another folder", "a folder", "a file", "a link to a link in the store",
    "a link to the store's record", "a link to a file in the store",
])
def test_an_output_path_that_is_not_the_tools_link_is_refused(tmp_path: Path, intruder: str) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    elsewhere = tmp_path / "gallery"  # named as generations are: the place is what counts
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    link, store = out / "b", out / ".books" / "b"
    live = link.resolve()
    link.unlink()
    if intruder == "a link to another folder":
        link.symlink_to(elsewhere)
    elif intruder == "a folder":
        link.mkdir()
        (link / "keep.txt").write_text("mine", encoding="utf-8")
    elif intruder == "a file":
        link.write_text("mine", encoding="utf-8")
    elif intruder == "a link to a link in the store":
        (store / "gplanted").symlink_to(elsewhere)
        link.symlink_to(store / "gplanted")
    elif intruder == "a link to the store's record":
        link.symlink_to(store / "origin")
    else:
        (store / "gfile").write_text("mine", encoding="utf-8")
        link.symlink_to(store / "gfile")
    (book / "zh.txt").write_text("第一段。\n\n第二段，改了。\n", encoding="utf-8")
    before = (tree(link), tree(elsewhere), tree(live), tree(out / ".cache"))
    result = runner.invoke(app, ["build", str(book), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert str(link) in one_error_line(result.output)
    # refused before anything was made: not even the edited paragraph's clip
    assert (tree(link), tree(elsewhere), tree(live), tree(out / ".cache")) == before


def test_a_link_to_a_generation_that_is_gone_is_the_tools_own(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(out)]).exit_code == 0
    shutil.rmtree((out / "b").resolve())  # as if removed by hand: the link dangles
    rebuilt = runner.invoke(app, ["build", str(book), "--out", str(out)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (out / "b" / "b.kk-zh.mp3").is_file()



def test_killed_rebuild_keeps_the_previous_book_intact(tmp_path: Path) -> None:
    book = make_book(tmp_path / "b")
    out = tmp_path / "out"
    build(load(book), BuildOptions(out=out))
    mp3 = out / "b" / "b.kk-zh.mp3"
    before = mp3.read_bytes()
    make_book(book, kk=KK_PARAGRAPHS[:3] + ["Өзгерген абзац."])
    assert run_driver("tagging", 1, book, out).returncode == -9
    assert mp3.read_bytes() == before


def assert_outputs_as_recorded(folder: Path) -> None:
    """Every file the outputs record names is there, as written (size and SHA-256)."""
    record = json.loads((folder / ".outputs.json").read_text("utf-8"))
    assert {"mp3", "vtt", "json", "html"} <= set(record)
    for entry in record.values():
        for name, (size, sha) in entry["sums"].items():
            data = (folder / name).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha), name


@pytest.mark.parametrize("point", ["removing-old", "old-removed"])
def test_a_rebuild_killed_as_it_drops_the_old_outputs_leaves_the_new_ones_live(
    tmp_path: Path, point: str
) -> None:
    book = make_book(tmp_path / "b")
    out = tmp_path / "out"
    build(load(book), BuildOptions(out=out), formats=DEFAULT_FORMATS)  # as the CLI's build
    make_book(book, kk=KK_PARAGRAPHS[:3] + ["Өзгерген абзац."])
    killed = run_driver(point, 1, book, out)
    assert killed.returncode == -9, killed.stderr.decode()
    # The link names the new outputs before the old ones go: all there, all of this build.
    assert_valid_book(out, "b", 4)
    assert_outputs_as_recorded(out / "b")
    manifest = json.loads((out / "b" / "b.manifest.json").read_text("utf-8"))
    assert manifest["pairs"][3]["texts"]["kk"] == "Өзгерген абзац."
    vtt = (out / "b" / "b.kk-zh.vtt").read_text("utf-8")
    assert "Өзгерген абзац." in re.sub(r"<[^>]*>", "", vtt)  # word timestamps and voice tags off
    rerun = build(load(book), BuildOptions(out=out), formats=DEFAULT_FORMATS)
    assert rerun.unchanged and rerun.written == rerun.removed == [] and rerun.synthesised == 0
    # what was left of the old generation is gone
    assert [p for p in (out / ".books" / "b").iterdir() if p.is_dir()] == [(out / "b").resolve()]

