"""book.toml: the sample loads; each kind of mistake gives one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config import Book, Voice, load_book
from reader.errors import ConfigError

from .conftest import SAMPLE, write_book


def test_sample_book_loads() -> None:
    book = load_book(SAMPLE)
    assert book.id == "last-mile"
    assert book.order == ("kk", "zh")
    assert book.title("kk") == "Ең соңғы бір шақырым"
    assert book.title("zh") == "最后一公里"
    assert (book.date, book.source) == ("2021-01-08", "russian.china.org.cn")
    assert book.voice("zh") == Voice(("espeak",), "cmn", ())
    assert book.pauses.pair > book.pauses.paragraph > 0


def test_defaults_without_book_toml(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。")
    (folder / "book.toml").unlink()
    book = load_book(folder)
    assert book.order == ("kk", "zh") and book.voice("kk").engines == ("espeak",)


@pytest.mark.parametrize(
    ("toml", "pattern"),
    [
        ('title = "x"\ncolour = 1\n', r"book\.toml: colour: unknown key; use one of: title"),
        ('order = ["kk"]\n', r"order: a book needs exactly two languages"),
        ('order = ["kk", "Chinese"]\n', r"'Chinese' is not a language code"),
        ('order = ["kk", "zh"]\n[pauses]\npair = -1\n', r"pauses\.pair: -1\.0 s is out of range"),
        ('order = ["kk", "zh"]\n[pauses]\npair = "long"\n', r"pauses\.pair: expected int or float"),
        ('order = ["kk", "zh"]\n[language.kk]\nvoise = "kk"\n', r"language\.kk\.voise: unknown key"),
        ('order = ["kk", "zh"]\n[language.ru]\nvoice = "ru"\n', r"language\.ru: not in order"),
        ('order = ["kk", "zh"]\n[language.kk]\nengine = []\n', r"empty engine list"),
        ('order = ["kk", "zh"]\n[audio]\nsample_rate = 23000\n', r"23000 Hz is not an MP3 rate"),
        ('order = ["kk", "zh"]\ncover = "cover.jpg"\n', r"cover: no file 'cover.jpg'"),
        ('order = ["kk", "zh"]\nunpaired = "drop"\n', r"unpaired: 'drop' is not a choice"),
        ('order = ["kk", "zh"]\ntitle = "a" "b"\n', r"invalid TOML: .*line 2"),
    ],
)
def test_config_errors_name_file_key_and_fix(tmp_path: Path, toml: str, pattern: str) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。", toml)
    with pytest.raises(ConfigError, match=pattern) as caught:
        load_book(folder)
    assert str(folder / "book.toml") in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cli_overrides_win_over_book_toml() -> None:
    book = load_book(SAMPLE)
    changed = book.with_overrides(order=("zh", "kk"), engines={"zh": ("gtts", "espeak")})
    assert changed.order == ("zh", "kk")
    assert changed.voice("zh").engines == ("gtts", "espeak")
    assert changed.voice("zh").voice == "cmn"  # the rest of book.toml stays
    assert isinstance(changed, Book) and book.order == ("kk", "zh")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"order": ("kk", "en")}, r"--order kk,en: must list exactly the book's languages"),
        ({"engines": {"ru": ("espeak",)}}, r"--engine ru=…: the book has no language 'ru'"),
    ],
)
def test_bad_overrides(kwargs: dict, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        load_book(SAMPLE).with_overrides(**kwargs)


def test_a_voice_per_engine_of_the_chain(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。", 'order = ["kk", "zh"]\n[language.zh]\n'
                        'engine = ["gtts", "espeak"]\nvoice = { espeak = "cmn", gtts = "zh-TW" }\n')
    voice = load_book(folder).voice("zh")
    assert (voice.voice_for("espeak"), voice.voice_for("gtts"), voice.voice_for("other")) == (
        "cmn", "zh-TW", None)
    assert load_book(SAMPLE).voice("zh").voice_for("gtts") == "cmn"  # one voice for all


def test_a_voice_table_needs_names(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。",
                        'order = ["kk", "zh"]\n[language.zh]\nvoice = { espeak = 1 }\n')
    with pytest.raises(ConfigError, match=r"language\.zh\.voice\.espeak: expected a voice name"):
        load_book(folder)


# --- [audio]: the true-peak ceiling and presets ------------------------------------------


@pytest.mark.parametrize(
    ("audio", "pattern"),
    [
        ("true_peak_db = 100", r"book\.toml: audio\.true_peak_db: 100 dBTP is out of range; use"),
        ("true_peak = 0.5", r"audio\.true_peak: 0\.5 dBTP is out of range"),
        ("true_peak = -12", r"audio\.true_peak: -12 dBTP is out of range"),
        ('preset = "podcast"', r"audio\.preset: no preset 'podcast'; use one of: acx"),
        ("bitrate_kbps = 192", r"192 kbit/s is not an MP3 bit rate at 22050 Hz"),
        ("sample_rate = 44100\nbitrate_kbps = 144", r"144 kbit/s is not an MP3 bit rate at 44100"),
        ("silence_threshold_db = 5", r"audio\.silence_threshold_db: 5 is out of range"),
    ],
)
def test_bad_audio_settings_are_refused(tmp_path: Path, audio: str, pattern: str) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。", f'order = ["kk", "zh"]\n[audio]\n{audio}\n')
    with pytest.raises(ConfigError, match=pattern) as caught:
        load_book(folder)
    assert "\n" not in str(caught.value)


def test_true_peak_ceiling_is_a_setting(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。", 'order = ["kk", "zh"]\n[audio]\ntrue_peak = -2\n')
    assert load_book(folder).audio.true_peak_db == -2.0
    assert load_book(SAMPLE).audio.true_peak_db == -1.5  # the default


def test_acx_preset_in_book_toml_and_on_the_command_line(tmp_path: Path) -> None:
    toml = 'order = ["kk", "zh"]\n[audio]\npreset = "acx"\nloudness_lufs = -21\n'
    book = load_book(write_book(tmp_path / "b", "Бір.", "一。", toml))
    audio = book.audio
    assert (book.preset, load_book(SAMPLE).preset) == ("acx", "")  # ACX's files follow it
    # ACX: 44.1 kHz, 192 kbit/s CBR, peaks at most -3 dB; the book's own key wins.
    assert (audio.sample_rate, audio.bitrate_kbps, audio.true_peak_db) == (44100, 192, -3.0)
    assert audio.loudness_lufs == -21
    cli = load_book(SAMPLE).with_overrides(preset="acx").audio
    assert load_book(SAMPLE).with_overrides(preset="acx").preset == "acx"
    assert (cli.sample_rate, cli.bitrate_kbps, cli.true_peak_db) == (44100, 192, -3.0)
    with pytest.raises(ConfigError, match="--preset loud: unknown; choose from acx"):
        load_book(SAMPLE).with_overrides(preset="loud")


@pytest.mark.parametrize(("order", "meant"), [
    ('["kz", "zh"]', "did you mean 'kk'?"),
    ('["kk", "cn"]', "did you mean 'zh'?"),
    ('["kk", "cn-Hans"]', "did you mean 'zh-Hans'?"),
    ('["jp", "zh"]', "did you mean 'ja'?"),
    ('["kk", "zz"]', "ISO 639-1 code"),
])
def test_wrong_language_codes_suggest_the_code_meant(tmp_path: Path, order: str,
                                                     meant: str) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。", f"order = {order}\n")
    with pytest.raises(ConfigError, match="is not a language code") as caught:
        load_book(folder)
    assert meant in str(caught.value)


@pytest.mark.parametrize("order", ['["kk", "zh"]', '["kk", "zh-CN"]', '["kk", "cmn"]',
                                   '["ee", "yue"]', '["kk", "kr"]'])
def test_real_language_codes_pass(tmp_path: Path, order: str) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。", f"order = {order}\n")
    assert len(load_book(folder).order) == 2


def test_a_folder_without_book_toml_says_so(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "b", "Бір.", "一。")
    (folder / "book.toml").unlink()
    (folder / "zh.txt").unlink()
    with pytest.raises(ConfigError) as caught:
        load_book(folder)
    assert str(caught.value).startswith(f"no book.toml in {folder};")
