"""Long books: parallel workers change nothing in the output; 1,000 chapters stay complete."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import ID3, CTOCFlags

from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .conftest import GAPLESS_MS, ffmpeg_chapters, write_book


def test_one_worker_and_two_workers_give_byte_identical_audio(tmp_path: Path) -> None:
    kk = "\n\n".join(f"{n}-абзац. Ең соңғы бір шақырым." for n in range(1, 7))
    zh = "\n\n".join(f"第{n}段。最后一公里。" for n in range(1, 7))
    book = write_book(tmp_path / "b", kk, zh)
    one = build(load(book), BuildOptions(out=tmp_path / "one", jobs=1))
    two = build(load(book), BuildOptions(out=tmp_path / "two", jobs=2))
    assert one.synthesised == two.synthesised == 12
    assert one.output.read_bytes() == two.output.read_bytes()
    assert one.manifest.read_text("utf-8") == two.manifest.read_text("utf-8")


def test_a_thousand_pairs_build_with_complete_chapters(tmp_path: Path) -> None:
    kk = "\n\n".join(("Бір.", "Екі.", "Үш.", "Төрт.")[n % 4] for n in range(1000))
    zh = "\n\n".join(("一。", "二。", "三。", "四。")[n % 4] for n in range(1000))
    toml = 'order = ["kk", "zh"]\n[pauses]\nparagraph = 0.1\npair = 0.2\nlead_in = 0\n'
    book = write_book(tmp_path / "thousand", kk, zh, toml)
    report = build(load(book), BuildOptions(out=tmp_path / "out", jobs=2))
    assert report.chapters == 1000
    tags = ID3(report.output)
    chaps = tags.getall("CHAP")
    assert [c.element_id for c in chaps] == [f"ch{i}" for i in range(1, 1001)]
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    (top,) = [t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top.child_element_ids) == 4  # 1000 chapters in parts of at most 255

    def walk(element_id: str) -> list[str]:
        if element_id not in tocs:
            return [element_id]
        assert len(tocs[element_id].child_element_ids) <= 255
        return [leaf for child in tocs[element_id].child_element_ids for leaf in walk(child)]

    assert walk(top.element_id) == [c.element_id for c in chaps]
    read = ffmpeg_chapters(report.output)
    assert len(read) == 1000
    # ffmpeg moves them by the 46 ms of codec delay the gapless fields make it skip.
    assert all(max(0, c.start_time - GAPLESS_MS) <= int(f["START"]) <= c.start_time
               for f, c in zip(read, chaps))
    assert round(report.duration * 1000) - GAPLESS_MS <= int(read[-1]["END"]) <= round(report.duration * 1000)
