"""The clip cache (reader.pipeline.cache): a clip is trusted only as it was written.

The first tests drive `ClipCache` and `cache_location` themselves; the rest
damage the cache of a real build and watch the next build make the clip again.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reader.audio import mastering
from reader.audio.pcm import WordMark
from reader.cli import app
from reader.config import AudioFormat
from reader.errors import ConfigError
from reader.pipeline.build import build
from reader.pipeline.cache import ClipCache, cache_location
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .builds import assert_valid_book, make_book, run
from .conftest import write_book

KK = "Бірінші абзац.\n\nЕкінші абзац.\n"
ZH = "第一段。\n\n第二段。\n"
KEY = "ab" * 32


# --- the cache on its own -----------------------------------------------------------------


@pytest.fixture()
def entry(tmp_path: Path) -> tuple[ClipCache, bytes]:
    """A cache holding one speech clip (half a second) with one word mark; and its MP3."""
    cache = ClipCache(tmp_path / "clips")
    data = mastering.silence(0.5, AudioFormat())
    cache.put(KEY, data, marks=(WordMark(10, 20, 0, 3),), timing="measured",
              samples=11025, padding=300, lang="kk")
    return cache, data


def edit_record(cache: ClipCache, change: dict[str, Any]) -> None:
    path = cache.path(KEY).with_suffix(".json")
    record = json.loads(path.read_text("utf-8"))
    record.update(change)
    path.write_text(json.dumps(record), "utf-8")


def test_an_intact_entry_is_read_back(entry: tuple[ClipCache, bytes]) -> None:
    cache, _ = entry
    found = cache.get(KEY)
    assert found is not None and found.marks == (WordMark(10, 20, 0, 3),)
    assert cache.warnings == []


@pytest.mark.parametrize("change", [
    {"frames": 1}, {"samples": 11026}, {"padding": 0}, {"timing": "estimated"},
    {"marks": [[10, 21, 0, 3]]},
])
def test_the_seal_rejects_an_altered_field(entry: tuple[ClipCache, bytes],
                                          change: dict[str, Any]) -> None:
    cache, _ = entry
    edit_record(cache, change)
    assert cache.get(KEY) is None
    assert len(cache.warnings) == 1 and "record was changed" in cache.warnings[0]
    # the damaged entry is gone, so the build makes it again
    assert not cache.path(KEY).exists() and not cache.path(KEY).with_suffix(".json").exists()


def test_a_field_outside_the_seal_may_change(entry: tuple[ClipCache, bytes]) -> None:
    cache, _ = entry
    edit_record(cache, {"lang": "zh", "duration": 9.0})  # read by planning, not stitched
    assert cache.get(KEY) is not None


def test_a_truncated_entry_is_made_again(entry: tuple[ClipCache, bytes]) -> None:
    cache, data = entry
    cache.path(KEY).write_bytes(data[: len(data) // 2])
    assert cache.get(KEY) is None
    assert f"{len(data) // 2} bytes where" in cache.warnings[0]
    assert not cache.path(KEY).exists()


def test_a_flipped_byte_is_caught_by_the_digest(entry: tuple[ClipCache, bytes]) -> None:
    cache, _ = entry
    frames = bytearray(cache.path(KEY).read_bytes())
    frames[len(frames) // 2] ^= 0xFF
    cache.path(KEY).write_bytes(bytes(frames))
    assert cache.get(KEY) is None and "content changed" in cache.warnings[0]


def test_an_entry_without_its_record_is_incomplete(entry: tuple[ClipCache, bytes]) -> None:
    cache, _ = entry
    cache.path(KEY).with_suffix(".json").unlink()  # a put killed before the record
    assert cache.get(KEY) is None and "half of the entry" in cache.warnings[0]
    assert not cache.path(KEY).exists()


def test_the_record_keeps_the_audio_digest(entry: tuple[ClipCache, bytes]) -> None:
    cache, _ = entry
    record = cache.record(KEY)
    assert record is not None
    assert record["sha256"] == hashlib.sha256(cache.path(KEY).read_bytes()).hexdigest()
    edit_record(cache, {"lang": 5})  # an optional field of the wrong type is left out
    assert "lang" not in (cache.record(KEY) or {"lang": 5})


@pytest.mark.parametrize(("value", "expected"), [
    ("FILE:///srv/x", (None, "file:///srv/x")),  # the scheme in any case
    ("file:///srv/a%3Fb%23c", (None, "file:///srv/a?b#c")),  # escaped ? and # are names
    ("/srv/folder", (Path("/srv/folder"), None)),
    ("gs://bucket/prefix/", (None, "gs://bucket/prefix/")),
    ("folder:with:colons", (Path("folder:with:colons"), None)),  # no "://": a folder
])
def test_cache_location_table(value: str, expected: tuple[Path | None, str | None]) -> None:
    assert cache_location(value) == expected


# --- moved: cache_location, word marks, and the cache under real builds ---------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("file:///srv/a%20b", (None, "file:///srv/a b")),  # escapes decoded
    ("file://localhost/srv/c", (None, "file:///srv/c")),
    ("file:/srv/c", (None, "file:///srv/c")),
    ("s3://bucket/x", (None, "s3://bucket/x")),
    ("some/folder", (Path("some/folder"), None)),
])
def test_cache_values_name_a_folder_or_a_store(value: str,
                                                expected: tuple[Path | None, str | None]) -> None:
    assert cache_location(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("file:relative", "needs an absolute path"),
    ("file://", "needs an absolute path"),
    ("file:", "needs an absolute path"),
    ("file://relative/x", "names the host 'relative'"),  # a host, not a folder here
    ("file://other.example/srv/x", "names the host 'other.example'"),
    ("file:///srv/x?y", "no '?' or '#'"),
    ("", "empty"),
])
def test_a_cache_url_that_names_no_folder_here_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(ConfigError, match=re.escape(message)):
        cache_location(value)
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(tmp_path / "o"),
                                      "--cache", value])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert list(work.iterdir()) == []  # no clip folders in the working directory
    assert not (tmp_path / "o").exists()




def test_cached_marks_round_trip_and_are_sealed(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    data = mastering.silence(0.5, AudioFormat())
    marks = (WordMark(10, 20, 0, 3),)
    cache.put("ab" * 32, data, marks=marks, timing="measured")
    found = cache.get("ab" * 32)
    assert found is not None and found.marks == marks and found.timing == "measured"
    record = cache._meta_path("ab" * 32)
    meta = json.loads(record.read_text())
    meta["marks"] = [[10, 25, 0, 3]]
    record.write_text(json.dumps(meta))
    assert cache.get("ab" * 32) is None  # a changed mark breaks the seal
    cache.put("cd" * 32, data)  # a record from before word times
    old = cache.get("cd" * 32)
    assert old is not None and old.timing is None and old.marks == ()




def test_an_edited_frame_count_is_caught_and_the_clip_made_again(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    first = build(load(book), options)
    manifest = json.loads(first.manifest.read_text(encoding="utf-8"))
    key = manifest["pairs"][0]["clips"]["kk"]
    record_path = options.cache_root / key[:2] / f"{key}.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["frames"] += 100  # chapter times would move by 2.4 s
    record_path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(options.out)])
    assert result.exit_code == 0, result.output
    assert result.output.count("is damaged") == 1  # said once, not twice
    assert "record was changed" in result.output and "synthesised" in result.output
    again = json.loads((options.out / "b" / "b.manifest.json").read_text(encoding="utf-8"))
    assert again == manifest  # same chapter times as the first, true build


@pytest.mark.parametrize("record", ['{"frames": "12", "bytes": 1, "sha256": "x"}', "[]", "{"])
def test_a_clip_record_of_the_wrong_shape_is_remade_not_trusted(
    tmp_path: Path, record: str
) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    options = BuildOptions(out=tmp_path / "out", jobs=1)
    first = build(load(book), options)
    key = json.loads(first.manifest.read_text(encoding="utf-8"))["pairs"][1]["clips"]["zh"]
    (options.cache_root / key[:2] / f"{key}.json").write_text(record, encoding="utf-8")
    code, output = run("plan", str(book), "--out", str(options.out))
    assert code == 0 and "synthesise: 1 clips" in output, output
    again = build(load(book), options)
    assert again.synthesised == 1 and any("damaged" in w for w in again.warnings)




def test_a_damaged_cache_entry_is_remade_with_a_warning(tmp_path: Path) -> None:
    book = make_book(tmp_path / "b")
    options = BuildOptions(out=tmp_path / "out")
    first = build(load(book), options)
    key = json.loads(first.manifest.read_text("utf-8"))["pairs"][2]["clips"]["kk"]
    clip = options.cache_root / key[:2] / f"{key}.mp3"
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])  # truncated
    second = build(load(book), options)
    assert second.synthesised == 1
    assert any("damaged" in w and key in w for w in second.warnings)
    assert_valid_book(options.out, "b", 4)
    # Flipped bytes of the same length are caught too (SHA-256 of the content).
    data = bytearray(clip.read_bytes())
    data[500] ^= 0xFF
    clip.write_bytes(bytes(data))
    assert build(load(book), options).synthesised == 1




