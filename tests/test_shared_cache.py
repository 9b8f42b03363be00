"""--cache as an fsspec URL: a shared store that each machine's local folder mirrors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from reader.cli import app

from .conftest import write_book

KK = "Бірінші абзац.\n\nЕкінші абзац.\n"
ZH = "第一段。\n\n第二段。\n"


def test_builds_on_two_machines_share_clips_through_the_store(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    store = tmp_path / "store"
    url = store.as_uri()  # file:///…: the same code path as s3:// or gs://
    runner = CliRunner()
    # Two output folders stand for two machines: each mirrors the store in its own cache.
    first = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "one"),
                                "--cache", url, "--jobs", "2"])
    assert first.exit_code == 0, first.output
    assert "4 clips synthesised" in first.output
    assert len(list(store.glob("??/*.json"))) == len(list(store.glob("??/*.mp3"))) >= 4
    second = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "two"),
                                 "--cache", url])
    assert second.exit_code == 0, second.output
    assert "0 clips synthesised" in second.output
    one = (tmp_path / "one" / "b" / "b.kk-zh.mp3").read_bytes()
    assert (tmp_path / "two" / "b" / "b.kk-zh.mp3").read_bytes() == one


def test_a_damaged_clip_in_the_store_is_made_again_not_trusted(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "one"),
                               "--cache", store.as_uri()]).exit_code == 0
    clip = max(store.glob("??/*.mp3"), key=lambda p: p.stat().st_size)
    data = bytearray(clip.read_bytes())
    data[len(data) // 2] ^= 0xFF
    clip.write_bytes(bytes(data))
    again = runner.invoke(app, ["build", str(book), "--out", str(tmp_path / "two"),
                                "--cache", store.as_uri()])
    assert again.exit_code == 0, again.output
    assert "1 clips synthesised" in again.output and "is damaged" in again.output
    assert clip.read_bytes() != bytes(data)  # the store holds the good clip again


def test_an_unknown_store_is_refused_before_synthesis(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(tmp_path / "o"),
                                      "--cache", "nosuchprotocol://bucket/x"])
    assert result.exit_code == 2
    assert "--cache nosuchprotocol://bucket/x" in result.output
    assert not (tmp_path / "o" / ".cache").exists()


def test_a_percent_encoded_store_path_is_the_folder_it_names(tmp_path: Path) -> None:
    book = write_book(tmp_path / "b", KK, ZH)
    store = tmp_path / "my store"
    url = store.as_uri()
    assert "%20" in url
    result = CliRunner().invoke(app, ["build", str(book), "--out", str(tmp_path / "o"),
                                      "--cache", url])
    assert result.exit_code == 0, result.output
    assert len(list(store.glob("??/*.json"))) >= 4
    assert not (tmp_path / "my%20store").exists()
