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
- Times: 8:30 "八点三十分", 10:05 "十点零五分", 2:00 "两点".
- Units after a number: km 公里, kg 公斤, m 米, cm 厘米, mm 毫米, g 克, t 吨, L 升,
  ml 毫升, km² 平方公里, m² 平方米, km/h 公里每小时, ℃/°C 摄氏度.
"""

from __future__ import annotations

import re

from .letters import spell_latin

_DIGITS = "零一二三四五六七八九"
_GROUP_UNITS = ("千", "百", "十", "")
_BIG_UNITS = ("", "万", "亿", "万亿")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．＋－／：～", "0123456789%.+-/:~")
_UNITS = {
    "km²": "平方公里", "m²": "平方米", "km/h": "公里每小时", "km": "公里", "kg": "公斤",
    "cm": "厘米", "mm": "毫米", "ml": "毫升", "mL": "毫升", "m": "米", "g": "克", "t": "吨",
    "L": "升", "℃": "摄氏度", "°C": "摄氏度",
}
_UNIT_PATTERN = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
_TO = r"\s?[-–—~～至到]{1,2}\s?"  # 2019—2021, 3-5, 3~5, 3——5

_ISO_DATE = re.compile(r"(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])")
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])")
_YEAR_RANGE = re.compile(rf"(?<!\d)(\d{{4}}){_TO}(\d{{4}})(?=年)")
# Four digits before 年 (年代 too: 1990年代); 90年代 is "九十年代", a plain number.
_YEAR = re.compile(r"(?<!\d)(\d{4})(?=\s?年)")
_YEARS_APART = re.compile(rf"(?<=\d年){_TO}(?=\d{{4}}年)")  # 2019年—2021年
_PERCENT_RANGE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)%?{_TO}(\d+(?:\.\d+)?)\s?([%‰])")
_PERCENT = re.compile(r"(?P<sign>(?<![A-Za-z0-9.])[-−+](?=\d))?(\d+(?:\.\d+)?)\s?([%‰])")
_TEMPERATURE = re.compile(r"(?<![A-Za-z0-9.])[-−](\d+(?:\.\d+)?)\s?(?:℃|°C)")
_UNIT = re.compile(rf"(?<=\d)\s?({_UNIT_PATTERN})(?![A-Za-z])")
_FRACTION = re.compile(r"(?<![\d/.])(\d+)/(\d+)(?![\d/])")
_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_RANGE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?){_TO}(\d+(?:\.\d+)?)(?![\d.])")
_DIGIT = re.compile(r"\d")
_LATIN_CAPITAL = re.compile(r"[A-Z]")
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


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    said = ("两" if hour == 2 else cardinal(hour)) + "点"  # 2:00 is 两点
    if minute:
        said += ("零" if minute < 10 else "") + cardinal(minute) + "分"
    return said


def _number(match: re.Match[str]) -> str:
    sign = {"-": "负", "−": "负", "+": "正"}.get(match.group("sign") or "", "")
    return sign + number(match.group(2), match.group(3))


def normalise(text: str, *, keep_latin: bool = False) -> str:
    """Chinese text as it is spoken (see the module's rules); pure, no I/O."""
    text = text.translate(_FULL_WIDTH)
    if not _DIGIT.search(text):  # most paragraphs have none: skip the scans
        return spell_latin(text, "zh", cardinal) \
            if not keep_latin and _LATIN_CAPITAL.search(text) else text
    text = _ISO_DATE.sub(_date, text)
    text = _GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _YEAR_RANGE.sub(lambda m: f"{digits(m.group(1))}至{digits(m.group(2))}", text)
    text = _YEARS_APART.sub("至", text)
    text = _YEAR.sub(lambda m: digits(m.group(1)), text)
    text = _PERCENT_RANGE.sub(
        lambda m: f"{_percent_word(m.group(3))}{number(*_split(m.group(1)))}至"
                  f"{_percent_word(m.group(3))}{number(*_split(m.group(2)))}", text)
    text = _PERCENT.sub(
        lambda m: ("负" if m.group("sign") in ("-", "−") else "") + _percent_word(m.group(3))
        + number(*_split(m.group(2))), text)
    text = _TEMPERATURE.sub(lambda m: "零下" + number(*_split(m.group(1))) + "摄氏度", text)
    text = _UNIT.sub(lambda m: _UNITS[m.group(1)], text)
    text = _TIME.sub(_time, text)
    text = _FRACTION.sub(lambda m: f"{cardinal(int(m.group(2)))}分之{cardinal(int(m.group(1)))}",
                         text)
    text = _RANGE.sub(lambda m: f"{number(*_split(m.group(1)))}至{number(*_split(m.group(2)))}",
                      text)
    if not keep_latin and _LATIN_CAPITAL.search(text):
        text = spell_latin(text, "zh", cardinal)
    return _NUMBER.sub(_number, text)
