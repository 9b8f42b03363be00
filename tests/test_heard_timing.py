"""Pauses and slow steps as a listener hears them: measured on the decoded book.

A pause is the silence between the end of one clip's sound and the start of
the next's, sound being any 10 ms whose RMS reaches -50 dBFS (the book's
silence threshold). Expected values are the book's settings: 0.5 s lead-in,
0.8 s between paragraphs (and between a pattern's spoken steps), 1.6 s
between pairs, each within 20 ms; a step at @0.8 lasts 1/0.8 = 1.25 times
its normal clip's sound, within 1 %.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

from .conftest import RATE, decode_pcm, heard_bounds, write_book

TOML = ('album = "Heard"\norder = ["kk", "zh"]\n'
        '[language.kk]\nengine = ["espeak"]\n[language.zh]\nengine = ["espeak"]\n'
        '[pauses]\nparagraph = 0.8\npair = 1.6\nlead_in = 0.5\n')
KK = "Ең соңғы бір шақырым. Біз бүгін мектепке бардық.\n\nСәлеметсіз бе? Рахмет, бәрі жақсы.\n"
ZH = "最后一公里。我们今天去了学校。\n\n你好吗？谢谢，一切都很好。\n"


def spans(document: dict) -> list[tuple[str, float, float, float]]:
    """(lang or "gap", start s, end s, speed) of every piece the manifest names, in order."""
    out = []
    for pair in document["pairs"]:
        if "units" in pair:
            for unit in pair["units"]:
                out += [("gap" if "gap" in s else s["lang"], s["start"] / 1000, s["end"] / 1000,
                         s.get("speed", 1.0)) for s in unit["spoken"]]
        else:
            out += [(lang, pair["start"][lang] / 1000, pair["end"][lang] / 1000, 1.0)
                    for lang in ("kk", "zh") if lang in pair["start"]]
    return out


def heard(tmp_path: Path, **how: str) -> tuple[np.ndarray, list[tuple[str, float, float, float]]]:
    book = write_book(tmp_path / "heard", KK, ZH, TOML)
    report = build(load(book, **how), BuildOptions(out=tmp_path / "out", jobs=1))
    pcm = np.frombuffer(decode_pcm(report.output), "<i2") / 32768
    return pcm, spans(json.loads(report.manifest.read_text(encoding="utf-8")))


def sound(x: np.ndarray, start: float, end: float) -> tuple[float, float]:
    found = heard_bounds(x, RATE, start, end)
    assert found is not None
    return found


def test_pauses_are_heard_as_the_book_says(tmp_path: Path) -> None:
    x, pieces = heard(tmp_path)
    assert [p[0] for p in pieces] == ["kk", "zh", "kk", "zh"]
    gaps = []
    for (_, s1, e1, _), (_, s2, e2, _) in zip(pieces, pieces[1:]):
        gaps.append(sound(x, s2, e2)[0] - sound(x, s1, e1)[1])
    assert gaps == pytest.approx([0.8, 1.6, 0.8], abs=0.020)
    assert sound(x, *pieces[0][1:3])[0] == pytest.approx(0.5, abs=0.020)  # the lead-in


def test_slow_steps_play_at_their_speed_and_spoken_steps_keep_the_pause(tmp_path: Path) -> None:
    x, pieces = heard(tmp_path, unit="sentence", pattern="kk zh@0.8 zh")
    ratios, gaps = [], []
    for (k1, s1, e1, v1), (k2, s2, e2, v2) in zip(pieces, pieces[1:]):
        first, second = sound(x, s1, e1), sound(x, s2, e2)
        if k1 == k2 == "zh":
            assert (v1, v2) == (0.8, 1.0)
            ratios.append((first[1] - first[0]) / (second[1] - second[0]))
        if "gap" not in (k1, k2) and s2 - e1 < 1.2:  # within a unit: the paragraph pause
            gaps.append(second[0] - first[1])
    assert len(ratios) == 4 and len(gaps) == 8
    assert ratios == pytest.approx([1 / 0.8] * 4, rel=0.01)
    assert gaps == pytest.approx([0.8] * 8, abs=0.020)
