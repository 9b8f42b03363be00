"""Which sentence pair of the last build each new one continues, so a note keeps its sentence.

A sentence pair is its texts, one per language in book order. The rules, in turn:

1. The two builds' pairs are diffed as sequences (difflib); pairs in an equal
   stretch continue each other.
2. A pair whose texts are found unchanged elsewhere continues that one (it
   moved); repeated texts are taken in order.
3. In a stretch the diff saw replaced, the pairs still unmatched are paired one
   to one, in order, by likeness: an edit continues the pair it replaces when
   one language's texts are alike enough (`SIMILAR`); otherwise it is new.

Anything else is new (inserted); old pairs left over were deleted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

Texts = tuple[str, ...]

#: An edited sentence continues the one it replaces when, in either language,
#: difflib's ratio of the two texts reaches this (one word of a short sentence: ~0.8).
SIMILAR = 0.5
#: Past this many candidate (old, new) couples in one replaced stretch, the
#: stretch's pairs are taken in order instead of aligned (a rewritten chapter).
ALIGN_LIMIT = 10_000


def likeness(old: Texts, new: Texts) -> float:
    """The best difflib ratio over the languages both pairs have text in (0 when none)."""
    return max((SequenceMatcher(None, a, b, autojunk=False).ratio()
                for a, b in zip(old, new, strict=False) if a and b), default=0.0)


def match_sentences(old: Sequence[Texts], new: Sequence[Texts], *,
                    similar: float = SIMILAR) -> list[int | None]:
    """For each new pair, the index of the old pair it continues, or None for a new one."""
    found: list[int | None] = [None] * len(new)
    taken = [False] * len(old)
    opcodes = SequenceMatcher(None, list(old), list(new), autojunk=False).get_opcodes()
    for tag, i1, i2, j1, _ in opcodes:
        if tag == "equal":
            for k in range(i2 - i1):
                found[j1 + k], taken[i1 + k] = i1 + k, True
    left: dict[Texts, deque[int]] = {}
    for i, texts in enumerate(old):
        if not taken[i]:
            left.setdefault(texts, deque()).append(i)
    for j, texts in enumerate(new):
        if found[j] is None and left.get(texts):
            i = left[texts].popleft()
            found[j], taken[i] = i, True
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "replace":
            continue
        olds = [i for i in range(i1, i2) if not taken[i]]
        news = [j for j in range(j1, j2) if found[j] is None]
        for i, j in _in_order(olds, news, lambda i, j: likeness(old[i], new[j]), similar):
            found[j], taken[i] = i, True
    return found


def _in_order(olds: list[int], news: list[int], score: Callable[[int, int], float],
              floor: float) -> list[tuple[int, int]]:
    """Couples (old, new), both in order, of the greatest total likeness, each ≥ floor."""
    if not olds or not news:
        return []
    if len(olds) * len(news) > ALIGN_LIMIT:
        return [(i, j) for i, j in zip(olds, news, strict=False) if score(i, j) >= floor]
    rows, cols = len(olds), len(news)
    # best[r][c]: the greatest total over olds[r:] and news[c:]
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    scores = [[score(i, j) for j in news] for i in olds]
    for r in range(rows - 1, -1, -1):
        for c in range(cols - 1, -1, -1):
            take = scores[r][c] + best[r + 1][c + 1] if scores[r][c] >= floor else -1.0
            best[r][c] = max(take, best[r + 1][c], best[r][c + 1])
    couples = []
    r = c = 0
    while r < rows and c < cols:
        if scores[r][c] >= floor and best[r][c] == scores[r][c] + best[r + 1][c + 1]:
            couples.append((olds[r], news[c]))
            r, c = r + 1, c + 1
        elif best[r][c] == best[r + 1][c]:
            r += 1
        else:
            c += 1
    return couples
