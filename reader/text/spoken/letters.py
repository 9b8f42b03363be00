"""Acronyms spelt with a language's own letter names, so the voice never switches language.

A Latin acronym (GDP, 5G, COVID-19) read by a Kazakh or Mandarin voice makes
espeak-ng switch to its English voice mid-sentence. Here each letter becomes
the name a Kazakh or Mandarin speaker says for it, written in their own
script; digits become the language's numbers; a few acronyms that are said as
words (COVID) are said as words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Latin letter names as Kazakh (and Russian) speakers say them in acronyms
#: (BBC "би-би-си", IT "ай-ти"): the English names, written in Cyrillic.
LATIN_KK = {
    "A": "эй", "B": "би", "C": "си", "D": "ди", "E": "и", "F": "эф", "G": "джи",
    "H": "эйч", "I": "ай", "J": "джей", "K": "кей", "L": "эл", "M": "эм", "N": "эн",
    "O": "оу", "P": "пи", "Q": "кью", "R": "ар", "S": "эс", "T": "ти", "U": "ю",
    "V": "ви", "W": "дабл ю", "X": "экс", "Y": "уай", "Z": "зед",
}

#: Latin letter names as Mandarin speakers say them, in the characters commonly
#: used to write those sounds (GDP "吉迪批", 5G "五吉").
LATIN_ZH = {
    "A": "欸", "B": "比", "C": "西", "D": "迪", "E": "伊", "F": "艾弗", "G": "吉",
    "H": "艾尺", "I": "艾", "J": "杰", "K": "开", "L": "艾勒", "M": "艾姆", "N": "恩",
    "O": "欧", "P": "批", "Q": "丘", "R": "阿尔", "S": "艾斯", "T": "提", "U": "优",
    "V": "维", "W": "达布留", "X": "艾克斯", "Y": "歪", "Z": "贼德",
}

#: Acronyms said as a word, not letter by letter.
LATIN_WORDS = {
    "kk": {"COVID": "ковид", "NATO": "нато", "UNESCO": "юнеско", "NASA": "наса"},
    "zh": {"COVID": "科维德", "NASA": "纳萨", "UNESCO": "尤内斯科"},
}

#: The Kazakh alphabet's letter names as said in abbreviations (ТМД "тэ эм дэ",
#: ҚР "қы эр"): vowels by themselves; бэ вэ гэ дэ …, эл эм эн эр эс эф, and ы for
#: the back consonants ғ қ ң.
CYRILLIC_KK = {
    "А": "а", "Ә": "ә", "Б": "бэ", "В": "вэ", "Г": "гэ", "Ғ": "ғы", "Д": "дэ", "Е": "е",
    "Ё": "ё", "Ж": "жэ", "З": "зэ", "И": "и", "Й": "ий", "К": "ка", "Қ": "қы", "Л": "эл",
    "М": "эм", "Н": "эн", "Ң": "ың", "О": "о", "Ө": "ө", "П": "пэ", "Р": "эр", "С": "эс",
    "Т": "тэ", "У": "у", "Ұ": "ұ", "Ү": "ү", "Ф": "эф", "Х": "ха", "Һ": "һа", "Ц": "цэ",
    "Ч": "чэ", "Ш": "ша", "Щ": "ща", "Ъ": "айыру белгісі", "Ы": "ы", "І": "і",
    "Ь": "жіңішкелік белгісі", "Э": "э", "Ю": "ю", "Я": "я",
}

# GDP, 5G, G20, MP3, COVID-19: capitals and digits, at least one capital, whole token.
# Bounded by ASCII letters and digits only: Han characters touch acronyms ("推进5G建设").
_LATIN = re.compile(r"(?<![A-Za-z0-9-])(?=[A-Z0-9]*[A-Z])[A-Z0-9]+(?:-[0-9]+)?(?![A-Za-z0-9])")
_RUN = re.compile(r"[A-Z]+|[0-9]+")


def spell_latin(text: str, lang: str, number: Callable[[int], str]) -> str:
    """Latin acronyms in `text` spelt with `lang`'s letter names; digits via `number`."""
    names = LATIN_ZH if lang == "zh" else LATIN_KK
    words = LATIN_WORDS.get(lang, {})
    joiner = "" if lang == "zh" else " "

    def spell(match: re.Match[str]) -> str:
        token = match.group(0)
        letters = sum(ch.isalpha() for ch in token)
        if letters == len(token) == 1:  # an initial or a single letter ("A. Smith", "A")
            return token
        parts = []
        for run in _RUN.findall(token):
            if run.isdigit():
                parts.append(number(int(run)))
            elif run in words:
                parts.append(words[run])
            else:
                parts.append(joiner.join(names[ch] for ch in run))
        return joiner.join(parts)

    return _LATIN.sub(spell, text)


def latin_segments(text: str) -> list[tuple[str, bool]]:
    """`text` split around Latin acronyms, which are marked (True) to be left as written."""
    segments: list[tuple[str, bool]] = []
    last = 0
    for match in _LATIN.finditer(text):
        segments += [(text[last : match.start()], False), (match.group(0), True)]
        last = match.end()
    return [*segments, (text[last:], False)]


def spell_cyrillic_kk(letters: str) -> str:
    """An all-capital Cyrillic abbreviation read by its letters' names: ТМД → "тэ эм дэ"."""
    return " ".join(CYRILLIC_KK.get(ch, ch.lower()) for ch in letters)
