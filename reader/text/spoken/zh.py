"""Mandarin as it is read aloud: years, dates, decimals, percent, ranges, signs, units.

The rules, from Chinese usage (GB/T 15835 on writing numbers, and how they are read):

- A year is read digit by digit, zero as 〇: 2019年 "二〇一九年"; 2021年1月8日
  "二〇二一年一月八日"; 2021-01-08 and 2021/1/8 are read as that date too.
- Other numbers are read with 十 百 千 万 亿, a 零 for each gap (1005 "一千零五",
  10050 "一万零五十"), a leading 一十 said 十 (15 "十五", 100000 "十万"), and 两 for
  a leading 2 before 千 万 亿 (2000 "两千", 20000 "两万"; 二百, 二十 stay).
- Decimals: the whole part, 点, then each digit (20.6 "二十点六", 0.05 "零点零五").
- Percent is 百分之 before the number (6.5% "百分之六点五"), per mille 千分之.
- Ranges read 至 between the ends: 2019—2021年 "二〇一九至二〇二一年" (2019年—2021年
  too), 3-5 "三至五",
  3%-5% and 3-5% "百分之三至百分之五".
- Signs: -5 "负五", +5 "正五"; below zero on a thermometer, -5℃ "零下五摄氏度".
- Full-width digits and signs (２０１９，％) are read like ASCII ones.
- Fractions: 1/3 "三分之一" (the denominator first).
- Times: 8:30 "八点三十分", 10:05 "十点零五分" (minutes 1–9 take 零, 10 is 十分), 2:00 "两点".
  Two numbers with a colon that are no clock time (2:1, 16:9), or after 以/战成/比例,
  are a score or ratio: "二比一".
- 两 for a lone 2 before 万 亿 千 and before a measure word (2人 "两人", 2名 "两名",
  2个 "两个", 2年 "两年"), not after 第 (第2届 "第二届") nor in 2年级, 2月.
- Money: the currency's name after the amount: ¥299 "二百九十九元", $500万
  "五百万美元", €30 "三十欧元"; № 5 "五号".
- Telephone numbers, hotlines and codes digit by digit, 1 said 幺 (110 "幺幺零"):
  eleven digits starting 1, hyphenated groups (400-810-8888), a run of nine or
  more, one starting with 0, or digits after 电话/热线/拨打/号码/编号/单号/编码/区号….
- Roman numerals are read as numbers: 第II卷 "第二卷", XX世纪 "二十世纪", Ⅲ "三".
- Two years apart by a dash (2020-2021赛季) are years: "二〇二〇至二〇二一"; a year
  before 赛季/年度/学年/财年 too. Below zero with 度 or °: -5度 "零下五度".
- Units after a number (or after 万/亿): km 公里, kg 公斤, m 米, cm 厘米, mm 毫米, g 克,
  t 吨, L 升, ml 毫升, km² 平方公里, m² ㎡ 平方米, m³ 立方米, km/h 公里每小时,
  ℃/°C 摄氏度, ° 度.
"""

from __future__ import annotations

import re

from . import roman
from .letters import spell_latin

_DIGITS = "零一二三四五六七八九"
_GROUP_UNITS = ("千", "百", "十", "")
_BIG_UNITS = ("", "万", "亿", "万亿")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．＋－／：～", "0123456789%.+-/:~")
_UNITS = {
    "km²": "平方公里", "m²": "平方米", "km/h": "公里每小时", "km": "公里", "kg": "公斤",
    "cm": "厘米", "mm": "毫米", "ml": "毫升", "mL": "毫升", "m": "米", "g": "克", "t": "吨",
    "L": "升", "℃": "摄氏度", "°C": "摄氏度", "°": "度", "m³": "立方米", "cm²": "平方厘米",
    "cm³": "立方厘米", "㎡": "平方米", "㎞": "公里", "㎏": "公斤", "㎝": "厘米", "㎜": "毫米",
}
#: Currency signs and their names (¥ and ￥ are the yuan).
CURRENCIES = {"US$": "美元", "HK$": "港元", "$": "美元", "€": "欧元", "£": "英镑", "¥": "元",
              "￥": "元", "₽": "卢布", "₸": "坚戈"}
_SYMBOLS = {"%": "百分号", "‰": "千分号", "№": "号", "²": "平方", "³": "立方", "°": "度",
            **{sign: name for sign, name in CURRENCIES.items() if len(sign) == 1}}
#: Measure words and units before which a lone 2 is 两.
_LIANG_BEFORE = ("万", "亿", "千", "个", "名", "位", "次", "天", "家", "种", "条", "项", "件",
                 "只", "辆", "架", "台", "本", "所", "倍", "岁", "人", "场", "座", "张", "份",
                 "部", "批", "成", "小时", "分钟", "公里", "公斤", "米", "点", "周", "年")
#: Words after which digits are a number to dial or a code, read digit by digit.
_CODE_AFTER = ("拨打", "拨", "致电", "电话", "热线", "号码", "工号", "学号", "编号", "单号",
               "编码", "邮编", "区号", "代码", "尾号")
#: Words around a colon that make it a score or a ratio.
_RATIO_BEFORE = ("以", "战成", "比分", "比例为", "比例", "之比为", "比为")
_UNIT_PATTERN = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
_TO = r"\s?[-–—~～至到]{1,2}\s?"  # 2019—2021, 3-5, 3~5, 3——5

_ISO_DATE = re.compile(r"(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])")
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])")
_YEAR_RANGE = re.compile(rf"(?<!\d)(\d{{4}}){_TO}(\d{{4}})(?=年)")
# Four digits before 年 (年代 too: 1990年代); 90年代 is "九十年代", a plain number.
_YEAR = re.compile(r"(?<!\d)(\d{4})(?=\s?(?:年|赛季|学年|财年))")
_YEARS = re.compile(rf"(?<![\d.])((?:19|20)\d\d){_TO}((?:19|20)\d\d)(?![\d.%])"
                    r"(?!\s?(?:元|万|亿|人|名|个|米|公里|%))")
_MONEY = re.compile(r"(US\$|HK\$|[$€£¥￥₽₸])\s?(\d[\d,]*(?:\.\d+)?)(万亿|亿|万|千)?")
_NUMBER_SIGN = re.compile(r"№\s?(\d+)")
_ROMAN = re.compile(r"(?<![A-Za-z])([IVXLCDM]+|[\u2160-\u216b])(?![A-Za-z])")
_PHONE = re.compile(r"(?<![\d.:,/-])(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8}|[48]00-\d{3}-\d{4}|\d{9,}|0\d+)"
                    r"(?![\d.:,/])")
_CODE = re.compile("(" + "|".join(_CODE_AFTER) + r")([是为：:]?\s?)(\d+(?:-\d+)*)(?![\d.])")
_LIANG = re.compile(r"(?<![\d.第])2(?=" + "|".join(_LIANG_BEFORE) + r")(?!年级|年代|点\d)")
_COLON = re.compile(r"(?<![\d:])(\d{1,3}):(\d{1,3})(?![\d:])")
#: Opening hours and other spans of clock time: 9:00-21:00 "九点至二十一点".
_TIME_RANGE = re.compile(
    rf"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d){_TO}([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_YEARS_APART = re.compile(rf"(?<=\d年){_TO}(?=\d{{4}}年)")  # 2019年—2021年
_PERCENT_RANGE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)%?{_TO}(\d+(?:\.\d+)?)\s?([%‰])")
_PERCENT = re.compile(r"(?P<sign>(?<![A-Za-z0-9.])[-−+](?=\d))?(\d+(?:\.\d+)?)\s?([%‰])")
_TEMPERATURE = re.compile(r"(?<![A-Za-z0-9.])[-−](\d+(?:\.\d+)?)\s?(℃|°C|度|°)")
_UNIT = re.compile(rf"(?:(?<=\d)|(?<=\d万)|(?<=\d亿))\s?({_UNIT_PATTERN})(?![A-Za-z²³])")
_STRAY = re.compile("[" + re.escape("".join(_SYMBOLS)) + "]")
_FRACTION = re.compile(r"(?<![\d/.])(\d+)/(\d+)(?![\d/])")
_RANGE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?){_TO}(\d+(?:\.\d+)?)(?![\d.])")
_DIGIT = re.compile(r"\d")
_LATIN_CAPITAL = re.compile(r"[A-Z]")
_ROMAN_SIGN = re.compile(r"[IVXLCDM\u2160-\u216b]")
_NUMBER = re.compile(r"(?P<sign>(?<![A-Za-z0-9.])[-−+](?=\d))?(\d+)(?:\.(\d+))?")


def _group(n: int) -> str:
    """1–9999 with 千 百 十 and 零 for the gaps inside (1005 "一千零五")."""
    out, gap = "", False
    for digit, unit in zip(f"{n:04d}", _GROUP_UNITS, strict=True):
        if digit == "0":
            gap = bool(out)
            continue
        out += ("零" if gap else "") + _DIGITS[int(digit)] + unit
        gap = False
    return out


def cardinal(n: int) -> str:
    """A whole number: 300 "三百", 206000 "二十万六千", 10050 "一万零五十", 2000 "两千"."""
    if n < 0:
        return "负" + cardinal(-n)
    if n == 0:
        return "零"
    if n >= 10**16:  # no unit for it: read the digits
        return digits(str(n))
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += _group(group) + _BIG_UNITS[index]
        gap = False
    if out.startswith("一十"):
        out = out[1:]
    if out.startswith("二") and out[1:2] in ("千", "万", "亿"):
        out = "两" + out[1:]
    return out


def digits(text: str) -> str:
    """Digit by digit, zero as 〇 (years): "2019" → "二〇一九"."""
    return "".join("〇" if ch == "0" else _DIGITS[int(ch)] for ch in text)


def number(whole: str, fraction: str | None = None) -> str:
    """A number as written: "20", "6" → "二十点六"; the fraction's digits one by one."""
    said = cardinal(int(whole))
    if fraction:
        said += "点" + "".join(_DIGITS[int(ch)] for ch in fraction)
    return said


def _split(value: str) -> tuple[str, str | None]:
    whole, _, fraction = value.partition(".")
    return whole, fraction or None


def _percent_word(mark: str) -> str:
    return "千分之" if mark == "‰" else "百分之"


def _date(match: re.Match[str]) -> str:
    year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return f"{digits(year)}年{cardinal(month)}月{cardinal(day)}日"


def _time(hour: int, minute: int) -> str:
    said = ("两" if hour == 2 else cardinal(hour)) + "点"  # 2:00 is 两点
    if minute:
        said += ("零" if minute < 10 else "") + cardinal(minute) + "分"
    return said


def _colon(match: re.Match[str]) -> str:
    """A clock time (8:30 "八点三十分"), or a score or ratio (2:1 "二比一")."""
    first, second = match.group(1), match.group(2)
    before = match.string[max(0, match.start() - 3) : match.start()]
    ratio = before.endswith(_RATIO_BEFORE) or len(second) != 2
    if not ratio and int(first) <= 23 and int(second) <= 59:
        return _time(int(first), int(second))
    return f"{cardinal(int(first))}比{cardinal(int(second))}"


def dial(text: str) -> str:
    """Digits to dial or a code, one by one, 1 said 幺: "110" → "幺幺〇"."""
    return "".join("幺" if ch == "1" else digits(ch) for ch in text if ch.isdigit())


def _money(match: re.Match[str]) -> str:
    return match.group(2).replace(",", "") + (match.group(3) or "") + CURRENCIES[match.group(1)]


def _roman(match: re.Match[str]) -> str:
    token = match.group(1)
    value = roman.value(token)
    if value is None:
        return token
    before = match.string[: match.start()][-1:]
    after = match.string[match.end() :]
    counted = before == "第" or after.startswith(("卷", "型", "期", "级", "类", "章", "部", "册",
                                                  "世纪", "阶段", "届", "代"))
    if token in roman.SIGNS or roman.plain(token) or counted:
        return cardinal(value)
    return token


def _years(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    if not 0 < int(second) - int(first) <= 10:
        return match.group(0)
    return f"{digits(first)}至{digits(second)}"


def _number(match: re.Match[str]) -> str:
    sign = {"-": "负", "−": "负", "+": "正"}.get(match.group("sign") or "", "")
    return sign + number(match.group(2), match.group(3))


def normalise(text: str, *, keep_latin: bool = False) -> str:
    """Chinese text as it is spoken (see the module's rules); pure, no I/O."""
    text = text.translate(_FULL_WIDTH)
    if _ROMAN_SIGN.search(text):
        text = _ROMAN.sub(_roman, text)
    if not _DIGIT.search(text):  # most paragraphs have none: skip the scans
        if not keep_latin and _LATIN_CAPITAL.search(text):
            text = spell_latin(text, "zh", cardinal)
        return _STRAY.sub(lambda m: _SYMBOLS[m.group(0)], text)
    text = _ISO_DATE.sub(_date, text)
    text = _MONEY.sub(_money, text)
    text = _CODE.sub(lambda m: m.group(1) + m.group(2) + dial(m.group(3)), text)
    text = _YEAR_RANGE.sub(lambda m: f"{digits(m.group(1))}至{digits(m.group(2))}", text)
    text = _YEARS.sub(_years, text)
    text = _PHONE.sub(lambda m: dial(m.group(0)), text)
    text = _GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _YEARS_APART.sub("至", text)
    text = _YEAR.sub(lambda m: digits(m.group(1)), text)
    text = _PERCENT_RANGE.sub(
        lambda m: f"{_percent_word(m.group(3))}{number(*_split(m.group(1)))}至"
                  f"{_percent_word(m.group(3))}{number(*_split(m.group(2)))}", text)
    text = _PERCENT.sub(
        lambda m: ("负" if m.group("sign") in ("-", "−") else "") + _percent_word(m.group(3))
        + number(*_split(m.group(2))), text)
    text = _TEMPERATURE.sub(lambda m: "零下" + number(*_split(m.group(1)))
                            + ("摄氏度" if m.group(2) in ("℃", "°C") else "度"), text)
    text = _UNIT.sub(lambda m: _UNITS[m.group(1)], text)
    text = _TIME_RANGE.sub(lambda m: f"{_time(int(m.group(1)), int(m.group(2)))}至"
                                      f"{_time(int(m.group(3)), int(m.group(4)))}", text)
    text = _COLON.sub(_colon, text)
    text = _LIANG.sub("两", text)
    text = _NUMBER_SIGN.sub(lambda m: cardinal(int(m.group(1))) + "号", text)
    text = _FRACTION.sub(lambda m: f"{cardinal(int(m.group(2)))}分之{cardinal(int(m.group(1)))}",
                         text)
    text = _RANGE.sub(lambda m: f"{number(*_split(m.group(1)))}至{number(*_split(m.group(2)))}",
                      text)
    if not keep_latin and _LATIN_CAPITAL.search(text):
        text = spell_latin(text, "zh", cardinal)
    text = _NUMBER.sub(_number, text)
    return _STRAY.sub(lambda m: _SYMBOLS[m.group(0)], text)
