"""Kazakh numbers in words: cardinals, ordinals, the ablative, decimal fractions.

- Cardinals: бір … тоғыз, он … тоқсан, жүз, мың, миллион, миллиард; a one before
  жүз and мың is not said (100 "жүз", 1000 "мың"), before миллион it is ("бір миллион").
- Ordinals put -ыншы/-інші (after a consonant) or -ншы/-нші (after a vowel) on
  the last word: бірінші, алтыншы, қырқыншы (қырық drops its ы), жиырмасыншы.
- The ablative, a fraction's denominator: үштен, оннан, жүзден, миллиардтан.
- Decimals: whole part, бүтін, the denominator in the ablative, the numerator.
"""

from __future__ import annotations

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
