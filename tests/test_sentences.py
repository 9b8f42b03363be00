"""Sentence splitting and patterns: pure functions, tested as tables."""

from __future__ import annotations

import pytest

from reader.errors import ConfigError
from reader.text.patterns import Step, is_plain, parse_pattern
from reader.text.sentences import split_sentences

KK_CASES = [
    # (paragraph, sentences) — kk ends at . ! ? … before a capital, digit, quote or dash.
    ("Ол келді. Біз кеттік.", ["Ол келді.", "Біз кеттік."]),
    ("Келдің бе? Иә! Жақсы…", ["Келдің бе?", "Иә!", "Жақсы…"]),
    ("Сосын?! Болды.", ["Сосын?!", "Болды."]),
    ("«Ең соңғы бір шақырым»", ["«Ең соңғы бір шақырым»"]),  # no stop: one sentence
    ("Ол: «Кел!» деді. Біз бардық.", ["Ол: «Кел!» деді.", "Біз бардық."]),  # lower case after »
    ("Ол «Кел!» Біз бардық.", ["Ол «Кел!»", "Біз бардық."]),  # the quote closes the sentence
    ("Ол келді. «Сәлем», деді.", ["Ол келді.", "«Сәлем», деді."]),  # opening quote after
    ("Ол келді. 2019 жыл еді.", ["Ол келді.", "2019 жыл еді."]),  # digit after
    ("Ол келді. — Сәлем!", ["Ол келді.", "— Сәлем!"]),  # dash after
    # initials
    ("А.Б. Құнанбаев келді. Ол ақын.", ["А.Б. Құнанбаев келді.", "Ол ақын."]),
    ("Ақын А. Құнанбаев туды.", ["Ақын А. Құнанбаев туды."]),
    # abbreviations: a lower-case word after them keeps the sentence going
    ("Алма, алмұрт т.б. жемістер. Сосын нан.", ["Алма, алмұрт т.б. жемістер.", "Сосын нан."]),
    ("Ол 2019 ж. сәуірде келді. Болды.", ["Ол 2019 ж. сәуірде келді.", "Болды."]),
    # after a number "ж." (year) is no end even before a capital (a place name)
    ("Ол 1845 ж. Қасым ауылында туды.", ["Ол 1845 ж. Қасым ауылында туды."]),
    ("Оны проф. Абаев айтты. Жоқ.", ["Оны проф. Абаев айтты.", "Жоқ."]),
    ("Бағасы 20.6 мың. Арзан.", ["Бағасы 20.6 мың.", "Арзан."]),  # a decimal point
    ("", []),
]

ZH_CASES = [
    ("他来了。我们走了。", ["他来了。", "我们走了。"]),
    ("好吗？？是的……对；不！", ["好吗？？", "是的……", "对；", "不！"]),
    ("他说：“走吧！”我们就走了。", ["他说：“走吧！”", "我们就走了。"]),  # closing quote kept
    ("打通了精准扶贫“最后一公里”。", ["打通了精准扶贫“最后一公里”。"]),  # stop after the quote
    ("在岗的第一书记20.6万人。", ["在岗的第一书记20.6万人。"]),  # ASCII "." is no stop
    ("（注意。）然后。", ["（注意。）", "然后。"]),  # closing bracket kept
    ("“最后一公里”", ["“最后一公里”"]),
]


@pytest.mark.parametrize(("text", "expected"), KK_CASES)
def test_kazakh_sentences(text: str, expected: list[str]) -> None:
    assert list(split_sentences(text, "kk")) == expected


@pytest.mark.parametrize(("text", "expected"), ZH_CASES)
def test_chinese_sentences(text: str, expected: list[str]) -> None:
    assert list(split_sentences(text, "zh")) == expected


ORDER = ("kk", "zh")


@pytest.mark.parametrize(("pattern", "expected"), [
    ("kk zh", (Step("kk"), Step("zh"))),
    ("listen", (Step("kk"), Step("zh"))),
    ("learn", (Step("kk"), Step("zh"), Step("zh", 0.8), Step(None, gap=1.0))),
    ("shadow", (Step("zh"), Step(None, gap=1.0), Step("zh"), Step(None, gap=1.0))),
    ("zh _", (Step("zh"), Step(None, gap=1.0))),
    ("  kk   zh zh  ", (Step("kk"), Step("zh"), Step("zh"))),
    ("kk _1.5 zh@1.25 _.5", (Step("kk"), Step(None, gap=1.5), Step("zh", 1.25),
                            Step(None, gap=0.5))),
    ("kk@0.5 zh@2", (Step("kk", 0.5), Step("zh", 2.0))),
    ("kk _10 zh", (Step("kk"), Step(None, gap=10.0), Step("zh"))),  # the longest gap
])
def test_patterns(pattern: str, expected: tuple[Step, ...]) -> None:
    assert parse_pattern(pattern, ORDER) == expected


def test_presets_follow_the_book_order() -> None:
    assert parse_pattern("learn", ("zh", "kk")) == (
        Step("zh"), Step("kk"), Step("kk", 0.8), Step(None, gap=1.0))
    assert parse_pattern("shadow", ("zh", "kk"))[0] == Step("kk")


@pytest.mark.parametrize(("pattern", "says"), [
    ("kk fr", 'step 2 "fr"'),
    ("kk zh@3", 'step 2 "zh@3"'),
    ("kk zh@0.4", "outside 0.5–2.0"),
    ("kk zh@2.01", "outside"),
    ("kk zh! _", 'step 2 "zh!"'),
    ("kk zh@fast", "unknown modifier"),
    ("kk zh _0", "not more than 0"),
    ("kk zh _2000", 'step 3 "_2000" of "kk zh _2000": a gap factor of 2000 is over 10'),
    ("kk _10.01 zh", 'step 2 "_10.01"'),
    ("kk zh _-1", 'step 3 "_-1"'),
    ("kk zh _x", "unknown gap"),
    ("_ kk zh", "needs a language step before it"),
    ("", "empty"),
    ("   ", "empty"),
])
def test_bad_patterns_name_the_step(pattern: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_pattern(pattern, ORDER, "book.toml: pattern")
    assert str(caught.value).startswith("book.toml: pattern: ")
    assert says in str(caught.value)


def test_plain_pattern_is_the_book_order() -> None:
    assert is_plain(parse_pattern("kk zh", ORDER), ORDER)
    assert is_plain(parse_pattern("listen", ORDER), ORDER)
    assert not is_plain(parse_pattern("zh kk", ORDER), ORDER)
    assert not is_plain(parse_pattern("kk zh zh", ORDER), ORDER)
    assert not is_plain(parse_pattern("kk zh@1.0001", ORDER), ORDER)
