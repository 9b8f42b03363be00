"""Kazakh as it is read aloud: numbers, years, dates, decimals, percent, abbreviations, dashes.

The rules, from Kazakh grammar and orthography:

- Numbers in words, ordinals, the ablative and decimals: see `kk_numbers`.
  Money, №, clock times, scores, telephone numbers, Roman numerals and the
  abbreviation table: see `kk_signs`.
- A number is ordinal when the text marks it with a hyphen
  (2019-жылы, 8-қаңтар, 3-орын, 1-ші), when it is a year (four digits before
  жыл…, or any number before жылы/жылғы), a day before a month name
  (8 қаңтар, 8 қаңтарда) or a century (XX ғасыр). A five-digit number before
  жыл is a count of years (10000 жыл бұрын). The words the text has after
  it, with their case endings, are kept as written.
- A hyphen followed by a case ending (2019-да, 3-ке, 5-тен) puts the ending on
  the number's last word, fitted to it by vowel harmony and the last sound
  (3-ке "үшке"; see `endings`).
- Decimals: 6,5 "алты бүтін оннан бес"; a dot between groups of three digits
  groups thousands (10.000 "он мың"), as spaces do.
- Units after a number: км, м², км², м³, т, л, кВт, ‰ … (the table below), also
  after млн/млрд (2 млн м³ "екі миллион текше метр").
- Fractions: the denominator in the ablative, then the numerator: 1/3 "үштен бір".
- Percent is пайыз, and keeps its ending: 6,5%-ға "… пайызға"; 20-30% "жиырма - отыз пайыз".
- Dates 08.01.2021 are read "2021 жылғы 8 қаңтар" (year, then day and month).
- A dash between words (unspaced «…»–бастапқыда or spaced) is a pause: a comma.
- All-capital Cyrillic abbreviations are read by letter names (ТМД "тэ эм дэ").
"""

from __future__ import annotations

import re

from . import kk_signs
from .endings import attach
from .kk_numbers import ablative, cardinal, decimal, ordinal
from .letters import spell_cyrillic_kk, spell_latin

__all__ = ["MONTHS", "ablative", "cardinal", "decimal", "normalise", "ordinal"]

MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
          "қыркүйек", "қазан", "қараша", "желтоқсан")
_UNITS = {"км": "километр", "кг": "килограмм", "см": "сантиметр", "мм": "миллиметр",
          "м": "метр", "га": "гектар", "млн": "миллион", "млрд": "миллиард",
          "трлн": "триллион", "°C": "градус", "°С": "градус", "℃": "градус", "°": "градус",
          "ж.": "жылы", "м²": "шаршы метр", "м2": "шаршы метр", "км²": "шаршы километр",
          "км2": "шаршы километр", "см²": "шаршы сантиметр", "м³": "текше метр",
          "м3": "текше метр", "см³": "текше сантиметр", "т": "тонна", "л": "литр",
          "ц": "центнер", "кВт·сағ": "киловатт сағат", "кВт": "киловатт", "МВт": "мегаватт",
          "‰": "промилле"}
_UNIT_PATTERN = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))

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
_DASH = re.compile(r"\s*[–—―]\s*")
_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])|"
                   r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d]|[,.]\d)")
_UNIT = re.compile(r"(?:(?<=\d)|(?<=\dмлн)|(?<=\dмлрд)|(?<=\d млн)|(?<=\d млрд))"
                   rf"[ \u00a0]?({_UNIT_PATTERN})(?![\w²³]|\.\w)(?:-([{_LOWER}]+))?")
_FRACTION = re.compile(r"(?<![\d/.,])(\d+)/(\d+)(?![\d/])")
_RANGE = re.compile(r"(?<![\d,.])(\d+)(?:\s?%)?\s?[-–—]\s?(\d+)(?![\d]|[,.]\d)"
                    rf"(?:(\s?%)(?:-([{_LOWER}]+))?)?")
_NUMBER = re.compile(
    r"(?P<sign>(?<![^\s(«\"“])[-−+](?=\d))?"
    r"(?P<int>\d+)(?:[,.](?P<frac>\d+))?"
    rf"(?P<pct>\s?%)?(?:-(?P<suffix>[{_LOWER}]+))?"
)
_DIGIT = re.compile(r"\d")
_CAPITALS = re.compile(rf"[{_UPPER}]{{2}}")
_DASH_MARK = re.compile(r"[–—―]")
_LATIN_CAPITAL = re.compile(r"[A-Z]")
_ROMAN_LETTER = re.compile(r"[IVXLCDMХІ\u2160-\u216b]")
_SIGNS = re.compile(r"[%‰№²³°$€£¥￥₽₸]")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")



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
    return attach(words, ending)


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
    said = f"{read(int(first))} - {read(int(second))}"
    if match.group(3):
        said += " " + attach("пайыз", match.group(4) or "")
    return _sentence_case(match, said)


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


def _abbreviation(match: re.Match[str]) -> str:
    ending = match.group(2) or ""
    return spell_cyrillic_kk(match.group(1)) + ending


def normalise(text: str, *, keep_latin: bool = False) -> str:
    """Kazakh text as it is spoken (see the module's rules); pure, no I/O."""
    if "." in text:
        text = kk_signs.dotted(text)
    if _ROMAN_LETTER.search(text):
        text = kk_signs.numerals(text)
    if _CAPITALS.search(text):
        text = kk_signs.initialisms(text)
    if not keep_latin and _LATIN_CAPITAL.search(text):
        text = spell_latin(text, "kk", cardinal)
    if _CAPITALS.search(text):
        text = _CYRILLIC_ABBREVIATION.sub(_abbreviation, text)
    if _DASH_MARK.search(text):
        text = _DASH.sub(_dash, text)
    if not _DIGIT.search(text):
        return kk_signs.stray(text) if _SIGNS.search(text) else text
    text = _DATE.sub(_date, text)
    text = kk_signs.phones(text)
    text = kk_signs.clock(text)
    text = kk_signs.money(text)
    text = kk_signs.numbered(text)
    text = kk_signs.thousands(text)
    text = _GROUPED.sub(lambda m: re.sub(r"\D", "", m.group(0)), text)
    text = _UNIT.sub(lambda m: " " + attach(_UNITS[m.group(1)], m.group(2) or ""), text)
    text = _FRACTION.sub(lambda m: _sentence_case(
        m, f"{ablative(int(m.group(2)))} {cardinal(int(m.group(1)))}"), text)
    text = _RANGE.sub(_range, text)
    text = _NUMBER.sub(_number, text)
    return kk_signs.stray(text) if _SIGNS.search(text) else text
