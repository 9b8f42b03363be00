"""Cutting paragraphs into requests of at most 100 characters: tables, Chinese and Kazakh."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.speech.chunking import LIMIT, chunks, even_cut, pack, split_after
from reader.text.paragraphs import read_text, split_sections

from .conftest import SAMPLE

#: The seed's Chinese paragraphs (as reader.paragraphs gives them) and the
#: requests they must become: whole sentences packed up to 100 characters.
SEED_ZH_CHUNKS: list[tuple[str, list[str]]] = [
    ("“最后一公里”", ["“最后一公里”"]),
    (
        ("“最后一公里”原指完成长途跋涉的最后一段里程，被引申为完成一件事情最后的关键性步骤。"
        "长期以来，扶贫开发工作就受困于“最后一公里”的问题。"),
        [
            ("“最后一公里”原指完成长途跋涉的最后一段里程，被引申为完成一件事情最后的关键性步骤。"
            "长期以来，扶贫开发工作就受困于“最后一公里”的问题。"),
        ],
    ),
    (
        ("习近平在多个场合指出，要实施贫困村提升工程，培育壮大集体经济，完善基础设施，"
        "打通脱贫攻坚政策落实“最后一公里”。即把脱贫攻坚重点放在改善生产生活条件上，"
        "着重加强农田水利、交通通信等基础设施建设和技术培训、教育医疗等公共服务建设，"
        "特别是要解决好入村入户等“最后一公里”问题。支持贫困地区农民在本地或外出务工、创业，"
        "这是短期内增收最直接见效的办法。劳务输出地政府和输入地政府，"
        "对贫困人口外出务工要多想办法、多做实事。"),
        [
            ("习近平在多个场合指出，要实施贫困村提升工程，培育壮大集体经济，完善基础设施，"
            "打通脱贫攻坚政策落实“最后一公里”。"),
            ("即把脱贫攻坚重点放在改善生产生活条件上，着重加强农田水利、交通通信等基础设施建设"
            "和技术培训、教育医疗等公共服务建设，特别是要解决好入村入户等“最后一公里”问题。"),
            ("支持贫困地区农民在本地或外出务工、创业，这是短期内增收最直接见效的办法。"
            "劳务输出地政府和输入地政府，对贫困人口外出务工要多想办法、多做实事。"),
        ],
    ),
    (
        ("为加强脱贫攻坚一线工作力量，中央要求，每个贫困村都要派驻村工作队，"
        "每个贫困户都要有帮扶责任人。截至2019年4月，全国累计选派300多万县级以上机关、"
        "国有企事业单位干部参加驻村帮扶，在岗的第一书记20.6万人、驻村干部70万人。"
        "他们积极帮助群众出主意干实事，推动扶贫政策措施落地落实，打通了精准扶贫“最后一公里”。"),
        [
            ("为加强脱贫攻坚一线工作力量，中央要求，每个贫困村都要派驻村工作队，"
            "每个贫困户都要有帮扶责任人。"),
            ("截至2019年4月，全国累计选派300多万县级以上机关、国有企事业单位干部参加驻村帮扶，"
            "在岗的第一书记20.6万人、驻村干部70万人。"),
            "他们积极帮助群众出主意干实事，推动扶贫政策措施落地落实，打通了精准扶贫“最后一公里”。",
        ],
    ),
]


def seed_paragraphs(lang: str) -> list[str]:
    """The sample book's paragraphs in one language, as the build reads them."""
    sections = split_sections(read_text(SAMPLE / f"{lang}.txt"), lang)
    return [p.text for section in sections for p in section.paragraphs]


def test_the_table_is_the_seed() -> None:
    assert [text for text, _ in SEED_ZH_CHUNKS] == seed_paragraphs("zh")


@pytest.mark.parametrize(("text", "expected"), SEED_ZH_CHUNKS)
def test_seed_chinese(text: str, expected: list[str]) -> None:
    assert chunks(text, "zh") == expected


def test_seed_chinese_as_written_cuts_at_ascii_commas_too() -> None:
    # The file itself has "," with no space where "，" is meant; before
    # normalising, the cuts fall in the same places.
    raw = [block.replace("\n", "") for block in
           (SAMPLE / "zh.txt").read_text(encoding="utf-8").strip().split("\n\n")]
    for block, (_, expected) in zip(raw, SEED_ZH_CHUNKS, strict=True):
        assert "," in block or len(block) < 20
        assert [len(c) for c in chunks(block, "zh")] == [len(c) for c in expected]


CHINESE = [
    # (text, limit, expected chunks)
    ("你好。", 100, ["你好。"]),
    ("  你好。 ", 100, ["你好。"]),
    ("一二三，四五六。七八九！", 100, ["一二三，四五六。七八九！"]),
    ("一二三，四五六。七八九！", 8, ["一二三，四五六。", "七八九！"]),
    ("一二三，四五六。七八九！", 6, ["一二三，", "四五六。", "七八九！"]),
    # ASCII marks, with no space after them, are pauses too.
    ("甲乙丙,丁戊己", 4, ["甲乙丙,", "丁戊己"]),
    ("甲乙?丙丁!戊己;庚辛:壬癸", 3, ["甲乙?", "丙丁!", "戊己;", "庚辛:", "壬癸"]),
    ("甲乙.丙丁", 3, ["甲乙.", "丙丁"]),
    # …but not inside a number.
    ("书记20.6万人，干部1,000人。", 9, ["书记20.6万人，", "干部1,000人。"]),
    ("十点10:30出发。", 5, ["十点10:", "30出发。"]),
    ("甲乙丙丁戊己庚辛", 100, ["甲乙丙丁戊己庚辛"]),
    # The enumeration comma 、 and the colon ：
    ("农田水利、交通通信、教育医疗", 5, ["农田水利、", "交通通信、", "教育医疗"]),
    ("他说：好的", 3, ["他说：", "好的"]),
    # A closing quote stays with the full stop before it.
    ("他说：“好。”我们走吧。", 7, ["他说：“好。”", "我们走吧。"]),
    ("“最后一公里”问题。长期以来。", 10, ["“最后一公里”问题。", "长期以来。"]),
    # Sentence ends win over commas when both fit.
    ("甲，乙。丙，丁。", 5, ["甲，乙。", "丙，丁。"]),
    # A run with no pause longer than the limit: even parts, not 100 + a stub.
    ("一" * 150, 100, ["一" * 75, "一" * 75]),
    ("一" * 101 + "。", 100, ["一" * 51, "一" * 50 + "。"]),
    # (A short sentence before such a run is packed with its first part.)
    ("短句。" + "二" * 120, 100, ["短句。" + "二" * 60, "二" * 60]),
    # Nothing to speak: dropped.
    ("……", 100, []),
    ("", 100, []),
    ("好……", 100, ["好……"]),
]


@pytest.mark.parametrize(("text", "limit", "expected"), CHINESE)
def test_chinese(text: str, limit: int, expected: list[str]) -> None:
    assert chunks(text, "zh", limit) == expected


KAZAKH = [
    ("Сәлем.", 100, ["Сәлем."]),
    ("Бірінші сөйлем. Екінші сөйлем.", 20, ["Бірінші сөйлем.", "Екінші сөйлем."]),
    ("Бірінші сөйлем. Екінші сөйлем.", 40, ["Бірінші сөйлем. Екінші сөйлем."]),
    ("Не? Иә! Жоқ…", 4, ["Не?", "Иә!", "Жоқ…"]),
    # Then commas, semicolons and colons.
    ("Бір, екі, үш, төрт, бес.", 10, ["Бір, екі,", "үш, төрт,", "бес."]),
    ("Бірі; екі: үш", 5, ["Бірі;", "екі:", "үш"]),
    # A closing guillemet stays with the full stop.
    ("«Ол келді.» Біз кеттік.", 12, ["«Ол келді.»", "Біз кеттік."]),
    # Dashes are pauses; a hyphen inside a word is not.
    ("«Ең соңғы»–бастапқыда меңзейді", 12, ["«Ең соңғы»–", "бастапқыда", "меңзейді"]),
    ("әдіс-амал қарастырып — нақты істер", 22, ["әдіс-амал қарастырып —", "нақты істер"]),
    # A mark not followed by a space is no pause: 3.5, т.б.
    ("3.5 пайыз,т.б. көп", 10, ["3.5", "пайыз,т.б.", "көп"]),
    # Spaces only when a clause alone is too long; a word alone too long is cut evenly.
    ("бір екі үш төрт бес алты", 8, ["бір екі", "үш төрт", "бес алты"]),
    ("а" * 30, 20, ["а" * 15, "а" * 15]),
    ("— …", 100, []),
]


@pytest.mark.parametrize(("text", "limit", "expected"), KAZAKH)
def test_kazakh(text: str, limit: int, expected: list[str]) -> None:
    assert chunks(text, "kk", limit) == expected


@pytest.mark.parametrize("lang", ["zh", "kk"])
@pytest.mark.parametrize("limit", [100, 60, 30])
def test_seed_chunks_fit_and_lose_nothing(lang: str, limit: int) -> None:
    for text in seed_paragraphs(lang):
        parts = chunks(text, lang, limit)
        assert all(0 < len(part) <= limit for part in parts)
        if lang == "zh":
            assert "".join(parts) == text
        else:  # cut at spaces, or after a dash that had none
            assert " ".join(parts).replace("– ", "–") == text


def test_seed_kazakh_is_cut_at_sentences_then_commas() -> None:
    text = seed_paragraphs("kk")[1]
    parts = chunks(text, "kk")
    assert parts[0] == "«Ең соңғы бір шақырым»–"
    assert all(len(part) <= LIMIT for part in parts)
    assert parts[-1].endswith("тап болып келді.")


@pytest.mark.parametrize(("text", "pattern", "expected"), [
    ("а, б, в", r",\s*", ["а, ", "б, ", "в"]),
    ("а, б,", r",\s*", ["а, ", "б,"]),
    ("абв", r",", ["абв"]),
])
def test_split_after(text: str, pattern: str, expected: list[str]) -> None:
    assert split_after(text, re.compile(pattern)) == expected


@pytest.mark.parametrize(("pieces", "limit", "expected"), [
    (["аа ", "бб ", "вв"], 5, ["аа бб ", "вв"]),
    (["аа ", "бб ", "вв"], 8, ["аа бб вв"]),
    (["аааааа", "б"], 3, ["аааааа", "б"]),
])
def test_pack(pieces: list[str], limit: int, expected: list[str]) -> None:
    assert pack(pieces, limit) == expected


@pytest.mark.parametrize(("text", "limit", "sizes"), [
    ("x" * 100, 100, [100]), ("x" * 101, 100, [51, 50]), ("x" * 250, 100, [84, 84, 82]),
])
def test_even_cut(text: str, limit: int, sizes: list[int]) -> None:
    assert [len(part) for part in even_cut(text, limit)] == sizes


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        chunks("你好", "zh", 0)


_ALPHABET = "最后一公里扶贫开发工作20.6,，。！？、；：“”……— abcАәң"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=400), limit=st.integers(1, 120),
       lang=st.sampled_from(["zh", "kk"]))
def test_any_text_fits_and_keeps_every_word(text: str, limit: int, lang: str) -> None:
    parts = chunks(text, lang, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert all(part == part.strip() for part in parts)
    words = re.compile(r"[\W_]")
    assert words.sub("", "".join(parts)) == words.sub("", text)
