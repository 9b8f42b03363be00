"""A clip's key changes with everything that changes its sound, and with nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reader.audio import pcm
from reader.audio.loudness import integrated
from reader.config import AudioFormat
from reader.pipeline.build import build
from reader.pipeline.clips import plan_clips
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .conftest import write_book

KK = "Бірінші абзац.\n\nЕкінші абзац.\n"
ZH = "第一段。\n\n第二段。\n"
BASE = 'order = ["kk", "zh"]\n'


def keys(folder: Path, toml: str) -> dict[tuple[int, str], str]:
    book = write_book(folder, KK, ZH, BASE + toml)
    jobs, _ = plan_clips(load(book))
    return {(job.pair, job.lang): job.key for job in jobs}


@pytest.mark.parametrize(("toml", "changed"), [
    ('[language.kk]\nvoice = "kk+f3"\n', {"kk"}),                 # the voice
    ("[language.kk]\noptions = { rate = 170 }\n", {"kk"}),        # an engine option
    ("[language.zh]\noptions = { pitch = 60 }\n", {"zh"}),
    ("[audio]\nbitrate_kbps = 96\n", {"kk", "zh"}),               # the audio format
    ("[audio]\nsample_rate = 24000\n", {"kk", "zh"}),
    ("[audio]\nloudness_lufs = -23\n", {"kk", "zh"}),
    ("[pauses]\npair = 3.0\n", set()),                           # pauses are separate pieces
    ('album = "Another title"\n', set()),                         # tags are not sound
])
def test_the_key_follows_the_sound(tmp_path: Path, toml: str, changed: set[str]) -> None:
    base = keys(tmp_path / "base", "")
    variant = keys(tmp_path / "variant", toml)
    assert base.keys() == variant.keys()
    differ = {lang for place, lang in base if base[(place, lang)] != variant[(place, lang)]}
    assert differ == changed


def test_the_key_follows_the_text_of_one_paragraph_only(tmp_path: Path) -> None:
    base = keys(tmp_path / "base", "")
    book = write_book(tmp_path / "edited", "Бірінші абзац.\n\nӨзгерген абзац.\n", ZH, BASE)
    jobs, _ = plan_clips(load(book))
    edited = {(job.pair, job.lang): job.key for job in jobs}
    assert [place for place in base if base[place] != edited[place]] == [(2, "kk")]


def test_every_clip_is_brought_to_the_books_loudness(tmp_path: Path) -> None:
    # Two books differing only in their target: each clip, decoded, sits near its own
    # target (a build that skipped normalisation would give both the engine's level).
    levels = {}
    for target in (-16, -26):
        book = write_book(tmp_path / f"t{-target}", KK, ZH,
                          BASE + f"[audio]\nloudness_lufs = {target}\n")
        report = build(load(book), BuildOptions(out=tmp_path / f"out{-target}", jobs=1))
        cache = BuildOptions(out=tmp_path / f"out{-target}").cache_root
        measured = []
        for clip in sorted(cache.glob("??/*.mp3")):
            audio = pcm.decode(clip.read_bytes(), AudioFormat().sample_rate)
            level = integrated(np.frombuffer(audio.samples, "<i2") / 32768, audio.rate)
            if level > -60:  # speech, not a pause
                measured.append(level)
        assert len(measured) == 4, report
        levels[target] = measured
        # Near the target (issue 15 tightens this to ±0.2 LU once the encoder's loss is
        # compensated); what matters here is that the two books differ by their targets.
        assert all(abs(level - target) < 1.5 for level in measured), (target, measured)
    shift = [quiet - loud for loud, quiet in zip(levels[-16], levels[-26], strict=True)]
    assert all(abs(step + 10) < 1.0 for step in shift), shift
