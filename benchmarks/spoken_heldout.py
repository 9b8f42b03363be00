"""How many held-out sentences the spoken forms read right, per language.

    python benchmarks/spoken_heldout.py [--show]

The sentences (benchmarks/spoken_heldout.txt) are news-style text written for
this test, with each number or symbol span marked `{written|said}` by hand. A
sentence is read right when its whole spoken form equals the expected one,
compared as words: case, punctuation and the spaces around them aside, and
〇/零 (both said líng) the same. --show prints every miss.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from reader.text.spoken import spoken_form

DATA = Path(__file__).with_name("spoken_heldout.txt")
_SPAN = re.compile(r"\{([^|{}]*)\|([^|{}]*)\}")
_PUNCT = re.compile(r"[\s,.;:!?«»\"“”'()\-–—―，。；：！？、（）]+")


def cases(path: Path = DATA) -> list[tuple[str, str, str]]:
    """(lang, written, expected) for each line of the data file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, marked = line.split("\t", 1)
        out.append((lang, _SPAN.sub(r"\1", marked), _SPAN.sub(r"\2", marked)))
    return out


def comparable(text: str) -> str:
    """Words only: no case, punctuation or spacing; 〇 and 零 alike."""
    return _PUNCT.sub(" ", text.lower().replace("〇", "零")).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every sentence read wrong")
    args = parser.parse_args()
    right: dict[str, int] = {}
    total: dict[str, int] = {}
    for lang, written, expected in cases():
        said = spoken_form(written, lang)
        total[lang] = total.get(lang, 0) + 1
        if comparable(said) == comparable(expected):
            right[lang] = right.get(lang, 0) + 1
        elif args.show:
            print(f"{lang}  {written}\n    said: {said}\n    want: {expected}")
    for lang in total:
        print(f"{lang}: {right.get(lang, 0)} of {total[lang]} read right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
