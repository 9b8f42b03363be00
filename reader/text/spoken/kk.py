"""Kazakh as it is read aloud: numbers, years, dates, decimals, percent, abbreviations, dashes.

The rules, from Kazakh grammar and orthography:

- Cardinals: бір … тоғыз, он … тоқсан, жүз, мың, миллион, миллиард; a one before
  жүз and мың is not said (100 "жүз", 1000 "мың"), before миллион it is ("бір миллион").
- Ordinals put -(ы)ншы/-(і)нші on the last word (бірінші, алтыншы, қырқыншы,
  жиырмасыншы). A number is ordinal when the text marks it with a hyphen
  (2019-жылы, 8-қаңтар, 3-орын, 1-ші), when it is a year (four digits before
  жыл…, or any number before жылы/жылғы), a day before a month name
  (8 қаңтар, 8 қаңтарда) or a century (XX ғасыр). The words the text has after
  it, with their case endings, are kept as written.
- A hyphen followed by a case ending (2019-да, 3-ке, 5-тен) glues the ending to
  the number's last word (үшке).
- Decimals: whole part, бүтін, the denominator in the ablative, the numerator:
  6,5 "алты бүтін оннан бес"; 6,25 "алты бүтін жүзден жиырма бес".
- Fractions: the denominator in the ablative, then the numerator: 1/3 "үштен бір".
- Percent is пайыз, and keeps its ending: 6,5%-ға "… пайызға".
- Dates 08.01.2021 are read "2021 жылғы 8 қаңтар" (year, then day and month).
- A dash between words (unspaced «…»–бастапқыда or spaced) is a pause: a comma.
- All-capital Cyrillic abbreviations are read by letter names (ТМД "тэ эм дэ").
"""

from __future__ import annotations

import re

from .letters import spell_cyrillic_kk, spell_latin

_ONES = ("", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_TENS = ("", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")
_SCALES = ((10**12, "триллион"), (10**9, "миллиард"), (10**6, "миллион"), (10**3, "мың"))
#: Every word a number can end with, as an ordinal.
_ORDINAL = {
    "нөл": "нөлінші", "бір": "бірінші", "екі": "екінші", "үш": "үшінші", "төрт": "төртінші",
    "бес": "бесінші", "алты": "алтыншы", "жеті": "жетінші", "сегіз": "сегізінші",
    "тоғыз": "тоғызыншы", "он": "оныншы", "жиырма": "жиырмасыншы", "отыз": "отызыншы",
    "қырық": "қырқыншы", "елу": "елуінші", "алпыс": "алпысыншы", "жетпіс": "жетпісінші",
    "сексен": "сексенінші", "тоқсан": "тоқсаныншы", "жүз": "жүзінші", "мың": "мыңыншы",
    "миллион": "миллионыншы", "миллиард": "миллиардыншы", "триллион": "триллионыншы",
}
#: The denominator of a decimal fraction, in the ablative: 10 оннан, 100 жүзден, ….
_DENOMINATOR = {places: "" for places in range(1, 7)}  # 10 … 10⁶, filled in below
#: Every word a number can end with, in the ablative (the denominator of a fraction).
_ABLATIVE = {
    "бір": "бірден", "екі": "екіден", "үш": "үштен", "төрт": "төрттен", "бес": "бестен",
    "алты": "алтыдан", "жеті": "жетіден", "сегіз": "сегізден", "тоғыз": "тоғыздан",
    "он": "оннан", "жиырма": "жиырмадан", "отыз": "отыздан", "қырық": "қырықтан",
    "елу": "елуден", "алпыс": "алпыстан", "жетпіс": "жетпістен", "сексен": "сексеннен",
    "тоқсан": "тоқсаннан", "жүз": "жүзден", "мың": "мыңнан", "миллион": "миллионнан",
    "миллиард": "миллиардтан", "триллион": "триллионнан", "нөл": "нөлден",
}
MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
          "қыркүйек", "қазан", "қараша", "желтоқсан")
_UNITS = {"км": "километр", "кг": "килограмм", "см": "сантиметр", "мм": "миллиметр",
          "м": "метр", "га": "гектар", "млн": "миллион", "млрд": "миллиард", "°C": "градус",
          "℃": "градус", "°": "градус", "ж.": "жылы"}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

# Case, plural and possessive endings a number can take after a hyphen (2019-да, 3-ке).
_CASE_ENDING = re.compile(
    r"(?:лар|лер|дар|дер|тар|тер)?(?:сы|сі|ы|і)?"
    r"(?:ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|а|е|ны|ні|ды|ді|ты|ті|н|"
    r"да|де|та|те|нда|нде|дағы|дегі|тағы|тегі|ндағы|ндегі|дан|ден|тан|тен|нан|нен|"
    r"мен|бен|пен)?"
)
_ORDINAL_MARK = frozenset({"ші", "шы", "інші", "ыншы", "нші", "ншы"})

_UPPER = "А-ЯЁӘҒҚҢӨҰҮҺІ"
_LOWER = "а-яёәғқңөұүһі"
_CYRILLIC_ABBREVIATION = re.compile(rf"(?<![\w-])([{_UPPER}]{{2,5}})(?:-([{_LOWER}]+))?(?!\w)")
_CENTURY = re.compile(r"(?<!\w)([IVXLC]+)(?=\s+ғасыр)")
_DASH = re.compile(r"\s*[–—―]\s*")
_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])|"
                   r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d]|[,.]\d)")
_UNIT = re.compile(r"(?<=\d)[ \u00a0]?(км|кг|см|мм|га|млн|млрд|м|°C|℃|°|ж\.)(?!\w)"
                   rf"(?:-([{_LOWER}]+))?")
_FRACTION = re.compile(r"(?<![\d/.,])(\d+)/(\d+)(?![\d/])")
_RANGE = re.compile(r"(?<![\d,.])(\d+)\s?[-–—]\s?(\d+)(?![\d]|[,.]\d)")
_NUMBER = re.compile(
    r"(?P<sign>(?<![^\s(«\"“])[-−+](?=\d))?"
    r"(?P<int>\d+)(?:[,.](?P<frac>\d+))?"
    rf"(?P<pct>\s?%)?(?:-(?P<suffix>[{_LOWER}]+))?"
)
_DIGIT = re.compile(r"\d")
_CAPITALS = re.compile(rf"[{_UPPER}]{{2}}")
_DASH_MARK = re.compile(r"[–—―]")
_LATIN_CAPITAL = re.compile(r"[A-Z]")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")


def cardinal(n: int) -> str:
    """A whole number in words: 2019 → "екі мың он тоғыз", 206000 → "екі жүз алты мың"."""
    if n < 0:
        return "минус " + cardinal(-n)
    if n == 0:
        return "нөл"
    if n >= 10**15:  # no name for it: read the digits
        return " ".join(cardinal(int(digit)) for digit in str(n))
    words: list[str] = []
    for value, name in _SCALES:
        count, n = divmod(n, value)
        if count:
            if not (count == 1 and value == 1000):
                words += _below_thousand(count)
            words.append(name)
    return " ".join(words + _below_thousand(n))


def _below_thousand(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    words = ([_ONES[hundreds]] if hundreds > 1 else []) + (["жүз"] if hundreds else [])
    return words + ([_TENS[tens]] if tens else []) + ([_ONES[ones]] if ones else [])


def ablative(n: int) -> str:
    """A number in the ablative ("from"), as a fraction's denominator: 3 → "үштен"."""
    words = cardinal(n).split(" ")
    words[-1] = _ABLATIVE[words[-1]]
    return " ".join(words)


_DENOMINATOR.update({places: ablative(10**places) for places in _DENOMINATOR})


def ordinal(n: int) -> str:
    """An ordinal in words: 2019 → "екі мың он тоғызыншы", 8 → "сегізінші"."""
    words = cardinal(n).split(" ")
    words[-1] = _ORDINAL[words[-1]]
    return " ".join(words)


def decimal(whole: str, fraction: str) -> str:
    """A decimal fraction: ("6", "5") → "алты бүтін оннан бес"."""
    head = f"{cardinal(int(whole))} бүтін"
    if len(fraction) not in _DENOMINATOR:
        return f"{head} {' '.join(cardinal(int(digit)) for digit in fraction)}"
    return f"{head} {_DENOMINATOR[len(fraction)]} {cardinal(int(fraction))}"


def _is_year_word(word: str, digits: str) -> bool:
    word = word.lower()
    return word.startswith("жыл") and (len(digits) == 4 or word in ("жылы", "жылғы"))


def _is_month(word: str) -> bool:
    return word.lower().startswith(MONTHS)


def _ordinal_context(digits: str, following: str) -> bool:
    """Whether the word after a number makes it an ordinal (a year, a day, a century)."""
    if not following:
        return False
    return (_is_year_word(following, digits) or following.lower().startswith("ғасыр")
            or (_is_month(following) and 1 <= int(digits) <= 31))


def _next_word(match: re.Match[str]) -> str:
    found = _NEXT_WORD.match(match.string, match.end())
    return found.group(1) if found else ""


def _glue(words: str, ending: str) -> str:
    return words + ending


def _sentence_case(match: re.Match[str], words: str) -> str:
    """Words that open a sentence after another one start with a capital.

    (Not at the start of the text: it may be a piece between lexicon entries.)
    """
    before = match.string[: match.start()].rstrip()
    return words[:1].upper() + words[1:] if before[-1:] in (".", "!", "?", "…") else words


def _number(match: re.Match[str]) -> str:
    return _sentence_case(match, _number_words(match))


def _number_words(match: re.Match[str]) -> str:
    digits, fraction, suffix = match.group("int"), match.group("frac"), match.group("suffix")
    sign = {"-": "минус ", "−": "минус ", "+": "плюс "}.get(match.group("sign") or "", "")
    if fraction is not None:
        words = decimal(digits, fraction)
    elif suffix in _ORDINAL_MARK:
        return sign + ordinal(int(digits))
    elif suffix and not match.group("pct") and not _CASE_ENDING.fullmatch(suffix):
        return f"{sign}{ordinal(int(digits))} {suffix}"  # 2019-жылы, 8-қаңтар, 3-орын
    elif _ordinal_context(digits, "" if suffix else _next_word(match)):
        words = ordinal(int(digits))
    else:
        words = cardinal(int(digits))
    if match.group("pct"):
        words += " пайыз"
    return sign + (_glue(words, suffix) if suffix else words)


def _range(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    read = ordinal if _ordinal_context(second, _next_word(match)) else cardinal
    return _sentence_case(match, f"{read(int(first))} - {read(int(second))}")


def _date(match: re.Match[str]) -> str:
    if match.group(1):
        day, month, year = (int(match.group(i)) for i in (1, 2, 3))
    else:
        year, month, day = (int(match.group(i)) for i in (4, 5, 6))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return _sentence_case(match, f"{ordinal(year)} жылғы {ordinal(day)} {MONTHS[month - 1]}")


def _dash(match: re.Match[str]) -> str:
    before = match.string[: match.start()].rstrip()[-1:]
    after = match.string[match.end() :][:1]
    if before.isdigit() and after.isdigit():
        return match.group(0)  # a range, read by _range
    if not before:
        return ""  # a dialogue dash opening the paragraph
    return " " if before in ",.;:!?" else ", "


def _roman(match: re.Match[str]) -> str:
    values = [_ROMAN[ch] for ch in match.group(1)]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v
                for i, v in enumerate(values))
    return ordinal(total)


def _abbreviation(match: re.Match[str]) -> str:
    ending = match.group(2) or ""
    return spell_cyrillic_kk(match.group(1)) + ending


def normalise(text: str, *, keep_latin: bool = False) -> str:
    """Kazakh text as it is spoken (see the module's rules); pure, no I/O."""
    if _LATIN_CAPITAL.search(text):  # most paragraphs have none: skip the scans
        text = _CENTURY.sub(_roman, text)
        if not keep_latin:
            text = spell_latin(text, "kk", cardinal)
    if _CAPITALS.search(text):
        text = _CYRILLIC_ABBREVIATION.sub(_abbreviation, text)
    if _DASH_MARK.search(text):
        text = _DASH.sub(_dash, text)
    if not _DIGIT.search(text):
        return text
    text = _DATE.sub(_date, text)
    text = _GROUPED.sub(lambda m: re.sub(r"\D", "", m.group(0)), text)
    text = _UNIT.sub(lambda m: " " + _UNITS[m.group(1)] + (m.group(2) or ""), text)
    text = _FRACTION.sub(lambda m: _sentence_case(
        m, f"{ablative(int(m.group(2)))} {cardinal(int(m.group(1)))}"), text)
    text = _RANGE.sub(_range, text)
    return _NUMBER.sub(_number, text)
