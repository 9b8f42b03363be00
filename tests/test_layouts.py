"""A layout counts reused clips as its book hears them."""

from __future__ import annotations

from reader.pipeline.clip_job import ClipJob
from reader.pipeline.layouts import ParagraphLayout, UnitLayout
from reader.pipeline.units import UnitClips


def _job(pair: int, key: str) -> ClipJob:
    return ClipJob(pair, "kk", "Сәлем.", "", "espeak", "kk", (), key)


def test_a_paragraph_book_counts_each_paragraph_a_unit_book_each_clip() -> None:
    jobs = [_job(1, "a"), _job(2, "a"), _job(3, "b")]  # paragraphs 1 and 2 are the same text
    paragraphs = ParagraphLayout(None, jobs, {})  # type: ignore[arg-type]
    assert paragraphs.reused(made={"b"}) == 2
    units = UnitLayout(None, UnitClips((), {(0, "kk", 1.0): jobs[0], (1, "kk", 1.0): jobs[1],  # type: ignore[arg-type]
                                            (2, "kk", 1.0): jobs[2]}, {}))
    assert units.reused(made={"b"}) == 1
