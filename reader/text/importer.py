"""A mixed-language document → one text per language and a draft book.toml.

Blocks are the document's paragraphs (runs of lines between blank lines); a
block whose lines are in different languages is cut where the language
changes, so documents may hold one language after the other or interleave
them paragraph by paragraph or line by line. A block's language comes from its
script and letters:

- Han characters → ``zh`` (with kana → ``ja``, Hangul → ``ko``);
- Cyrillic with any of the Kazakh letters ә ғ қ ң ө ұ ү һ і → ``kk``; Cyrillic
  without them → ``ru``, but only when the block is long enough for their
  absence to mean something (short ones follow their Cyrillic neighbours);
- Latin → the language given with ``--lang`` (asked for when missing), when
  Latin is one of the document's languages: when the other scripts give only
  one, or Latin holds a quarter of its letters. Otherwise Latin lines are
  residue (a source line such as ``08-01-2021 | russian.china.org.cn``) and
  follow the block before them.

Blocks without letters follow the block before them (or after, at the start).
`split_document` and `draft_toml` are pure; `write_book` does the I/O.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, InputError, TextError
from .alignment_file import ALIGNMENT_FILE
from .paragraphs import read_text

#: Cyrillic letters Kazakh has and Russian lacks (lower case).
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
#: A Cyrillic block with this many letters and no Kazakh letter is taken as Russian;
#: Kazakh prose has one of them every 15 letters or so.
RUSSIAN_MIN_LETTERS = 40
#: Latin is one of the document's languages when the other scripts give fewer than
#: two languages, or from this share of its letters up (Han weighed as 2.5 letters).
MAIN_SCRIPT_SHARE = 0.25
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SCRIPTS = ("han", "kana", "hangul", "cyrillic", "latin", "other")
_OPENING = "«“„\"'‘「『《"
_CLOSING = "»”\"'’」』》"


class LanguageNeeded(InputError):
    """Latin-script blocks were found and no language was given for them."""

    def __init__(self, message: str, line: int, sample: str) -> None:
        super().__init__(message)
        self.line = line
        self.sample = sample


@dataclass(frozen=True)
class Block:
    """A run of lines in one language, with where it starts and why that language."""

    line: int  # 1-based line in the source document
    text: str  # the lines as written, trailing spaces removed
    lang: str
    reason: str


@dataclass(frozen=True)
class Split:
    """The document cut into blocks, with its languages in order of first appearance."""

    blocks: tuple[Block, ...]
    order: tuple[str, ...]

    def text(self, lang: str) -> str:
        """One language's file: its blocks separated by blank lines."""
        return "\n\n".join(b.text for b in self.blocks if b.lang == lang) + "\n"

    def count(self, lang: str) -> int:
        """How many blocks one language has."""
        return sum(1 for b in self.blocks if b.lang == lang)


@dataclass(frozen=True)
class _Guess:
    lang: str | None  # None: no opinion, follow a neighbour
    script: str  # "han", "cyrillic", "latin", "none", …
    reason: str


def _script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith("CJK") or "IDEOGRAPH" in name:
            counts["han"] += 1
        elif name.startswith(("HIRAGANA", "KATAKANA")):
            counts["kana"] += 1
        elif name.startswith("HANGUL"):
            counts["hangul"] += 1
        elif name.startswith("CYRILLIC"):
            counts["cyrillic"] += 1
            if char.lower() in KAZAKH_LETTERS:
                counts["kazakh"] += 1
        elif name.startswith("LATIN"):
            counts["latin"] += 1
        else:
            counts["other"] += 1
    return counts


def _weight(counts: Counter[str], script: str) -> float:
    return counts[script] * (2.5 if script in ("han", "kana", "hangul") else 1.0)


def guess_language(text: str) -> tuple[str | None, str]:
    """The language a piece of text is in, by script and letters, and why.

    Latin text gives ``"latin"`` (the caller knows which language that is);
    text that gives no clear sign gives None.
    """
    guess = _guess(text)
    return guess.lang, guess.reason


def _guess(text: str) -> _Guess:
    counts = _script_counts(text)
    if not any(counts[s] for s in _SCRIPTS):
        return _Guess(None, "none", "no letters")
    script = max(_SCRIPTS, key=lambda s: _weight(counts, s))
    if script in ("han", "kana"):
        if counts["kana"]:
            return _Guess("ja", "han", f"kana ({counts['kana']})")
        return _Guess("zh", "han", f"Han characters ({counts['han']})")
    if script == "hangul":
        return _Guess("ko", "hangul", f"Hangul ({counts['hangul']})")
    if script == "cyrillic":
        if counts["kazakh"]:
            found = "".join(sorted({c.lower() for c in text} & KAZAKH_LETTERS))
            return _Guess("kk", "cyrillic", f"Kazakh letters ({found})")
        if counts["cyrillic"] >= RUSSIAN_MIN_LETTERS:
            return _Guess("ru", "cyrillic",
                          f"Cyrillic, no Kazakh letter in {counts['cyrillic']} letters")
        return _Guess(None, "cyrillic", "short Cyrillic without Kazakh letters")
    if script == "latin":
        return _Guess("latin", "latin", f"Latin letters ({counts['latin']})")
    return _Guess(None, "other", "letters of no known script")


def _raw_blocks(text: str) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip()
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _resolve(guesses: list[_Guess], latin: str | None) -> list[tuple[str | None, str]]:
    """Decide every guess: strong ones stand, the others follow a neighbour."""
    strong: list[str | None] = []
    for guess in guesses:
        lang = guess.lang
        if lang == "latin":
            lang = latin  # None when Latin is only a minor script here
        strong.append(lang)
    out: list[tuple[str | None, str]] = []
    for i, guess in enumerate(guesses):
        if strong[i] is not None:
            out.append((strong[i], guess.reason))
            continue
        # Short Cyrillic follows the nearest Cyrillic language; anything else the
        # nearest decided block, the one before first.
        cyrillic = {"kk", "ru"} if guess.script == "cyrillic" else None
        found = None
        for distance in range(1, len(guesses)):
            for j in (i - distance, i + distance):
                if 0 <= j < len(guesses) and strong[j] is not None and (
                    cyrillic is None or strong[j] in cyrillic
                ):
                    found = j
                    break
            if found is not None:
                break
        if found is None and guess.script == "cyrillic":
            out.append(("ru", guess.reason + "; no Kazakh text near it"))
        elif found is None:
            out.append((None, guess.reason))
        else:
            where = "before" if found < i else "after"
            out.append((strong[found], f"{guess.reason}; follows the block {where}"))
    return out


def _script_runs(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Cut a block's lines where the script changes; lines without letters stay put.

    Only the script is looked at line by line: whether Cyrillic is Kazakh or
    Russian is decided on the whole run, as one line says too little.
    """
    scripts = [_guess(line).script for line in lines]
    known = [s for s in scripts if s != "none"]
    current = known[0] if known else "none"
    runs: list[tuple[int, list[str]]] = []
    for offset, (line, script) in enumerate(zip(lines, scripts, strict=True)):
        if script not in ("none", current) and runs:
            runs.append((offset, []))
        if script != "none":
            current = script
        if not runs:
            runs.append((offset, []))
        runs[-1][1].append(line)
    return runs


def split_document(text: str, *, latin: str | None = None, source: str = "document") -> Split:
    """Cut a document into blocks and give each a language.

    `latin` is the language of Latin-script text; it is needed only when Latin
    is a main script of the document (LanguageNeeded otherwise).
    """
    if latin is not None and not _LANG.match(latin):
        raise ConfigError(f"--lang {latin}: not a language code; use a BCP-47 code such as en")
    raw = _raw_blocks(text)
    pieces: list[tuple[int, list[str], _Guess]] = []
    for start, lines in raw:
        for offset, run in _script_runs(lines):
            pieces.append((start + offset, run, _guess("\n".join(run))))

    totals: Counter[str] = Counter()
    latin_letters = 0.0
    for _, lines, guess in pieces:
        counts = _script_counts("\n".join(lines))
        totals.update(counts)
        if guess.lang == "latin":
            latin_letters += _weight(counts, "latin")
    all_letters = sum(_weight(totals, s) for s in _SCRIPTS) or 1.0
    others = {g.lang for _, _, g in pieces if g.lang not in (None, "latin")}
    latin_is_main = latin_letters > 0 and (
        len(others) < 2 or latin_letters / all_letters >= MAIN_SCRIPT_SHARE)
    if latin_is_main and latin is None:
        start, lines, _ = next(p for p in pieces if p[2].lang == "latin")
        raise LanguageNeeded(
            f"{source}:{start}: Latin-script text ({100 * latin_letters / all_letters:.0f}% "
            "of the document's letters) in a language reader cannot tell; pass --lang "
            "with its code, e.g. --lang en",
            start, " ".join(lines),
        )
    decided = _resolve([g for _, _, g in pieces], latin if latin_is_main else None)
    blocks = []
    for (start, lines, _), (lang, reason) in zip(pieces, decided, strict=True):
        if lang is None:
            raise TextError(
                f"{source}:{start}: cannot tell the language of {' '.join(lines)[:40]!r} "
                f"({reason}) and no other block gives a hint; edit the document"
            )
        blocks.append(Block(start, "\n".join(lines), lang, reason))
    order = tuple(dict.fromkeys(b.lang for b in blocks))
    if len(order) != 2:
        found = ", ".join(
            f"{lang} ({sum(1 for b in blocks if b.lang == lang)} blocks, first at line "
            f"{next(b.line for b in blocks if b.lang == lang)})" for lang in order
        )
        raise TextError(
            f"{source}: a book needs exactly two languages, found {len(order)}: "
            f"{found or 'none'}; edit the document so it holds two languages"
        )
    # Pieces of one block cut apart by a script change, then given one language, rejoin.
    return Split(tuple(_rejoin(blocks, raw)), order)


def _rejoin(blocks: list[Block], raw: list[tuple[int, list[str]]]) -> list[Block]:
    """Pieces of one source block that ended up in one language become one block again."""
    starts = {start: start + len(lines) - 1 for start, lines in raw}
    block_of: dict[int, int] = {}
    for start, end in starts.items():
        for line in range(start, end + 1):
            block_of[line] = start
    out: list[Block] = []
    for block in blocks:
        if out and out[-1].lang == block.lang and block_of[out[-1].line] == block_of[block.line]:
            out[-1] = Block(out[-1].line, out[-1].text + "\n" + block.text, block.lang,
                            out[-1].reason)
        else:
            out.append(block)
    return out


def _title(split: Split, lang: str) -> str:
    """A guess at a language's title: its first short quoted block, else first short block."""
    short = [b.text.replace("\n", " ").strip() for b in split.blocks
             if b.lang == lang and len(b.text) <= 100][:5]
    quoted = [t for t in short if t[:1] in _OPENING and t[-1:] in _CLOSING]
    title = (quoted or short or [""])[0]
    if title[:1] in _OPENING and title[-1:] in _CLOSING:
        title = title[1:-1].strip()
    return title


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def draft_toml(split: Split, source: str) -> str:
    """A draft book.toml for the split: languages in document order and guessed titles."""
    a, b = split.order
    lines = [
        f"# Drafted by `reader import` from {source}: check the titles and add",
        "# author, source and date; then `reader check` (or `reader align` when the",
        f"# paragraph counts differ: {a} {split.count(a)}, {b} {split.count(b)}).",
        f"order = [{_toml_string(a)}, {_toml_string(b)}]",
        "# Paragraphs `reader align` leaves without a partner: \"skip\" them (a warning",
        "# at build time names each) or \"speak\" them alone.",
        'unpaired = "skip"',
    ]
    for lang in split.order:
        lines += ["", f"[language.{lang}]"]
        title = _title(split, lang)
        lines.append(f"title = {_toml_string(title)}" if title else '# title = ""')
    return "\n".join(lines) + "\n"


def import_document(path: Path, *, latin: str | None = None) -> Split:
    """Read a document and split it (see `split_document`)."""
    return split_document(read_text(path), latin=latin, source=str(path))


def write_book(split: Split, folder: Path, *, source: str, force: bool = False) -> list[Path]:
    """Write ``<lang>.txt`` for both languages and a draft book.toml; return the paths.

    An existing book (book.toml or a text) is kept unless `force`; a recorded
    alignment of the old texts is then removed.
    """
    folder = Path(folder)
    targets = [folder / f"{lang}.txt" for lang in split.order] + [folder / "book.toml"]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise InputError(
            f"{folder}: already holds {', '.join(p.name for p in existing)}; "
            "pass --force to overwrite, or choose another --book folder"
        )
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder; choose another --book path")
    folder.mkdir(parents=True, exist_ok=True)
    for lang in split.order:
        (folder / f"{lang}.txt").write_text(split.text(lang), encoding="utf-8")
    (folder / "book.toml").write_text(draft_toml(split, source), encoding="utf-8")
    (folder / ALIGNMENT_FILE).unlink(missing_ok=True)
    return targets
