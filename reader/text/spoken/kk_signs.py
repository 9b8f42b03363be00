"""Kazakh signs and abbreviations as read aloud: money, №, clock times, scores,
telephone numbers and codes, Roman numerals, abbreviations.

The choices (a careful newsreader's; docs/speech.md says why, and a lexicon
entry overrides any of them):

- Money: the currency's name follows the amount, whichever side the sign is
  on: $100, 100$ "жүз доллар"; $1,5 млрд "бір бүтін оннан бес миллиард доллар";
  ₸ and тг are теңге. An ending moves to the currency's name, fitted to it.
- №5 before a word is an ordinal (№5 мектеп "бесінші мектеп"), elsewhere
  "нөмір бес".
- A clock time 07:05 is "жеті нөл бес", 08:00 "сегіз"; 2:1 (minutes not two
  digits, or before есеп…) is a score, "екі - бір".
- A telephone number (+7 … or 8 7xx … in groups) is read group by group,
  with a pause between; a group's leading zeros are "нөл". A run of nine or
  more digits, or one that starts with 0, is a code: digit by digit.
- A dot between groups of three digits groups thousands (10.000 "он мың").
- Roman numerals are ordinals (ХХІ ғасыр "жиырма бірінші ғасыр", III тарау
  "үшінші тарау"); I, V, X runs anywhere, others before a word that counts
  (ғасыр, тарау, том …). Cyrillic Х and І typed for Latin ones count.
- Abbreviations: the table below, by their full words; other capitals are
  spelt by letter names (kk.py).
"""

from __future__ import annotations

import re

from . import roman
from .endings import attach
from .kk_numbers import cardinal, ordinal

_LOWER = "а-яёәғқңөұүһі"
_UPPER = "А-ЯЁӘҒҚҢӨҰҮҺІ"

#: Currency signs and their names.
CURRENCIES = {"$": "доллар", "€": "еуро", "£": "фунт", "¥": "юань", "￥": "юань", "₽": "рубль",
              "₸": "теңге"}
_SIGN = "[$€£¥￥₽₸]"
_AMOUNT = r"\d{1,3}(?:[ \u00a0]\d{3})+(?![\d,])|\d+(?:[.,]\d+)?"
_SCALE = r"(?:\s(?:млн|млрд|трлн|мың|миллион|миллиард|триллион))?"
_ENDING = rf"(?:-([{_LOWER}]+))?"
_MONEY_BEFORE = re.compile(rf"({_SIGN})\s?({_AMOUNT})({_SCALE}){_ENDING}")
_MONEY_AFTER = re.compile(rf"(?<=\d)(\s?(?:млн|млрд|трлн|мың)?)\s?({_SIGN}|тг(?!\w)){_ENDING}")

#: Dotted abbreviations, by their words (longest first when matched).
DOTTED = {
    "т.с.с.": "тағы сол сияқты", "т.б.": "тағы басқа", "т.т.": "тағы тағылар",
    "б.з.б.": "біздің заманымыздан бұрын", "б.з.д.": "біздің заманымызға дейін",
    "б.з.": "біздің заманымыз", "жж.": "жылдары", "ж.ж.": "жылдары", "ғғ.": "ғасырлар",
    "ғ.": "ғасыр", "мыс.": "мысалы", "обл.": "облысы", "ауд.": "ауданы",
    "көш.": "көшесі", "проф.": "профессор", "акад.": "академик",
}
#: Initialisms said as their words: (words, possessed (ends in -сы/-ы), the plural).
INITIALISMS: dict[str, tuple[str, bool, str | None]] = {
    "ҚР": ("Қазақстан Республикасы", True, None),
    "ҚХР": ("Қытай Халық Республикасы", True, None),
    "ЖОО": ("жоғары оқу орны", True, "жоғары оқу орындары"),
    "ЖІӨ": ("жалпы ішкі өнім", False, None),
    "БҰҰ": ("Біріккен Ұлттар Ұйымы", True, None),
}
#: Words after which a Roman numeral counts (ғасыр, тарау …), with their endings.
_COUNTED = ("ғасыр", "ғ.", "ғғ.", "тарау", "том", "бөлім", "кітап", "дәреже", "топ", "съезд",
            "курс", "сессия", "кезең", "дүниежүзілік", "халықаралық", "республикалық",
            "форум", "фестиваль", "олимпиада", "чемпионат", "спартакиада", "құрылтай",
            "тоқсан", "жартыжылдық", "семестр", "деңгей", "санат")
_SYMBOLS = {"%": "пайыз", "‰": "промилле", "№": "нөмір", "²": "квадрат", "³": "куб",
            "°": "градус", **CURRENCIES}

_DOTTED = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(k).replace(r"\.", r"\.\s?")
                              for k in sorted(DOTTED, key=len, reverse=True)) + r")"
    r"(?=\s|$|[,;:!?)»])")
_INITIALISM = re.compile(rf"(?<![\w-])({'|'.join(INITIALISMS)}){_ENDING}(?![\w])")
_LETTER = rf"[A-Za-z{_LOWER}{_UPPER}]"
_ROMAN = re.compile(rf"((?<!{_LETTER})[IVXLCDMХІ]+(?!{_LETTER})|[\u2160-\u216b]){_ENDING}")
_NUMBER_SIGN = re.compile(rf"№\s?(\d+){_ENDING}")
_CLOCK = re.compile(rf"(?<![\d:.,])(\d{{1,3}}):(\d{{1,3}})(?![\d:]|[.,]\d){_ENDING}")
_PHONE = re.compile(r"(?<![\w+])(\+\d{1,3}|8)([ \-]\(?\d{2,4}\)?(?:[ \-]\d{2,4}){2,4})(?![\w])")
_CODE = re.compile(r"(?<![\d.,:/\w])(?<!\d[ \u00a0])(?:\d{9,}|0\d+)(?![\d\w]|[.,:/]\d)")
_THOUSANDS_DOT = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|[.,]\d)")
_SENTENCE_END = re.compile(rf"\s*$|\s+[{_UPPER}A-Z«\"“]")
_STRAY = re.compile("[" + re.escape("".join(_SYMBOLS)) + "]")
_NEXT_WORD = re.compile(rf"\s+([{_LOWER}{_UPPER}\w.]+)")


def _next(match: re.Match[str]) -> str:
    found = _NEXT_WORD.match(match.string, match.end())
    return found.group(1).lower() if found else ""


def money(text: str) -> str:
    """Currency signs as the currency's name after the amount (digits left for the numbers)."""
    def before(match: re.Match[str]) -> str:
        amount, scale = match.group(2), match.group(3) or ""
        return f"{amount}{scale} " + attach(CURRENCIES[match.group(1)], match.group(4) or "")

    def after(match: re.Match[str]) -> str:
        name = CURRENCIES.get(match.group(2), "теңге")
        return f"{match.group(1)} " + attach(name, match.group(3) or "")

    return _MONEY_AFTER.sub(after, _MONEY_BEFORE.sub(before, text))


def dotted(text: str) -> str:
    """Dotted abbreviations (т.б., т.с.с.) by their words; a sentence's full stop is kept."""
    def said(match: re.Match[str]) -> str:
        words = DOTTED[re.sub(r"\s", "", match.group(1))]
        ends = _SENTENCE_END.match(match.string, match.end()) and match.group(1)[-1] == "."
        return words + ("." if ends and match.group(1) not in ("ғ.", "ғғ.") else "")

    return _DOTTED.sub(said, text)


def initialisms(text: str) -> str:
    """The table's initialisms (ҚР, ЖОО) by their words, an ending fitted to the last one."""
    def said(match: re.Match[str]) -> str:
        words, possessed, plural = INITIALISMS[match.group(1)]
        return attach(words, match.group(2) or "", possessed=possessed, plural_form=plural)

    return _INITIALISM.sub(said, text)


def numerals(text: str) -> str:
    """Roman numerals as ordinals: runs of I V X anywhere, the rest before a counted word."""
    def said(match: re.Match[str]) -> str:
        token, ending = match.group(1), match.group(2) or ""
        number = roman.value(token)
        counted = _next(match).startswith(_COUNTED) or ending.startswith(_COUNTED)
        if number is None or not (token in roman.SIGNS or roman.plain(token) or counted):
            return match.group(0)
        if ending and not counted:
            return attach(ordinal(number), ending)
        return ordinal(number) + (f"-{ending}" if ending else "")

    return _ROMAN.sub(said, text)


def numbered(text: str) -> str:
    """№5 мектеп "бесінші мектеп"; №5 alone "нөмір бес"."""
    def said(match: re.Match[str]) -> str:
        n, ending = int(match.group(1)), match.group(2) or ""
        following = _NEXT_WORD.match(match.string, match.end())
        if not ending and following and following.group(1)[:1].islower():
            return ordinal(n)
        return "нөмір " + attach(cardinal(n), ending)

    return _NUMBER_SIGN.sub(said, text)


def _group(digits: str) -> str:
    """A written group of a telephone number: leading zeros one by one, then the number."""
    rest = digits.lstrip("0")
    return " ".join(["нөл"] * (len(digits) - len(rest)) + ([cardinal(int(rest))] if rest else []))


def clock(text: str) -> str:
    """07:05 "жеті нөл бес", 08:00-де "сегізде"; 2:1 and scores "екі - бір"."""
    def said(match: re.Match[str]) -> str:
        hours, minutes, ending = match.group(1), match.group(2), match.group(3) or ""
        score = _next(match).startswith("есе") or len(minutes) != 2
        if score or int(hours) > 24 or int(minutes) > 59:
            return f"{cardinal(int(hours))} - " + attach(cardinal(int(minutes)), ending)
        words = cardinal(int(hours))
        if minutes != "00":
            words += " " + _group(minutes)
        return attach(words, ending)

    return _CLOCK.sub(said, text)


def phones(text: str) -> str:
    """Telephone numbers group by group; long or zero-led digit runs digit by digit."""
    def phone(match: re.Match[str]) -> str:
        groups = re.findall(r"\d+", match.group(0))
        if sum(map(len, groups)) < 10:
            return match.group(0)
        head = match.group(1)
        first = ("плюс " + cardinal(int(head[1:]))) if head.startswith("+") else _group(head)
        return ", ".join([first, *map(_group, groups[1:])])

    text = _PHONE.sub(phone, text)
    return _CODE.sub(lambda m: " ".join(cardinal(int(d)) for d in m.group(0)), text)


def thousands(text: str) -> str:
    """10.000 is ten thousand: dots between groups of three digits are dropped."""
    return _THOUSANDS_DOT.sub(lambda m: m.group(0).replace(".", ""), text)


def stray(text: str) -> str:
    """A sign no rule read (a % with no number, a lone $) by its name."""
    return _STRAY.sub(lambda m: " " + _SYMBOLS[m.group(0)] + " ", text)
