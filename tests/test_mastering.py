"""Mastering as a listener hears it: loudness, true peak, fades, gapless fields, ACX figures.

Expected values come from the rules: BS.1770-4 (a 997 Hz sine at 0 dBFS reads
-3.01 LUFS; true peak is the 4× oversampled peak), the LAME tag's layout, ACX's
published requirements. Clips are measured decoded, by ffmpeg's ebur128 and
by mpg123 where it is installed, not by the code that made them.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from reader.audio import ffmpeg, frames, loudness, mastering
from reader.audio.pcm import Audio
from reader.config import AudioFormat
from reader.pipeline.build import build
from reader.pipeline.cache import ClipCache
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions
from reader.speech import get as engine
from tests.conftest import SAMPLE, heard_bounds, write_book

FMT = AudioFormat()


def ebur128(pcm: bytes, rate: int) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of 16-bit mono PCM, by ffmpeg's ebur128 filter."""
    report = ffmpeg.run_stderr(
        ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
         "-af", "ebur128=framelog=quiet:peak=true", "-f", "null", "-"], stdin=pcm)
    summary = report[report.rindex("Summary:"):]
    integrated = float(re.findall(r"I:\s*(-?[\d.]+) LUFS", summary)[0])
    peak = float(re.findall(r"Peak:\s*(-?[\d.]+|-inf) dBFS", summary)[0])
    return integrated, peak


def pcm(x: np.ndarray) -> bytes:
    return np.clip(np.round(x * 32768), -32768, 32767).astype("<i2").tobytes()


def decoded(mp3: bytes | Path, rate: int) -> np.ndarray:
    """Decoded by ffmpeg. Give a file, not bytes, where the end matters: through a pipe
    ffmpeg cannot honour a padding of a whole frame or more."""
    source = str(mp3) if isinstance(mp3, Path) else "pipe:0"
    raw = ffmpeg.run(["-i", source, "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"],
                     stdin=None if isinstance(mp3, Path) else mp3)
    return np.frombuffer(raw, "<i2").astype(np.float64) / 32768


def true_peak(x: np.ndarray) -> float:
    """True peak in dBTP by reader's oversampled peak envelope, interpolated around every
    sample within 6 dB of the loudest."""
    return 20 * math.log10(float(loudness.peak_envelope(x, floor=np.abs(x).max() / 2).max()))


def ideal_peak(x: np.ndarray, factor: int = 4) -> float:
    """The peak of x at `factor` × its rate by ideal (FFT) interpolation, in dB: the reference."""
    size = 1 << (len(x) + 64 - 1).bit_length()
    return 20 * math.log10(np.abs(np.fft.irfft(np.fft.rfft(x, size), size * factor)).max()
                           * factor)


# --- the measurements themselves ---------------------------------------------------------


@pytest.mark.parametrize("rate", [16000, 22050, 24000, 44100, 48000])
def test_a_997_hz_sine_reads_as_bs1770_says(rate: int) -> None:
    """0 dBFS sine at 997 Hz = -3.01 LUFS, so one at -20 dBFS reads -23.01.

    Exact at 48 kHz (the standard's own coefficients); other rates get their
    filters by the bilinear transform, whose warping near 8 kHz costs 0.04 LU
    at 16 kHz.
    """
    t = np.arange(rate * 5) / rate
    x = 0.1 * np.sin(2 * np.pi * 997 * t)
    tolerance = 0.005 if rate == 48000 else 0.05
    assert loudness.integrated(x, rate) == pytest.approx(-23.01, abs=tolerance)


def test_loudness_agrees_with_ffmpeg_ebur128_on_speech_and_gated_silence() -> None:
    espeak = engine("espeak")
    spoken = {lang: espeak.synthesize(text, lang=lang, voice=espeak.default_voice(lang),
                                      options={})
              for lang, text in (("kk", "Ең соңғы бір шақырым. Кедейлікпен күрес."),
                                 ("zh", "最后一公里。为加强脱贫攻坚一线工作力量。"))}
    for audio in spoken.values():
        x = np.frombuffer(audio.samples, "<i2").astype(np.float64) / 32768
        # Speech, then 3 s of near-silence that the relative gate must leave out.
        quiet = np.random.default_rng(1).standard_normal(3 * audio.rate) * 1e-3
        for signal in (x, np.concatenate((x, quiet)), 0.3 * x):
            ours = loudness.integrated(signal, audio.rate)
            theirs, _ = ebur128(pcm(signal), audio.rate)
            assert abs(ours - theirs) <= 0.1, (ours, theirs)  # ffmpeg prints one decimal


def test_true_peak_finds_the_peak_between_samples() -> None:
    """A sine at a quarter of the rate, sampled 45° off its crests: samples at 0.707, peak 1."""
    n = np.arange(4800)
    taper = np.minimum(1, np.minimum(n, n[-1] - n) / 400)  # no edges to ring at
    x = 0.5 * np.sin(np.pi * n / 2 + np.pi / 4) * taper
    assert 20 * math.log10(np.abs(x).max()) == pytest.approx(-9.03, abs=0.01)
    assert true_peak(x) == pytest.approx(-6.02, abs=0.02)
    # Noise band-limited to 0.8 × Nyquist (9.6 kHz at 24 kHz, above speech's peaks):
    # as the ideal (FFT) interpolation finds it.
    spectrum = np.fft.rfft(np.random.default_rng(3).standard_normal(24000))
    spectrum[int(len(spectrum) * 0.8):] = 0
    m = np.arange(24000)
    noise = np.fft.irfft(spectrum, 24000) * 0.2 * np.minimum(1, np.minimum(m, m[-1] - m) / 2000)
    assert true_peak(noise) == pytest.approx(ideal_peak(noise), abs=0.02)


@pytest.mark.parametrize("length", [2, 9, 15, 16, 40])
def test_peak_envelope_sees_silence_beyond_the_ends(length: int) -> None:
    """Peaks at a clip's very ends are interpolated as if silence lay beyond them: the
    envelope equals that of the same samples with silence added on both sides."""
    x = np.random.default_rng(length).uniform(-0.9, 0.9, length)
    padded = np.concatenate((np.zeros(20), x, np.zeros(20)))
    expected = loudness.peak_envelope(padded)[20 : 20 + length]
    assert np.allclose(loudness.peak_envelope(x), expected, rtol=0, atol=1e-12)
    assert (expected > np.abs(x) + 1e-3).any()  # some peaks do lie between samples


def test_resampling_keeps_a_tone_and_its_level() -> None:
    t = np.arange(22050) / 22050
    x = 0.5 * np.sin(2 * np.pi * 1000 * t)
    y = loudness.resample(x, 22050, 24000)
    assert len(y) == 24000
    expected = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(24000) / 24000)
    middle = slice(1000, 23000)
    assert np.abs(y[middle] - expected[middle]).max() < 1e-3


# --- the sample's clips, decoded ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample_clips() -> list[tuple[str, mastering.Mastered]]:
    """Every paragraph of the sample book, both languages, mastered in the book's format."""
    loaded = load(SAMPLE)
    espeak = engine("espeak")
    made = []
    for pair in loaded.pairs:
        for lang, paragraph in pair.texts:
            audio = espeak.synthesize(paragraph.text, lang=lang,
                                      voice=espeak.default_voice(lang), options={})
            made.append((f"{pair.index}-{lang}", mastering.master(audio, FMT)))
    return made


def heard(clip: mastering.Mastered) -> np.ndarray:
    """The clip as a listener hears it in the book: decoded by ffmpeg, less the delay
    before it (LAME's and the decoder's: a lone clip has no LAME tag to say so) and the
    padding after it, which the book's gapless joins drop."""
    audio = decoded(clip.mp3, clip.rate)
    start = mastering.ENCODER_DELAY + frames.DECODER_DELAY
    assert len(audio) >= start + clip.samples
    return audio[start : start + clip.samples]


def test_every_sample_clip_is_within_0_2_lu_and_under_the_ceiling(sample_clips) -> None:
    """±0.2 LU, as the issue asks, measured by ffmpeg on the decoded clip from its first
    sample (as mastering measures it)."""
    assert {name.split("-")[1] for name, _ in sample_clips} == {"kk", "zh"}
    for name, clip in sample_clips:
        measured, peak = ebur128(pcm(heard(clip)), FMT.sample_rate)
        assert abs(measured - FMT.loudness_lufs) <= 0.2, (name, measured)
        assert peak <= FMT.true_peak_db, (name, peak)


#: Short lines (titles, dialogue, an Anki sentence): one word to a phrase, 0.25–3 s.
SHORT = [("kk", "Иә."), ("kk", "Бір сөз."), ("kk", "Екі сөз бар."), ("kk", "Сәлеметсіз бе?"),
         ("kk", "Ең соңғы бір шақырым"), ("kk", "Біз бүгін мектепке бардық."),
         ("zh", "好。"), ("zh", "谢谢你。"), ("zh", "最后一公里。"), ("zh", "他们说，生活越来越好了。")]


def test_short_clips_land_on_the_target_decoded() -> None:
    """A clip of 0.4 s or more reads the target (±0.2 LU) by BS.1770's gated measure of the
    decoded clip from its first sample; one shorter than a 400 ms block, which the gate
    cannot measure, reads it looped (the mean square of the clip, ungated)."""
    espeak = engine("espeak")
    lengths = []
    for lang, text in SHORT:
        clip = mastering.master(espeak.synthesize(text, lang=lang, voice=espeak.default_voice(lang),
                                                  options={}), FMT)
        x = heard(clip)
        lengths.append(len(x) / FMT.sample_rate)
        if len(x) < 0.4 * FMT.sample_rate:
            x = np.tile(x, 3 * FMT.sample_rate // len(x) + 1)
        measured, _ = ebur128(pcm(x), FMT.sample_rate)
        assert abs(measured - FMT.loudness_lufs) <= 0.2, (text, len(x), measured)
    assert min(lengths) < 0.4 and any(0.4 <= n < 1 for n in lengths) and 2.5 < max(lengths) < 3.5


def test_lame_scales_by_its_default_0_95_at_speech_rates() -> None:
    """LAME's input scale defaults to 0.95 (−0.446 dB): the gain mastering allows for."""
    assert mastering.encoder_gain_db(FMT) == pytest.approx(20 * math.log10(0.95), abs=0.01)


@pytest.mark.parametrize("fmt", [
    AudioFormat(bitrate_kbps=32),
    AudioFormat(sample_rate=22050, bitrate_kbps=48, loudness_lufs=-16.0, true_peak_db=-1.0),
    AudioFormat(sample_rate=44100, bitrate_kbps=192, loudness_lufs=-20.0, true_peak_db=-3.0),
    AudioFormat(sample_rate=48000, bitrate_kbps=320),
], ids=["24k-32k", "22k-48k", "acx", "48k-320k"])
def test_clips_land_on_the_target_in_other_formats(fmt: AudioFormat) -> None:
    """The encoder's gain differs by format (−0.26 dB at 44.1 kHz and 192 kbit/s, none at
    320 kbit/s): each is measured."""
    espeak = engine("espeak")
    pair = load(SAMPLE).pairs[1]
    for lang, paragraph in pair.texts:
        audio = espeak.synthesize(paragraph.text, lang=lang, voice=espeak.default_voice(lang),
                                  options={})
        clip = mastering.master(audio, fmt)
        measured, peak = ebur128(pcm(heard(clip)), fmt.sample_rate)
        assert abs(measured - fmt.loudness_lufs) <= 0.15, (lang, measured)
        assert peak <= fmt.true_peak_db, (lang, peak)


def test_long_clips_land_on_the_target_by_the_limiters_estimated_loss() -> None:
    """A long, lightly limited clip is not measured again after limiting: the gain that
    makes up what the limiter takes is estimated from the energy it removes. Decoded and
    measured, each of the sample's longest pair must still land within ±0.05 LU."""
    espeak = engine("espeak")
    pair = max(load(SAMPLE).pairs, key=lambda p: min(len(t.text) for _, t in p.texts))
    for lang, paragraph in pair.texts:
        audio = espeak.synthesize(paragraph.text, lang=lang, voice=espeak.default_voice(lang),
                                  options={})
        sound = mastering.edged(audio, FMT.silence_threshold_db)
        assert len(sound) >= 20 * audio.rate, lang
        plain = sound * 10 ** ((FMT.loudness_lufs - loudness.integrated(sound, audio.rate)) / 20)
        assert true_peak(plain) > FMT.true_peak_db + 1, lang  # the limiter has work
        clip = mastering.master(audio, FMT)
        measured = loudness.integrated(heard(clip), FMT.sample_rate)
        assert abs(measured - FMT.loudness_lufs) <= 0.05, (lang, measured)


def _windows_db(x: np.ndarray, rate: int, ms: int = 5) -> np.ndarray:
    size = rate * ms // 1000
    count = len(x) // size
    rms = np.sqrt((x[: count * size].reshape(count, size) ** 2).mean(axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-9))


def test_every_sample_clip_fades_in_and_out(sample_clips) -> None:
    """No step from speech to silence: the last 5 ms of sound lie far under the speech level.

    Without the fade, espeak's clips fall from speech level (−7…−30 dBFS) to
    silence within one 5 ms window.
    """
    for name, clip in sample_clips:
        levels = _windows_db(heard(clip), FMT.sample_rate)
        speech = 10 * math.log10(np.mean(10 ** (levels[levels > -50] / 10)))
        sound = np.flatnonzero(levels > -60)
        last, first = levels[sound[-1]], levels[sound[0]]
        assert last <= speech - 20, (name, last, speech)
        # The last 10 ms of sound: already well under speech (a fade, not a cut).
        assert levels[sound[-1] - 1] <= speech - 12, (name, levels[sound[-1] - 1], speech)
        assert first <= speech - 20, (name, first, speech)


def test_edges_keep_the_length_and_silence_the_margin() -> None:
    rate = 24000
    x = np.concatenate((np.full(rate, 0.5), np.zeros(720)))  # speech cut dead, 30 ms margin
    y = mastering.edged(Audio(pcm(x), rate), -50)
    assert len(y) == len(x)
    assert y[rate - 1] < 1e-3 and not y[rate:].any()
    assert y[0] < 0.01 and y[rate // 2] == 0.5


def test_silence_piece_is_digital_silence_of_the_asked_length() -> None:
    piece = mastering.silence_piece(0.8, FMT)
    assert piece.samples == round(0.8 * FMT.sample_rate) and not piece.master.any()
    stream = frames.audio_frames(piece.mp3)
    assert stream.count * 576 == mastering.ENCODER_DELAY + piece.samples + piece.padding


@pytest.mark.parametrize("fmt", [FMT, AudioFormat(sample_rate=44100, bitrate_kbps=192),
                                 AudioFormat(sample_rate=16000, bitrate_kbps=32)])
def test_silence_frames_are_exactly_as_many_frames_as_asked(fmt: AudioFormat) -> None:
    for count in (2, 3, 31, 62):
        piece = mastering.silence_frames(count, fmt)
        assert frames.audio_frames(piece.mp3).count == count and not piece.master.any()
        assert piece.edges == (count * piece.stream.samples_per_frame,) * 2


def test_a_clips_edges_are_the_silence_it_brings_to_a_pause() -> None:
    """Its frames, decoded as laid in the book, hold sound only between its two edges."""
    espeak = engine("espeak")
    clip = mastering.master(espeak.synthesize("Бір сөз.", lang="kk", voice="kk", options={}), FMT)
    lead, trail = clip.edges
    x = decoded(clip.mp3, clip.rate)[frames.DECODER_DELAY:]  # as the frames are laid
    found = heard_bounds(x, FMT.sample_rate, 0, clip.stream.count * 576 / FMT.sample_rate)
    assert found is not None
    assert found[0] * FMT.sample_rate == pytest.approx(lead, abs=0.006 * FMT.sample_rate)
    assert (clip.stream.count * 576 - found[1] * FMT.sample_rate
            == pytest.approx(trail, abs=0.006 * FMT.sample_rate))


# --- gapless -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("gapless")
    book = write_book(root / "tiny", "Бірінші абзац.\n\nЕкінші абзац.\n",
                      "第一段。\n\n第二段。\n")
    loaded = load(book)
    report = build(loaded, BuildOptions(out=root / "out", jobs=2))
    return loaded, report, ClipCache(root / "out" / ".cache" / "clips")


def test_gapless_fields_hold_lames_delay_and_the_last_pieces_padding(tiny_book) -> None:
    loaded, report, cache = tiny_book
    data = report.output.read_bytes()
    gapless = frames.read_gapless(data)
    assert gapless is not None
    # The book ends with the pair pause: a silence piece of whole frames, whose samples
    # LAME ends with one frame of padding (its 576 delay and look-ahead take two frames).
    assert gapless == frames.Gapless(576, 576)
    # Decoded length = all frames' samples less delay and padding, as the fields say.
    stream = frames.audio_frames(data)
    expected = stream.count * 576 - gapless.delay - gapless.padding
    assert len(decoded(report.output, FMT.sample_rate)) == expected


@pytest.mark.skipif(shutil.which("mpg123") is None, reason="mpg123 is not installed")
def test_mpg123_and_ffmpeg_decode_the_book_to_the_same_samples(tiny_book) -> None:
    _, report, _ = tiny_book
    by_mpg123 = subprocess.run(["mpg123", "-q", "-m", "-s", str(report.output)],
                               capture_output=True, check=True).stdout
    ours = np.frombuffer(by_mpg123, "<i2").astype(np.float64) / 32768
    theirs = decoded(report.output, FMT.sample_rate)
    assert len(ours) == len(theirs)
    assert np.abs(ours - theirs).max() <= 2 / 32768  # the same samples, up to rounding


def test_info_frame_round_trips_its_gapless_fields() -> None:
    header = frames.audio_frames(mastering.silence(0.1, FMT)).frames[:4]
    frame = frames.info_frame(header, 100, 19_200, delay=576, padding=1151)
    assert len(frame) == 72 * 64_000 // FMT.sample_rate  # an MPEG-2 frame at 64 kbit/s
    assert frames.read_gapless(frame) == frames.Gapless(576, 1151)
    lame = frame.index(b"LAME")
    # The tag's CRC-16 covers the frame up to itself (LAME's definition).
    crc_at = lame + 34
    assert int.from_bytes(frame[crc_at : crc_at + 2], "big") == frames._crc16(frame[:crc_at])
    with pytest.raises(Exception, match="out of range"):
        frames.info_frame(header, 1, 1, padding=5000)


# --- ACX ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def acx_book(tmp_path_factory: pytest.TempPathFactory):
    """The sample built with --preset acx: (loaded book, build report). Its lead-in and
    closing pause are shorter than ACX's room tone, which the ACX files must add."""
    root = tmp_path_factory.mktemp("acx")
    shutil.copytree(SAMPLE, root / "last-mile")
    toml = root / "last-mile" / "book.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("pair = 1.6", "pair = 0.9").replace("lead_in = 0.5",
                                                                     "lead_in = 0.1"),
                    encoding="utf-8")
    loaded = load(root / "last-mile", preset="acx")
    return loaded, build(loaded, BuildOptions(out=root / "out", jobs=2))


def _acx_figures(audio: np.ndarray, rate: int) -> None:
    """ACX's figures of one decoded file: peaks ≤ −3 dB, RMS −23…−18 dB, noise floor ≤ −60 dB."""
    _, peak = ebur128(pcm(audio), rate)
    assert peak <= -3.0
    rms = 20 * math.log10(np.sqrt(np.mean(audio ** 2)))
    assert -23 <= rms <= -18, rms
    half_seconds = _windows_db(audio, rate, ms=500)
    assert half_seconds.min() <= -60


def test_acx_preset_meets_acx_figures(acx_book) -> None:
    """44.1 kHz, 192 kbit/s CBR, peaks ≤ −3 dB, RMS −23…−18 dB, noise floor ≤ −60 dBFS."""
    _, report = acx_book
    data = report.output.read_bytes()
    stream = frames.audio_frames(data)
    assert (stream.sample_rate, stream.bitrate, stream.mono) == (44100, 192, True)
    _acx_figures(decoded(data, 44100), 44100)
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert manifest["audio"]["sample_rate"] == 44100


def test_acx_preset_writes_a_file_per_chapter_each_with_room_tone(acx_book) -> None:
    """ACX: one chapter per file (the sample has no sections: a file per pair, its heading
    of a few seconds opening the first chapter's file, since alone it would be under
    ACX's RMS floor), 0.5–1 s of room tone before the first words and 1–5 s after the
    last, 44.1 kHz 192 kbit/s CBR MP3, ACX's levels in each file, none over 120 minutes."""
    from mutagen.id3 import ID3
    from mutagen.mp3 import MP3, BitrateMode

    _, report = acx_book
    files = sorted((report.output.parent / "acx").glob("*.mp3"))
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert len(manifest["pairs"]) == 4  # the heading, then three paragraphs
    assert [len(ID3(path).getall("CHAP")) for path in files] == [2, 1, 1]
    firsts = [manifest["pairs"][i]["texts"]["kk"] for i in (0, 2, 3)]
    for number, (path, first) in enumerate(zip(files, firsts), start=1):
        assert path.name.startswith(f"{number:02d} - {first[:12]}")
        info = MP3(path).info
        assert (info.sample_rate, info.bitrate_mode, info.channels) == (44100, BitrateMode.CBR, 1)
        headers = {(h.sample_rate, h.bitrate) for _, h in frames.iter_frames(path.read_bytes())}
        assert headers == {(44100, 192)}  # every frame
        assert info.length < 120 * 60
        audio = decoded(path, 44100)
        sound = np.flatnonzero(_windows_db(audio, 44100, ms=5) > -60)
        head = sound[0] * 0.005
        tail = len(audio) / 44100 - (sound[-1] + 1) * 0.005
        assert 0.5 <= head <= 1.0, (path.name, head)
        assert 1.0 <= tail <= 5.0, (path.name, tail)
        _acx_figures(audio, 44100)


def test_lame_q7_scores_no_lower_than_lames_default_in_pesq_wb(sample_clips) -> None:
    """The speed-up's quality bar: PESQ-WB (P.862.2) of the clips (LAME q7, 22.05 kHz) ≥ what
    the issue measured reader's first version at: ffmpeg's default LAME, 24 kHz, 64 kbit/s."""
    pesq = pytest.importorskip("pesq").pesq
    for name, clip in sample_clips:
        if not name.startswith("2-"):  # the first body paragraph, both languages (~18 s each)
            continue
        master = clip.master.astype(np.float64)
        by_default = ffmpeg.run(["-f", "s16le", "-ar", str(clip.rate), "-ac", "1", "-i", "pipe:0",
                                 "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "64k",
                                 "-f", "mp3", "pipe:1"], stdin=clip.master.astype("<i2").tobytes())
        scores = []
        for mp3 in (by_default, clip.mp3):
            back = decoded(mp3, clip.rate) * 32768
            lag = max(range(2400), key=lambda d: float(np.dot(master[:20000], back[d : d + 20000])))
            test = np.pad(back[lag : lag + len(master)], (0, max(0, len(master) - len(back) + lag)))
            scores.append(pesq(16000, loudness.resample(master, clip.rate, 16000) / 32768,
                               loudness.resample(test[: len(master)], clip.rate, 16000) / 32768,
                               "wb"))
        assert scores[1] >= scores[0] - 0.02, (name, scores)
