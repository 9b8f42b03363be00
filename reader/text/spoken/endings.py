"""Kazakh endings fitted to the word they follow, as the spoken form needs.

When a symbol becomes a word ($100-ге → "жүз долларға", ҚР-да → "Қазақстан
Республикасында") the ending the writer chose fits the symbol or the digits, not
the word now said; here it is chosen again from the word by the rules:

- Vowel harmony: the last of а о ұ ы я ё (back) or ә е ө ү і э ю (front) decides; и
  and у alone say nothing (миллион is back, литр front); a final ь is front.
- The last sound: a vowel; a nasal (м н ң); another voiced consonant (л р й у з ж);
  or voiceless (к қ п с т ф х ц ч ш щ, and б в г д, said voiceless at a word's end).
- Dative ға/ға·қа, locative да/та, ablative дан/тан/нан (after a nasal),
  genitive ның (vowel, nasal)/дың/тың, accusative ны/ды/ты, instrumental
  мен/бен (з ж)/пен, plural лар (vowel, р й у)/дар/тар, possessive сы/ы.
- After a third-person possessive (Республикасы, орны) the case takes н: на,
  нда, нан, ның, н, ндағы.
"""

from __future__ import annotations

import re

_BACK = set("аоұыяё")
_FRONT = set("әеөүіэю")
_NASAL = set("мнң")
_VOICED = set("лрйузж")
_VOICELESS = set("кқпстфхцчшщбвгд")
_VOWELS = _BACK | _FRONT | {"и", "у"}

# An ending as written: plural, possessive, case, each optional (in this order).
_PARTS = re.compile(
    r"(?P<plural>лар|лер|дар|дер|тар|тер)?(?P<poss>сы|сі|ы|і)?"
    r"(?P<case>ндағы|ндегі|дағы|дегі|тағы|тегі|ның|нің|дың|дің|тың|тің|нда|нде|нан|нен|"
    r"дан|ден|тан|тен|ға|ге|қа|ке|на|не|да|де|та|те|ны|ні|ды|ді|ты|ті|мен|бен|пен|н)?"
)
_CASE = {
    **dict.fromkeys(("ға", "ге", "қа", "ке", "на", "не"), "dat"),
    **dict.fromkeys(("да", "де", "та", "те", "нда", "нде"), "loc"),
    **dict.fromkeys(("дан", "ден", "тан", "тен", "нан", "нен"), "abl"),
    **dict.fromkeys(("ның", "нің", "дың", "дің", "тың", "тің"), "gen"),
    **dict.fromkeys(("ны", "ні", "ды", "ді", "ты", "ті", "н"), "acc"),
    **dict.fromkeys(("мен", "бен", "пен"), "ins"),
    **dict.fromkeys(("дағы", "дегі", "тағы", "тегі", "ндағы", "ндегі"), "attr"),
}


def is_front(word: str) -> bool:
    """Whether a word takes front-vowel endings (е ә і ү ө)."""
    word = word.lower()
    if word.endswith("ь"):
        return True
    for ch in reversed(word):
        if ch in _FRONT:
            return True
        if ch in _BACK:
            return False
    return "и" in word


def _sound(word: str) -> str:
    """The class of the word's last sound: vowel, nasal, voiced or voiceless."""
    last = word.lower().rstrip("ьъ")[-1:]
    if last in _NASAL:
        return "nasal"
    if last in _VOICELESS:
        return "voiceless"
    if last in _VOICED:
        return "voiced"
    return "vowel" if last in _VOWELS else "voiced"


def _pick(front: bool, back_form: str) -> str:
    if not front:
        return back_form
    return back_form.translate(str.maketrans("аыұоғқ", "еіүөгк"))


def _case(word: str, case: str, possessed: bool) -> str:
    sound, front = _sound(word), is_front(word)
    if possessed and case != "ins":
        form = {"dat": "на", "loc": "нда", "abl": "нан", "gen": "ның", "acc": "н",
                "attr": "ндағы"}[case]
    elif case == "dat":
        form = "қа" if sound == "voiceless" else "ға"
    elif case in ("loc", "attr"):
        form = ("та" if sound == "voiceless" else "да") + ("ғы" if case == "attr" else "")
    elif case == "abl":
        form = {"nasal": "нан", "voiceless": "тан"}.get(sound, "дан")
    elif case == "gen":
        form = {"vowel": "ның", "nasal": "ның", "voiceless": "тың"}.get(sound, "дың")
    elif case == "acc":
        form = {"vowel": "ны", "voiceless": "ты"}.get(sound, "ды")
    else:  # instrumental
        last = word.lower()[-1:]
        form = "пен" if sound == "voiceless" else "бен" if last in "зж" else "мен"
    return word + _pick(front, form)


def plural(word: str) -> str:
    """The plural: "доллар" → "долларлар", "метр" → "метрлер", "адам" → "адамдар"."""
    sound, last = _sound(word), word.lower()[-1:]
    if sound == "vowel" or last in "рйу":
        form = "лар"
    elif sound == "voiceless":
        form = "тар"
    else:
        form = "дар"
    return word + _pick(is_front(word), form)


def possessive(word: str) -> str:
    """The third-person possessive: "пайыз" → "пайызы", "теңге" → "теңгесі"."""
    return word + _pick(is_front(word), "сы" if _sound(word) == "vowel" else "ы")


def attach(words: str, ending: str, *, possessed: bool = False,
           plural_form: str | None = None) -> str:
    """`words` with `ending` (as written after a hyphen) refitted to its last word.

    `possessed`: the last word already carries a third-person possessive
    (Республикасы). `plural_form`: how the words are said in the plural, when
    that is not a regular plural (жоғары оқу орны → жоғары оқу орындары).
    An ending not made of known parts is glued on as written.
    """
    parts = _PARTS.fullmatch(ending)
    if not ending or parts is None:
        return words + ending
    head, _, word = words.rpartition(" ")
    if parts.group("plural"):
        if plural_form is not None:
            head, _, word = plural_form.rpartition(" ")
            possessed = True
        else:
            word = plural(word)
    if parts.group("poss") and not possessed:
        word, possessed = possessive(word), True
    if parts.group("case"):
        word = _case(word, _CASE[parts.group("case")], possessed)
    return f"{head} {word}" if head else word
