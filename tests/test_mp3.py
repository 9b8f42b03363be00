"""MPEG frame parsing, header stripping and the Info frame, on real encoded audio."""

from __future__ import annotations

import pytest

from reader.audio import ffmpeg, mastering
from reader.audio import frames as mp3
from reader.config import AudioFormat
from reader.errors import AudioError

FMT = AudioFormat()


def encoded(seconds: float, xing: bool) -> bytes:
    return ffmpeg.run([
        "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:r=24000", "-ac", "1",
        "-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "1" if xing else "0",
        "-id3v2_version", "3" if xing else "0", "-f", "mp3", "pipe:1",
    ])


def test_counts_frames_and_strips_xing_header_and_id3() -> None:
    bare = mp3.audio_frames(encoded(1.0, xing=False))
    tagged = mp3.audio_frames(encoded(1.0, xing=True))
    assert (bare.sample_rate, bare.samples_per_frame, bare.bitrate, bare.mono) == (24000, 576, 64, True)
    assert tagged.count == bare.count  # the Xing frame and the ID3 tag are not audio
    assert tagged.frames[:4] == bare.frames[:4]
    assert len(bare.frames) == bare.count * 192  # CBR 64 kbit/s at 24 kHz: 192-byte frames
    # 1 s of audio plus the encoder's delay and padding, in 24 ms frames
    assert 42 <= bare.count <= 46


def test_silence_is_frames_of_the_book_format() -> None:
    stream = mp3.audio_frames(mastering.silence(0.6, FMT))
    assert stream.sample_rate == FMT.sample_rate and stream.bitrate == FMT.bitrate_kbps


def test_info_frame_gives_players_the_true_length(tmp_path) -> None:
    one = mp3.audio_frames(encoded(2.0, xing=False))
    joined = one.frames * 50  # 50 clips back to back: ~100 s
    path = tmp_path / "joined.mp3"
    path.write_bytes(mp3.info_frame(one.frames[:4], one.count * 50, len(joined)) + joined)
    from mutagen.mp3 import MP3

    # The frames' samples less LAME's encoder delay, which the gapless fields announce.
    expected = (one.count * 50 * 576 - 576) / 24000
    assert MP3(path).info.length == pytest.approx(expected, abs=0.001)
    assert mp3.audio_frames(path.read_bytes()).count == one.count * 50  # Info frame skipped


@pytest.mark.parametrize(
    "data",
    [b"", b"not an mp3 at all", b"ID3\x03\x00\x00\x00\x00\x00\x05hello"],
)
def test_broken_streams_raise(data: bytes) -> None:
    with pytest.raises(AudioError):
        mp3.audio_frames(data)


def test_truncated_stream_raises() -> None:
    data = encoded(0.5, xing=False)
    with pytest.raises(AudioError, match="broken MP3 stream"):
        mp3.audio_frames(data[:-50])


def _padded_clip() -> bytes:
    """A LAME clip at 22.05 kHz, where frames are 208 or 209 bytes (the padding bit varies)."""
    clip = mastering.silence(3.0, AudioFormat(sample_rate=22050, bitrate_kbps=64))
    sizes = {mp3.parse_header(clip, at).size for at, _ in mp3.iter_frames(clip)}
    assert sizes == {208, 209}
    return clip


def test_uniform_streams_are_walked_without_parsing_and_agree_with_the_parser() -> None:
    """The fast walk (headers equal but for padding) must give what parsing every frame
    gives, on padded LAME output and on a file with an ID3 tag, an Info frame and a TAG."""
    clip = _padded_clip()
    tagged = encoded(1.0, xing=True) + b"TAG" + bytes(125)
    for data in (clip, tagged):
        fast = mp3._uniform_frames(data)
        assert fast is not None
        spans = [(at, at + header.size) for at, header in mp3.iter_frames(data)]
        assert fast.count == len(spans)
        assert fast.frames == data[spans[0][0]:spans[-1][1]]
        assert fast == mp3.audio_frames(data)


def test_a_frame_in_another_channel_mode_is_refused_though_its_size_is_the_same() -> None:
    """Mono and stereo frames of one bit rate have one size: only the header tells them
    apart, so the fast walk must read it, and the parser then refuses the stream."""
    clip = bytearray(_padded_clip())
    middle = [at for at, _ in mp3.iter_frames(bytes(clip))][10]
    clip[middle + 3] &= 0x3F  # channel mode: stereo
    assert mp3._uniform_frames(bytes(clip)) is None
    with pytest.raises(AudioError, match="changes format"):
        mp3.audio_frames(bytes(clip))
