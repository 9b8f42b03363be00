"""Long clips, mastered a block at a time: what the listener hears is what a whole-clip
master gives (the book's loudness, under its ceiling, the right length).

Expected values come from the rules: the book's loudness and true-peak ceiling, and a
trimmed clip's length (its sound plus 30 ms of margin each side), measured decoded by
ffmpeg's ebur128.
"""

from __future__ import annotations

import numpy as np
import pytest

from reader.audio import blockwise, mastering, mastering_steps
from reader.audio.pcm import Audio
from reader.config import AudioFormat
from reader.pipeline.loading import load
from reader.speech import get as engine
from tests.conftest import SAMPLE
from tests.test_mastering import ebur128, heard, pcm

FMT = AudioFormat()


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for each clip mastering.master takes to blockwise.master, whether that
    mastered it (True) or left it to the whole-clip path (False)."""
    calls: list[bool] = []
    real = blockwise.master

    def spy(audio: Audio, fmt: AudioFormat) -> mastering.Mastered | None:
        made = real(audio, fmt)
        calls.append(made is not None)
        return made

    monkeypatch.setattr(blockwise, "master", spy)
    return calls


def speech_like(seconds: int, rate: int) -> np.ndarray:
    """Bursts of band-limited noise (300 ms on, 100 ms quieter) at changing levels, with
    a loud click every 7 s for the limiter to hold; full scale ±1."""
    rng = np.random.default_rng(2026)
    noise = np.convolve(rng.standard_normal(seconds * rate), np.ones(4) / 4, mode="same")
    step = np.arange(seconds * rate) // (rate // 10)
    level = np.where(step % 4 == 3, 0.02, 0.1) * (1 + 0.5 * np.sin(step / 17))
    x = noise * level
    x[rate * 7 :: rate * 7] = 0.9
    return x


def test_a_long_clip_lands_on_the_books_loudness_under_its_ceiling(used: list[bool]) -> None:
    """130 s of sound between 1 s of near silence (-80 dBFS) at each end, at the engine's
    24 kHz: mastered block by block and resampled to the book's 22.05 kHz, it is the
    sound and 30 ms of margin each side, made digital silence, at -19 LUFS (±0.2) under
    -1.5 dBTP, decoded."""
    rate = 24000
    silence = np.full(rate, 1e-4)
    x = np.concatenate([silence, speech_like(130, rate), silence])
    audio = Audio(pcm(x), rate)
    clip = mastering.master(audio, FMT)
    assert used == [True]
    assert clip.samples == round(130.06 * FMT.sample_rate)
    margin = FMT.sample_rate * 30 // 1000 - 20  # less what resampling smears of the fades
    assert not clip.master[:margin].any() and not clip.master[-margin:].any()
    measured, peak = ebur128(pcm(heard(clip)), FMT.sample_rate)
    assert abs(measured - FMT.loudness_lufs) <= 0.2
    assert peak <= FMT.true_peak_db


@pytest.mark.parametrize("fmt", [FMT, AudioFormat(sample_rate=24000, bitrate_kbps=32)],
                         ids=["book-rate", "resampled"])
def test_block_by_block_and_whole_agree_on_a_clip_at_the_threshold(
        fmt: AudioFormat, used: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample's longest Kazakh paragraph (76 s), with the threshold set just under its
    sound: the two ways give the same master, to one step of 16 bits at most (the clip's
    energy is summed by blocks), the same word marks, and the same loudness decoded."""
    espeak = engine("espeak")
    pair = max(load(SAMPLE).pairs, key=lambda p: min(len(t.text) for _, t in p.texts))
    text = dict(pair.texts)["kk"].text
    audio = espeak.synthesize(text, lang="kk", voice=espeak.default_voice("kk"), options={})
    sound = mastering.sound_bounds(audio, fmt.silence_threshold_db)
    assert sound is not None
    monkeypatch.setattr(mastering_steps, "BLOCKWISE_FROM_S", (sound[1] - sound[0]) // audio.rate)
    by_blocks = mastering.master(audio, fmt)
    monkeypatch.setattr(mastering_steps, "BLOCKWISE_FROM_S", audio.frames // audio.rate + 1)
    whole = mastering.master(audio, fmt)
    assert used == [True]
    assert len(by_blocks.master) == len(whole.master)
    steps = np.abs(by_blocks.master.astype(np.int32) - whole.master)
    assert steps.max() <= 1 and np.count_nonzero(steps) <= len(steps) // 10000
    assert by_blocks.marks == whole.marks and by_blocks.timing == whole.timing
    blocks_lufs, blocks_peak = ebur128(pcm(heard(by_blocks)), fmt.sample_rate)
    whole_lufs, _ = ebur128(pcm(heard(whole)), fmt.sample_rate)
    assert abs(blocks_lufs - whole_lufs) <= 0.05
    assert blocks_peak <= fmt.true_peak_db


def test_a_long_engine_clip_of_little_sound_is_mastered_whole(used: list[bool]) -> None:
    """Two minutes and more of engine audio whose sound, trimmed, is 3 s: mastered whole."""
    rate = 24000
    x = np.concatenate([np.zeros(125 * rate), speech_like(3, rate), np.zeros(rate)])
    clip = mastering.master(Audio(pcm(x), rate), FMT)
    assert used == [False]
    assert clip.samples == round(3.06 * FMT.sample_rate)


def test_true_peaks_found_block_by_block_are_those_of_the_whole_signal() -> None:
    """Each block is oversampled with its neighbours' samples around it: a peak between
    two blocks, or at either end of the signal, is found as in the whole signal."""
    x = np.random.default_rng(1770).standard_normal(5000) * 0.2
    cuts = [0, 1000, 1003, 2500, 4990, 5000]
    x[[999, 1000, 1002, 1003, 0, 4999]] = [0.9, -0.9, 0.8, -0.85, 0.9, -0.9]
    parts = [x[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    found = list(blockwise._envelopes(lambda: iter(parts), 0.3))
    assert [at for at, _ in found] == cuts[:-1]
    whole = mastering.loudness.peak_envelope(x, floor=0.3)
    assert np.array_equal(np.concatenate([envelope for _, envelope in found]), whole)
