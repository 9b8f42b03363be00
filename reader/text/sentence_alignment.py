"""Sentence pairings written by hand in alignment.toml, for `unit = "sentence"`.

The aligner pairs the sentences of each paragraph pair by length; where it is
wrong, a ``[[sentences]]`` table in the book's ``alignment.toml`` says how one
pair's sentences go together (numbers are 1-based within the paragraph, as
``reader check --unit sentence`` shows them; ``[]`` leaves the other side's
sentences without a partner)::

    [[sentences]]
    pair = 3
    kk = [[1], [2, 3], [4]]
    zh = [[1], [2],    [3, 4]]

The file may hold only such tables (then paragraphs still pair by position).
A listing that no longer covers the paragraph's sentences (the text changed)
stops the build, naming the pair.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ..errors import PairingError
from .alignment_file import ALIGNMENT_FILE

#: pair number → its sentence pairs, each as (positions in the first language,
#: positions in the second), 0-based.
Corrections = dict[int, tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]]


def read_sentence_corrections(root: Path, order: tuple[str, ...]) -> tuple[Corrections, Path]:
    """The ``[[sentences]]`` tables of a book's alignment.toml (checked for shape only)."""
    path = Path(root) / ALIGNMENT_FILE
    if not path.exists():
        return {}, path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PairingError(f"{path}: cannot be read ({exc}); fix the syntax there") from None
    tables = data.get("sentences", [])
    if not isinstance(tables, list):
        raise PairingError(f"{path}: sentences must be [[sentences]] tables")
    found: Corrections = {}
    for k, table in enumerate(tables, 1):
        where = f"{path}: [[sentences]] table {k}"
        if not isinstance(table, dict) or set(table) != {"pair", *order}:
            raise PairingError(f"{where}: expected pair = N, {' = [[..]], '.join(order)} = [[..]]")
        pair = table["pair"]
        if not isinstance(pair, int) or isinstance(pair, bool) or pair < 1:
            raise PairingError(f"{where}: pair must be a pair number (as `reader check` shows)")
        if pair in found:
            raise PairingError(f"{where}: pair {pair} is listed twice; keep one table per pair")
        sides = [_groups(table[lang], f"{where} (pair {pair}), {lang}") for lang in order]
        if len(sides[0]) != len(sides[1]):
            raise PairingError(f"{where} (pair {pair}): {order[0]} lists {len(sides[0])} sentence "
                               f"pairs and {order[1]} {len(sides[1])}; list the same number "
                               "(use [] for a sentence without a partner)")
        for n, (a, b) in enumerate(zip(*sides, strict=True), 1):
            if not a and not b:
                raise PairingError(f"{where} (pair {pair}): sentence pair {n} names no sentence")
        found[pair] = tuple(zip(*sides, strict=True))
    return found, path


def _groups(value: Any, where: str) -> list[tuple[int, ...]]:
    """[[1], [2, 3]] → [(0,), (1, 2)], checked to list 1, 2, 3, … once each, in order."""
    if not isinstance(value, list) or not all(
        isinstance(group, list) and all(isinstance(n, int) and not isinstance(n, bool)
                                        for n in group) for group in value):
        raise PairingError(f"{where}: expected a list of lists of sentence numbers, "
                           "e.g. [[1], [2, 3]]")
    flat = [n for group in value for n in group]
    if flat != list(range(1, len(flat) + 1)):
        raise PairingError(f"{where}: {flat} should be 1 to {len(flat)}, each once and in order")
    return [tuple(n - 1 for n in group) for group in value]


def check_counts(corrections: Corrections, path: Path, pair: int,
                 counts: tuple[int, int], order: tuple[str, ...]) -> None:
    """PairingError unless a pair's listing covers exactly its sentences in both languages."""
    steps = corrections[pair]
    for side, lang in enumerate(order):
        listed = sum(len(step[side]) for step in steps)
        if listed != counts[side]:
            raise PairingError(
                f"{path}: [[sentences]] pair {pair}: lists {listed} {lang} sentences and the "
                f"paragraph has {counts[side]} (did the text change?); see `reader check "
                f"--unit sentence` and fix or remove the table")
