"""A whole novel in: two EPUBs (Kazakh, Chinese), 40 chapters of 75 paragraphs each, imported,
aligned and checked. Prints wall seconds and peak memory per step and their total.

The Kazakh edition has a preface the Chinese lacks, and the Chinese splits chapter 20 in two,
so the chapter pairing and the paragraph aligner both have work to do.

    PYTHONPATH=. python benchmarks/import_novel.py [--chapters 40] [--paragraphs 75]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from bookgen import ROOT, measured, reader_command

sys.path.insert(0, str(ROOT))

from tests.book_sources import Src, chapter, write_epub  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=40)
    parser.add_argument("--paragraphs", type=int, default=75)
    parser.add_argument("--no-numbers", action="store_true",
                        help="Drop the (chapter.paragraph) marks: prose with few digits, "
                        "as most novels are (the aligner weighs numbers that disagree).")
    args = parser.parse_args()
    mark = re.compile(r"\s?[（(]\d+\.\d+[)）]")

    def chapter_of(lang: str, n: int) -> Src:
        found = chapter(lang, n, args.paragraphs)
        if args.no_numbers:
            found = Src(found.title, tuple(mark.sub("", p) for p in found.paragraphs))
        return found

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        kk = [Src("Алғы сөз", ("Бұл кітап туралы бірер сөз.", "Оқырманға алғыс."))]
        zh: list[Src] = []
        for n in range(1, args.chapters + 1):
            kk.append(chapter_of("kk", n))
            whole = chapter_of("zh", n)
            if n == args.chapters // 2:
                half = args.paragraphs // 2
                zh += [Src(f"{whole.title}（上）", whole.paragraphs[:half]),
                       Src(f"{whole.title}（下）", whole.paragraphs[half:])]
            else:
                zh.append(whole)
        write_epub(folder / "kk.epub", kk, "kk", residue=True, cover=True)
        write_epub(folder / "zh.epub", zh, "zh", version=2)
        book = folder / "novel"
        steps = {
            "import": measured(reader_command("import", str(folder / "kk.epub"),
                                              str(folder / "zh.epub"), "--book", str(book))),
            "align": measured(reader_command("align", str(book))),
            "check": measured(reader_command("check", str(book))),
        }
        total = sum(step["wall"] for step in steps.values())
        print(json.dumps({"paragraphs": sum(len(c.paragraphs) for c in kk),
                          "chapters": len(kk), "steps": steps, "total_wall": total}, indent=1))


if __name__ == "__main__":
    main()
