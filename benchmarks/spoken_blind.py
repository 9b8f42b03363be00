"""Blind held-out evaluation of the Kazakh/Chinese spoken-form normaliser.

Reads benchmarks/spoken_blind.txt (lang<TAB>written<TAB>expected[ || alternative...]),
runs spoken_form(written, lang) and compares with the expected form(s), ignoring
case, punctuation and whitespace (Chinese: 〇==零, 摄氏度==度, 千米==公里, 千克==公斤).

Run: PYTHONPATH=$PWD .venv/bin/python benchmarks/spoken_blind.py
"""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from reader.text.spoken import spoken_form

DATA = Path(__file__).with_name("spoken_blind.txt")

ZH_EQUIV = (("〇", "零"), ("摄氏度", "度"), ("千米", "公里"), ("千克", "公斤"))


def norm(text: str, lang: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    if lang == "zh":
        for a, b in ZH_EQUIV:
            text = text.replace(a, b)
    return "".join(
        ch for ch in text
        if not ch.isspace() and not unicodedata.category(ch).startswith("P")
    )


def main() -> int:
    counts: dict[str, list[int]] = {}
    misses: list[tuple[str, str, str, str]] = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, written, expected = line.split("\t")
        alternatives = [alt.strip() for alt in expected.split("||")]
        got = spoken_form(written, lang)
        ok = norm(got, lang) in {norm(alt, lang) for alt in alternatives}
        c = counts.setdefault(lang, [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            misses.append((lang, written, got, expected))
    for lang, (right, total) in counts.items():
        print(f"{lang}: {right}/{total}")
    if misses:
        print("\nMisses (written | got | expected):")
        for lang, written, got, expected in misses:
            print(f"[{lang}] {written} | {got} | {expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
