"""Spoken forms as tables of (written, spoken), written from each language's rules.

Kazakh: cardinals and ordinals (-ыншы/-інші on the last word), years and dates
as ordinals with the text's endings kept, decimals with бүтін and the
denominator in the ablative, пайыз, dashes as pauses, abbreviations by letter
names. Chinese: years digit by digit with 〇, 点 decimals, 百分之, 至 ranges,
负/零下 signs, units. Every number, date and percent of the sample texts is here.
"""

from __future__ import annotations

import pytest

from reader.text.spoken import kk, spoken_form, zh
from reader.text.spoken.lexicon import apply_lexicon, occurs

KK_ORDINALS = [
    (1, "бірінші"), (2, "екінші"), (3, "үшінші"), (4, "төртінші"), (5, "бесінші"),
    (6, "алтыншы"), (7, "жетінші"), (8, "сегізінші"), (9, "тоғызыншы"), (10, "оныншы"),
    (20, "жиырмасыншы"), (30, "отызыншы"), (40, "қырқыншы"), (50, "елуінші"),
    (60, "алпысыншы"), (70, "жетпісінші"), (80, "сексенінші"), (90, "тоқсаныншы"),
    (100, "жүзінші"), (1000, "мыңыншы"), (2019, "екі мың он тоғызыншы"),
    (2021, "екі мың жиырма бірінші"), (1000000, "бір миллионыншы"),
]

KK_CARDINALS = [
    (0, "нөл"), (7, "жеті"), (15, "он бес"), (40, "қырық"), (99, "тоқсан тоғыз"),
    (100, "жүз"), (206, "екі жүз алты"), (700, "жеті жүз"), (1000, "мың"),
    (1991, "мың тоғыз жүз тоқсан бір"), (2019, "екі мың он тоғыз"),
    (206000, "екі жүз алты мың"), (1000000, "бір миллион"), (3000000, "үш миллион"),
    (2500000000, "екі миллиард бес жүз миллион"),
]

KK_ABLATIVES = [
    (1, "бірден"), (2, "екіден"), (3, "үштен"), (4, "төрттен"), (5, "бестен"), (6, "алтыдан"),
    (7, "жетіден"), (8, "сегізден"), (9, "тоғыздан"), (10, "оннан"), (20, "жиырмадан"),
    (30, "отыздан"), (40, "қырықтан"), (50, "елуден"), (60, "алпыстан"), (70, "жетпістен"),
    (80, "сексеннен"), (90, "тоқсаннан"), (100, "жүзден"), (1000, "мыңнан"),
    (10000, "он мыңнан"),
]

KK = [
    # the sample (texts/last-mile/kk.txt)
    ("етті. 2019 жылы сәуірге дейін", "етті. Екі мың он тоғызыншы жылы сәуірге дейін"),
    ("3 миллионнан астам кадр", "үш миллионнан астам кадр"),
    ("хатшылардан 206 мың адам", "хатшылардан екі жүз алты мың адам"),
    ("кадр 700 мың адам болды.", "кадр жеті жүз мың адам болды."),
    ("«Ең соңғы бір шақырым»–бастапқыда ұзақ", "«Ең соңғы бір шақырым», бастапқыда ұзақ"),
    # years: four digits before жыл…, or any number before жылы/жылғы
    ("2019-жылы", "екі мың он тоғызыншы жылы"),
    ("2019 жылдан бері", "екі мың он тоғызыншы жылдан бері"),
    ("2019 ж.", "екі мың он тоғызыншы жылы"),
    ("5 жыл бойы", "бес жыл бойы"),  # a duration stays a cardinal
    ("2019–2021 жылдары", "екі мың он тоғызыншы - екі мың жиырма бірінші жылдары"),
    # dates: a day before a month is ordinal, the month keeps its ending
    ("8 қаңтар", "сегізінші қаңтар"),
    ("8 қаңтарда", "сегізінші қаңтарда"),
    ("8-қаңтар", "сегізінші қаңтар"),
    ("2021 жылғы 8 қаңтар", "екі мың жиырма бірінші жылғы сегізінші қаңтар"),
    ("08.01.2021", "екі мың жиырма бірінші жылғы сегізінші қаңтар"),
    ("2021-01-08", "екі мың жиырма бірінші жылғы сегізінші қаңтар"),
    ("31 желтоқсанда", "отыз бірінші желтоқсанда"),
    ("40 қазан", "қырық қазан"),  # no day 40: forty cauldrons
    # a hyphen marks an ordinal, or carries a case ending
    ("3-орын", "үшінші орын"),
    ("1-ші", "бірінші"),
    ("40-шы", "қырқыншы"),
    ("2019-да", "екі мың он тоғызда"),
    ("3-ке", "үшке"),
    ("5-тен", "бестен"),
    ("XX ғасыр", "жиырмасыншы ғасыр"),
    ("XXI ғасырда", "жиырма бірінші ғасырда"),
    # decimals, percent
    ("6,5%", "алты бүтін оннан бес пайыз"),
    ("6.5%", "алты бүтін оннан бес пайыз"),
    ("6,25", "алты бүтін жүзден жиырма бес"),
    ("0,05", "нөл бүтін жүзден бес"),
    ("1,125", "бір бүтін мыңнан жүз жиырма бес"),
    ("50%-ға", "елу пайызға"),
    ("1/3", "үштен бір"),
    ("2/5 бөлігі", "бестен екі бөлігі"),
    ("3/100", "жүзден үш"),
    ("1/40", "қырықтан бір"),
    ("50 %", "елу пайыз"),
    # grouping, signs, ranges, units
    ("1 000 000 адам", "бір миллион адам"),
    ("-5 градус", "минус бес градус"),
    ("+3", "плюс үш"),
    ("3-5 күн", "үш - бес күн"),
    ("5 км", "бес километр"),
    ("10 кг", "он килограмм"),
    ("3 млн", "үш миллион"),
    ("3 млн-нан астам", "үш миллионнан астам"),
    # words that open a sentence get its capital
    ("Болды. 206 мың адам", "Болды. Екі жүз алты мың адам"),
    ("2 млрд", "екі миллиард"),
    # dashes between words are pauses
    ("Алматы — қала", "Алматы, қала"),
    ("сөз, – сөз", "сөз, сөз"),
    ("– Иә", "Иә"),
    # abbreviations: Cyrillic by the Kazakh letter names, Latin by their names in Cyrillic
    ("ТМД елдері", "тэ эм дэ елдері"),
    ("ҚР-ның", "Қазақстан Республикасының"),  # the table's initialisms by their words
    ("ЖОО", "жоғары оқу орны"),
    ("GDP өсті", "джи ди пи өсті"),
    ("5G желісі", "бес джи желісі"),
    ("COVID-19 індеті", "ковид он тоғыз індеті"),
    ("G20", "джи жиырма"),
    ("BBC", "би би си"),
    ("A. Байтұрсынұлы", "A. Байтұрсынұлы"),  # an initial is not an acronym
    ("Ең соңғы бір шақырым", "Ең соңғы бір шақырым"),  # nothing to do
]

ZH_CARDINALS = [
    (0, "零"), (10, "十"), (15, "十五"), (20, "二十"), (100, "一百"), (101, "一百零一"),
    (110, "一百一十"), (115, "一百一十五"), (200, "二百"), (300, "三百"), (1005, "一千零五"),
    (2000, "两千"), (10010, "一万零一十"), (10050, "一万零五十"), (20000, "两万"),
    (100000, "十万"), (206000, "二十万六千"), (700000, "七十万"), (1000001, "一百万零一"),
    (3000000, "三百万"), (100000000, "一亿"),
    (123456789, "一亿二千三百四十五万六千七百八十九"),
]

ZH = [
    # the sample (texts/last-mile/zh.txt)
    ("截至2019年4月，", "截至二〇一九年四月，"),
    ("选派300多万县级以上机关", "选派三百多万县级以上机关"),
    ("第一书记20.6万人、驻村干部70万人。", "第一书记二十点六万人、驻村干部七十万人。"),
    # years digit by digit, full dates
    ("2021年1月8日", "二〇二一年一月八日"),
    ("2021-01-08", "二〇二一年一月八日"),
    ("2021/1/8", "二〇二一年一月八日"),
    ("2000年", "二〇〇〇年"),
    ("1990年代", "一九九〇年代"),
    ("90年代", "九十年代"),
    ("5年", "五年"),  # five years, not a year
    ("12月31日", "十二月三十一日"),
    # decimals, percent
    ("0.05", "零点零五"),
    ("6.5%", "百分之六点五"),
    ("50%", "百分之五十"),
    ("3‰", "千分之三"),
    ("增长-2%", "增长负百分之二"),
    # ranges
    ("2019—2021年", "二〇一九至二〇二一年"),
    ("2019-2021年", "二〇一九至二〇二一年"),
    ("2019年—2021年", "二〇一九年至二〇二一年"),
    ("1/3", "三分之一"),
    ("2/5的人", "五分之二的人"),
    ("3-5天", "三至五天"),
    ("3～5天", "三至五天"),
    ("3%-5%", "百分之三至百分之五"),
    ("3-5%", "百分之三至百分之五"),
    # signs, temperature
    ("气温-5", "气温负五"),
    ("+5", "正五"),
    ("-5℃", "零下五摄氏度"),
    ("30°C", "三十摄氏度"),
    # full-width digits
    ("２０１９年", "二〇一九年"),
    ("５０％", "百分之五十"),
    # times
    ("8:30开会", "八点三十分开会"),
    ("10:05", "十点零五分"),
    ("2:00", "两点"),
    # grouping, units
    ("3,000,000人", "三百万人"),
    ("5km", "五公里"),
    ("10 kg", "十公斤"),
    ("3m", "三米"),
    ("100km/h", "一百公里每小时"),
    ("20km²", "二十平方公里"),
    # acronyms by Mandarin letter names
    ("GDP增长", "吉迪批增长"),
    ("推进5G建设", "推进五吉建设"),
    ("COVID-19疫情", "科维德十九疫情"),
    ("“最后一公里”", "“最后一公里”"),  # nothing to do
]


@pytest.mark.parametrize(("n", "said"), KK_CARDINALS)
def test_kazakh_cardinals(n: int, said: str) -> None:
    assert kk.cardinal(n) == said


@pytest.mark.parametrize(("n", "said"), KK_ORDINALS)
def test_kazakh_ordinals(n: int, said: str) -> None:
    assert kk.ordinal(n) == said


@pytest.mark.parametrize(("n", "said"), KK_ABLATIVES)
def test_kazakh_ablatives(n: int, said: str) -> None:
    assert kk.ablative(n) == said


@pytest.mark.parametrize(("written", "said"), KK)
def test_kazakh(written: str, said: str) -> None:
    assert spoken_form(written, "kk") == said


@pytest.mark.parametrize(("n", "said"), ZH_CARDINALS)
def test_chinese_cardinals(n: int, said: str) -> None:
    assert zh.cardinal(n) == said


@pytest.mark.parametrize(("written", "said"), ZH)
def test_chinese(written: str, said: str) -> None:
    assert spoken_form(written, "zh") == said


def test_chinese_variants_use_the_chinese_rules() -> None:
    assert spoken_form("2019年", "zh-Hans") == spoken_form("2019年", "cmn") == "二〇一九年"


@pytest.mark.parametrize(("written", "lang"), [
    ("GDP өсті, COVID-19 індеті, 5G", "kk"), ("GDP增长，COVID-19疫情，5G", "zh")])
def test_a_book_can_keep_latin_acronyms(written: str, lang: str) -> None:
    said = spoken_form(written, lang, keep_latin=True)
    assert "GDP" in said and "COVID-19" in said and "5G" in said


def test_a_shouted_heading_is_read_as_words() -> None:
    assert spoken_form("ЕҢ СОҢҒЫ БІР ШАҚЫРЫМ", "kk") == "Ең соңғы бір шақырым"


LEXICON = [
    ("Көптеген орындарда Си Цзиньпин", (("Си Цзиньпин", "Си Жиньпиң"),),
     "Көптеген орындарда Си Жиньпиң"),
    # longest key first
    ("Си Цзиньпин мен Си", (("Си", "Сы"), ("Си Цзиньпин", "Си Жиньпиң")),
     "Си Жиньпиң мен Сы"),
    # whole words only
    ("Сиқыр", (("Си", "Сы"),), "Сиқыр"),
    # a lowercase key matches at a sentence start too
    ("Ауыл мен ауыл", (("ауыл", "аул"),), "Аул мен аул"),
    # what an entry produces is left as written: no ordinal, no spelling
    ("2019 жылы", (("2019", "жиырма он тоғыз"),), "жиырма он тоғыз жылы"),
    ("БАҚ өкілдері", (("БАҚ", "бақ"),), "бақ өкілдері"),
    ("COVID-19 індеті", (("COVID-19", "коронавирус"),), "коронавирус індеті"),
]


@pytest.mark.parametrize(("written", "lexicon", "said"), LEXICON)
def test_kazakh_lexicon(written: str, lexicon: tuple[tuple[str, str], ...], said: str) -> None:
    assert spoken_form(written, "kk", lexicon=lexicon) == said


def test_without_the_lexicon_the_rules_apply() -> None:
    assert spoken_form("БАҚ өкілдері", "kk") == "бэ а қы өкілдері"


def test_chinese_lexicon_matches_inside_unspaced_text() -> None:
    lexicon = (("习近平", "习近平同志"), ("习", "席"))
    assert spoken_form("习近平在多个场合", "zh", lexicon=lexicon) == "习近平同志在多个场合"
    assert apply_lexicon("甲乙", (("乙", "丙"),), unspaced=True) == [("甲", False), ("丙", True)]
    assert occurs("习近平", "习近平在", unspaced=True)
    assert not occurs("Си", "Сиқыр")


def test_other_languages_get_the_lexicon_only() -> None:
    assert spoken_form("In 2019, GDP", "en", lexicon=(("GDP", "gross product"),)) == \
        "In 2019, gross product"
