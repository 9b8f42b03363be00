"""Paragraphs of two languages that do not pair one to one → a proposed pairing.

A length-based dynamic-programming aligner in the Gale–Church style, per
section. The expected length ratio between the languages is estimated from the
texts themselves (first from the totals, then again from the paragraphs the
first pass paired, until the pairing no longer changes). Steps: 1–1, 1–0, 0–1,
2–1 and 1–2. A matched step costs its prior plus how unlikely its length ratio
is: the log of (length b) / (ratio × length a) is taken as normal, with a
spread that shrinks with length towards a floor, since whole paragraphs are
translated more freely than sentences. A paragraph without a partner costs a
fixed amount whatever its length, so that one extra paragraph is left
unpaired rather than glued to a neighbour. Numbers that disagree and
quoted-vs-bracketed shapes that differ (a quoted title against a bracketed
subtitle) add small costs: lengths alone cannot tell short lines apart.
Each step's confidence is its posterior probability over all alignments
(forward–backward with weights exp(−cost)).

The pairing is recorded in alignment.toml by reader.text.alignment_file.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .pairing import Bead, matching_sections, weight
from .paragraphs import Paragraph, Section

#: Cost (−log probability) of each matched step's kind, as in Gale & Church (1993).
PRIORS: dict[tuple[int, int], float] = {
    (1, 1): -math.log(0.89),
    (2, 1): -math.log(0.0445),
    (1, 2): -math.log(0.0445),
}
#: Cost of a paragraph without a partner. Kept below (2–1 prior − 1–1 prior), so a
#: lone extra paragraph is never merged into a neighbour whose length it barely moves.
UNPAIRED = 2.0
#: The same within a paragraph pair (reader.pipeline.units aligns sentences): a
#: translator splits or merges sentences far more often than drops one, so this is
#: Gale & Church's own 1–0 prior (0.0099), above the cost of a 2–1 or 1–2 step.
UNPAIRED_SENTENCE = -math.log(0.0099)
#: Spread of log(length ratio) between long translated paragraphs.
SIGMA_FLOOR = 0.25
_FLOOR_SQUARED = SIGMA_FLOOR ** 2
#: Gale & Church's variance per character: short paragraphs vary more.
VARIANCE_PER_CHAR = 6.8
#: Extra costs when a matched step's numbers disagree, or its shapes differ.
NUMBER_MISMATCH = 1.5
SHAPE_MISMATCH = 1.5
#: The DP looks this many paragraphs off the diagonal (plus the count difference) at
#: first, and twice as far while the cheapest path runs along the band's edge.
BAND = 40
#: Sections with up to this many paragraphs (both sides) try several starting ratios.
SEARCH_LIMIT = 80

STEPS: tuple[tuple[int, int], ...] = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2))
_OPENING, _CLOSING = "«“„\"'‘「『《", "»”\"'’」』》"
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Features:
    """What besides length a paragraph's counterpart should share."""

    numbers: tuple[str, ...] = ()
    shape: str = ""  # "quote", "bracket" or ""


@dataclass(frozen=True)
class Step:
    """One step of a proposal: positions (0-based) on each side, its cost and confidence."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    cost: float
    confidence: float

    @property
    def kind(self) -> str:
        """"1–1", "2–1", "1–0", …"""
        return f"{len(self.a)}–{len(self.b)}"


@dataclass(frozen=True)
class SectionProposal:
    """The proposed steps for one section, and the length ratio (b per a) they assume."""

    steps: tuple[Step, ...]
    ratio: float


@dataclass(frozen=True)
class Proposal:
    """A proposed pairing of a book's two languages, section by section."""

    order: tuple[str, str]
    sides: dict[str, tuple[Section, ...]]
    sections: tuple[SectionProposal, ...]

    def one_to_one(self) -> bool:
        """True when every step is 1–1: pairing by position would do the same."""
        return all(s.kind == "1–1" for section in self.sections for s in section.steps)

    def beads(self) -> tuple[Bead, ...]:
        """The proposal as the beads `pairing.pair_aligned` takes."""
        la, lb = self.order
        return tuple(
            Bead(number, ((la, step.a), (lb, step.b)))
            for number, section in enumerate(self.sections)
            for step in section.steps
        )


def features(text: str) -> Features:
    """The numbers a paragraph holds, and whether it is wholly quoted or bracketed."""
    text = unicodedata.normalize("NFKC", text).strip()
    numbers = tuple(str(int(n)) for n in _NUMBER.findall(text))
    body = text.rstrip(".!?。！？…")
    shape = ""
    if len(body) >= 2 and body[0] in _OPENING and body[-1] in _CLOSING:
        shape = "quote"
    elif len(body) >= 2 and body[0] in "([" and body[-1] in ")]":
        shape = "bracket"
    return Features(numbers, shape)


def _tail_cost(z: float) -> float:
    """−log of the two-sided tail probability of a standard normal beyond |z|."""
    x = abs(z) / math.sqrt(2)
    tail = math.erfc(x)
    if tail > 1e-300:
        return -math.log(tail)
    return x * x + math.log(x * math.sqrt(math.pi))  # asymptotic form, where erfc underflows


def _number_cost(na: dict[str, int], nb: dict[str, int]) -> float:
    """NUMBER_MISMATCH × (numbers on one side only) / (numbers on either), counted with
    repeats: "3, 3, 7" against "3, 7, 8" differs by one 3 and the 8 of four in all."""
    union = differ = 0
    for number, x in na.items():
        y = nb.get(number, 0)
        union += x if x > y else y
        differ += x - y if x > y else y - x
    for number, y in nb.items():
        if number not in na:
            union += y
            differ += y
    return NUMBER_MISMATCH * differ / union if union else 0.0


class _Extras:
    """The costs a matched step adds for its numbers and shapes. They do not depend on the
    ratio, so one table serves every ratio tried; each paragraph's numbers are counted
    once, and each step's comparison is made once."""

    def __init__(self, fa: Sequence[Features], fb: Sequence[Features]) -> None:
        self.shape_a = [f.shape for f in fa]
        self.shape_b = [f.shape for f in fb]
        self.numbers_a = self._spans(fa)
        self.numbers_b = self._spans(fb)
        self.memo: dict[tuple[int, int, int, int], float] = {}

    @staticmethod
    def _spans(fs: Sequence[Features]) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
        """Each paragraph's numbers counted, and each two neighbours' together."""
        one = [dict(Counter(f.numbers)) for f in fs]
        two = [dict(Counter(fs[k].numbers + fs[k + 1].numbers)) for k in range(len(fs) - 1)]
        return one, two

    def __call__(self, cost: float, i: int, j: int, di: int, dj: int) -> float:
        """`cost` with the step's number mismatch, then its shape mismatch, added."""
        key = (i, j, di, dj)
        numbers = self.memo.get(key)
        if numbers is None:
            numbers = self.memo[key] = _number_cost(self.numbers_a[di - 1][i],
                                                    self.numbers_b[dj - 1][j])
        cost += numbers
        if di == dj == 1 and self.shape_a[i] != self.shape_b[j]:
            cost += SHAPE_MISMATCH
        return cost


class _Costs:
    """Step costs for two sides' lengths (and features) at one ratio."""

    def __init__(self, wa: Sequence[float], wb: Sequence[float], ratio: float,
                 extras: _Extras | None, unpaired: float = UNPAIRED) -> None:
        self.wa, self.wb, self.ratio, self.extras = wa, wb, ratio, extras
        self.unpaired = unpaired
        # Each span's length and its spread, once: the DP asks for every step several times.
        self.span_a = [list(wa), [sum(wa[i:i + 2]) for i in range(len(wa) - 1)]]
        self.span_b = [list(wb), [sum(wb[j:j + 2]) for j in range(len(wb) - 1)]]

    def __call__(self, i: int, j: int, di: int, dj: int) -> float:
        """Cost of the step that takes a[i:i+di] with b[j:j+dj]."""
        if di == 0 or dj == 0:
            return self.unpaired
        la = self.span_a[di - 1][i]
        lb = self.span_b[dj - 1][j]
        scaled = la * self.ratio
        mean = (scaled + lb) / 2
        sigma = math.sqrt(_FLOOR_SQUARED + VARIANCE_PER_CHAR / (mean if mean > 1.0 else 1.0))
        z = math.log((lb if lb > 0.5 else 0.5) / (scaled if scaled > 0.5 else 0.5)) / sigma
        cost = PRIORS[(di, dj)] + _tail_cost(z)
        if self.extras is not None:
            cost = self.extras(cost, i, j, di, dj)
        return cost


def _logaddexp(x: float, y: float) -> float:
    if x == -math.inf:
        return y
    if y == -math.inf:
        return x
    top = max(x, y)
    return top + math.log(math.exp(x - top) + math.exp(y - top))


def _dp(n: int, m: int, cost: _Costs, *, posteriors: bool = True) -> tuple[Step, ...]:
    """The cheapest path from (0, 0) to (n, m); with `posteriors`, each step's posterior.

    Only a band around the diagonal is searched and stored, so time and memory
    grow with n × band, not n × m; when the cheapest path runs along the band's
    edge (a better one may lie outside), the band is doubled and the search run again.
    """
    width = BAND + abs(n - m)
    while True:
        steps = _banded(n, m, cost, width, posteriors=posteriors)
        if steps is not None:
            return steps
        width *= 2


class _Band:
    """A table over the cells (i, j) within `width` of the diagonal, one row per i."""

    def __init__(self, n: int, m: int, width: float, fill: float) -> None:
        self.lo: list[int] = []
        self.hi: list[int] = []
        for i in range(n + 1):
            centre = i * m / n if n else 0.0
            self.lo.append(0 if not n else max(0, math.ceil(centre - width)))
            self.hi.append(m if not n else min(m, math.floor(centre + width)))
        self.rows = [[fill] * (hi - lo + 1) for lo, hi in zip(self.lo, self.hi, strict=True)]
        self.fill = fill

    def get(self, i: int, j: int) -> float:
        lo = self.lo[i]
        return self.rows[i][j - lo] if lo <= j <= self.hi[i] else self.fill

    def set(self, i: int, j: int, value: float) -> None:
        self.rows[i][j - self.lo[i]] = value


def _banded(n: int, m: int, cost: _Costs, width: float, *,
            posteriors: bool) -> tuple[Step, ...] | None:
    """_dp within one band; None when the cheapest path touches the band's edge."""
    best = _Band(n, m, width, math.inf)
    forward = _Band(n, m, width, -math.inf)
    back = _Band(n, m, width, -1)  # which of STEPS reached each cell
    best.set(0, 0, 0.0)
    forward.set(0, 0, 0.0)
    lo, hi = best.lo, best.hi
    best_rows, forward_rows, back_rows = best.rows, forward.rows, back.rows
    inf = math.inf
    # The step costs the forward pass computes, by (i, j, step): the backward pass and
    # the trace back ask for the same ones.
    known: dict[tuple[int, int, int], float] = {}
    for i in range(n + 1):
        row_best, row_forward, row_back, lo_i = best_rows[i], forward_rows[i], back_rows[i], lo[i]
        for j in range(lo_i, hi[i] + 1):
            if not (i or j):
                continue
            here, total = inf, -inf
            for k, (di, dj) in enumerate(STEPS):
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or not lo[pi] <= pj <= hi[pi]:
                    continue
                before = best_rows[pi][pj - lo[pi]]
                if before == inf:
                    continue
                c = cost(pi, pj, di, dj)
                if before + c < here:
                    here = before + c
                    row_back[j - lo_i] = k
                if posteriors:
                    known[(pi, pj, k)] = c
                    total = _logaddexp(total, forward_rows[pi][pj - lo[pi]] - c)
            row_best[j - lo_i] = here
            if posteriors:
                row_forward[j - lo_i] = total
    if best.get(n, m) == math.inf:
        return None
    backward = _Band(n, m, width, -math.inf)
    backward.set(n, m, 0.0)
    if posteriors:
        backward_rows = backward.rows
        for i in range(n, -1, -1):
            row, lo_i = backward_rows[i], lo[i]
            for j in range(hi[i], lo_i - 1, -1):
                if i == n and j == m:
                    continue
                total = -inf
                for k, (di, dj) in enumerate(STEPS):
                    ni, nj = i + di, j + dj
                    if ni > n or nj > m or not lo[ni] <= nj <= hi[ni]:
                        continue
                    after = backward_rows[ni][nj - lo[ni]]
                    if after != -inf:
                        seen = known.get((i, j, k))
                        total = _logaddexp(
                            total, after - (cost(i, j, di, dj) if seen is None else seen))
                row[j - lo_i] = total
    steps: list[Step] = []
    i, j = n, m
    whole = width >= max(n, m)
    while i or j:
        if not whole and ((j == best.lo[i] and j > 0) or (j == best.hi[i] and j < m)):
            return None  # on the edge: a cheaper path may leave the band
        di, dj = STEPS[int(back.get(i, j))]
        c = cost(i - di, j - dj, di, dj)
        posterior = math.exp(min(0.0, forward.get(i - di, j - dj) - c + backward.get(i, j)
                                 - forward.get(n, m))) if posteriors else math.nan
        steps.append(Step(tuple(range(i - di, i)), tuple(range(j - dj, j)), c, posterior))
        i, j = i - di, j - dj
    return tuple(reversed(steps))


def _settle(wa: Sequence[float], wb: Sequence[float], ratio: float, extras: _Extras | None,
            unpaired: float = UNPAIRED) -> tuple[float, float]:
    """Align from a starting ratio, re-estimating it from what pairs until stable.

    Returns the ratio reached and the cost of the cheapest alignment at it.
    """
    for _ in range(6):
        steps = _dp(len(wa), len(wb), _Costs(wa, wb, ratio, extras, unpaired),
                    posteriors=False)
        matched = [s for s in steps if s.a and s.b]
        sa = sum(wa[i] for s in matched for i in s.a)
        sb = sum(wb[j] for s in matched for j in s.b)
        if not matched or sa <= 0 or sb <= 0 or abs(sb / sa / ratio - 1) < 0.005:
            break
        ratio = sb / sa
    else:
        steps = _dp(len(wa), len(wb), _Costs(wa, wb, ratio, extras, unpaired),
                    posteriors=False)
    return ratio, sum(s.cost for s in steps)


def align_lengths(
    wa: Sequence[float],
    wb: Sequence[float],
    fa: Sequence[Features] | None = None,
    fb: Sequence[Features] | None = None,
    *,
    unpaired: float = UNPAIRED,
) -> SectionProposal:
    """Align two sequences of paragraph lengths; the ratio is estimated from them.

    The totals' ratio is the first guess. With few paragraphs one long extra
    one skews it, and re-estimating from a wrong pairing only confirms it, so
    there the search also starts from the medians' ratio and from ratios up to
    4× either way, and keeps the cheapest result.
    """
    total_a, total_b = sum(wa), sum(wb)
    ratio = total_b / total_a if total_a > 0 and total_b > 0 else 1.0
    starts = [ratio]
    if len(wa) + len(wb) <= SEARCH_LIMIT and total_a > 0 and total_b > 0:
        starts.append(statistics.median(wb) / statistics.median(wa))
        # One long extra paragraph can pull the totals' ratio far off (found by
        # hypothesis: 30, 30, 102 against 507, 12, 12, 41 needs 0.4, the totals
        # say 3.5), so the grid reaches 16 times either way.
        starts += [ratio * 2 ** (k / 2) for k in range(-8, 9) if k]
    extras = _Extras(fa, fb) if fa is not None and fb is not None else None
    best: tuple[float, float] | None = None
    for start in starts:
        found, total = _settle(wa, wb, start, extras, unpaired)
        if best is None or total < best[0] - 1e-9:
            best = (total, found)
    ratio = best[1] if best else ratio
    return SectionProposal(_dp(len(wa), len(wb), _Costs(wa, wb, ratio, extras, unpaired)),
                           ratio)


def align_texts(a: Sequence[str], b: Sequence[str], la: str, lb: str, *,
                unpaired: float = UNPAIRED) -> SectionProposal:
    """Align two languages' paragraphs (or sentences) by length (and numbers and shape).

    `unpaired` is the cost of leaving one without a partner.
    """
    return align_lengths([weight(t, la) for t in a], [weight(t, lb) for t in b],
                         [features(t) for t in a], [features(t) for t in b], unpaired=unpaired)


def propose(sides: dict[str, tuple[Section, ...]], files: dict[str, Path]) -> Proposal:
    """Align every section of a book's two languages (sections pair by position)."""
    la, lb, sa, sb = matching_sections(sides, files)
    sections = tuple(
        align_texts([p.text for p in xa.paragraphs], [p.text for p in xb.paragraphs], la, lb)
        for xa, xb in zip(sa, sb, strict=True)
    )
    return Proposal((la, lb), sides, sections)


def unpaired(proposal: Proposal) -> list[tuple[str, Paragraph]]:
    """The paragraphs the proposal leaves without a partner, as (lang, paragraph)."""
    found: list[tuple[str, Paragraph]] = []
    for k, section in enumerate(proposal.sections):
        for step in section.steps:
            for lang, positions in zip(proposal.order, (step.a, step.b), strict=True):
                if not (step.a and step.b):
                    found += [(lang, proposal.sides[lang][k].paragraphs[i]) for i in positions]
    return found
