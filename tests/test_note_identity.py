"""Which old sentence pair each new one continues: tables written from the rules of
reader.text.identity (a diff's equal stretches, unchanged texts found elsewhere, then
edits paired in order within a replaced stretch when alike enough in either language).
"""

from __future__ import annotations

import pytest

from reader.text.identity import Texts, likeness, match_sentences

# Sentence pairs (kk, zh) unlike one another: no two reach a likeness of 0.5.
A = ("Ауыл шетінде кішкентай мектеп тұр.", "村子边上有一所小学校。")
B = ("Таңертең балалар жолға ерте шығады.", "早上孩子们很早就出发。")
C = ("Қыста жол қармен жабылады.", "冬天路被雪覆盖。")
D = ("Мұғалім оларды есік алдында күтеді.", "老师在门口等他们。")
X = ("Көктемде өзен тасиды.", "春天河水上涨。")
N = ("Бүгін жаңбыр жауды.", "今天下雨了。")
# B with one word changed: in Kazakh only, in Chinese only, in both.
B_KK = ("Таңертең балалар жолға кеш шығады.", "早上孩子们很早就出发。")
B_ZH = ("Таңертең балалар жолға ерте шығады.", "早上孩子们很晚才出发。")
B_BOTH = ("Таңертең балалар жолға кеш шығады.", "早上孩子们很晚才出发。")
# Like B too (two words changed in each language), but less than B_KK.
B_FAR = ("Кешке балалар үйге ерте қайтады.", "晚上孩子们很早就回家。")
C_KK = ("Қыста жол қалың қармен жабылады.", "冬天路被雪覆盖。")


CASES: list[tuple[str, list[Texts], list[Texts], list[int | None]]] = [
    ("unchanged", [A, B, C], [A, B, C], [0, 1, 2]),
    ("insert at the start", [A, B, C], [N, A, B, C], [None, 0, 1, 2]),
    ("insert in the middle", [A, B, C], [A, N, B, C], [0, None, 1, 2]),
    ("insert at the end", [A, B], [A, B, N], [0, 1, None]),
    ("delete the first", [A, B, C], [B, C], [1, 2]),
    ("delete one in the middle", [A, B, C, D], [A, B, D], [0, 1, 3]),
    ("edit one Kazakh word", [A, B, C], [A, B_KK, C], [0, 1, 2]),
    ("edit one Chinese word", [A, B, C], [A, B_ZH, C], [0, 1, 2]),
    ("edit both languages", [A, B, C], [A, B_BOTH, C], [0, 1, 2]),
    ("replace with an unlike sentence", [A, B, C], [A, X, C], [0, None, 2]),
    ("two edits side by side", [A, B, C, D], [A, B_KK, C_KK, D], [0, 1, 2, 3]),
    ("insert beside an edit", [A, B, C], [A, N, B_KK, C], [0, None, 1, 2]),
    ("edit beside an insert", [A, B, C], [A, B_KK, N, C], [0, 1, None, 2]),
    ("move to another paragraph", [A, B, C, D], [B, C, A, D], [1, 2, 0, 3]),
    ("move to the end", [A, B, C, D], [B, C, D, A], [1, 2, 3, 0]),
    ("swap", [A, B], [B, A], [1, 0]),
    ("swap and edit another", [A, B, C], [B, A, C_KK], [1, 0, 2]),
    ("duplicates kept in order", [A, B, A], [A, B, A], [0, 1, 2]),
    # The diff takes the longest equal stretch first (A B), so the first A is the new one.
    ("a duplicate inserted", [A, B], [A, A, B], [None, 0, 1]),
    ("a duplicate inserted after", [A, B], [A, B, A], [0, 1, None]),
    ("the first of two duplicates deleted", [A, B, A], [B, A], [1, 2]),
    # B A C is equal in both; the first A, left over, is found at the end (moved).
    ("a duplicate moved", [A, B, A, C], [B, A, C, A], [1, 2, 3, 0]),
    # Two copies of A left over: the one found elsewhere is the first of them.
    ("duplicates moved in order", [A, B, A, C, D], [C, D, A, A], [3, 4, 0, 2]),
    ("delete and insert elsewhere", [A, B, C], [A, C, N], [0, 2, None]),
    ("all new", [A, B], [X, N], [None, None]),
    ("first build", [], [A, B], [None, None]),
    ("everything deleted", [A, B], [], []),
]


@pytest.mark.parametrize(("old", "new", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_match_sentences(old: list[Texts], new: list[Texts], expected: list[int | None]) -> None:
    assert match_sentences(old, new) == expected


def test_an_edit_is_taken_by_the_likest_new_sentence() -> None:
    # B replaced by two sentences: the one like B continues it, in either order.
    assert match_sentences([A, B, C], [A, X, B_KK, C]) == [0, None, 1, 2]
    assert match_sentences([A, B, C], [A, B_KK, X, C]) == [0, 1, None, 2]
    # Both new ones are alike enough; the likest takes it, though it comes second.
    assert match_sentences([A, B, C], [A, B_FAR, B_KK, C]) == [0, None, 1, 2]
    assert match_sentences([A, B, C], [A, B_KK, B_FAR, C]) == [0, 1, None, 2]
    # Two old sentences replaced by one: it continues the one it is like.
    assert match_sentences([A, B, C, D], [A, C_KK, D]) == [0, 2, 3]


def test_the_threshold() -> None:
    # "abcd" → "abxy": ratio 2·2/8 = 0.5, just enough; "abcd" → "axyz": 0.25.
    assert match_sentences([("abcd", "")], [("abxy", "")]) == [0]
    assert match_sentences([("abcd", "")], [("axyz", "")]) == [None]
    assert match_sentences([("abcd", "")], [("abxy", "")], similar=0.6) == [None]


LIKENESS = [
    (A, A, 1.0),
    (("abcd", "一二三四"), ("abxy", "一二三四"), 1.0),       # the better language counts
    (("abcd", "一二三四"), ("abxy", "一二五六"), 0.5),
    (("abcd", ""), ("", "abcd"), 0.0),                   # no language with text on both sides
    (("abcd", "一二"), ("wxyz", ""), 0.0),
]


@pytest.mark.parametrize(("old", "new", "expected"), LIKENESS)
def test_likeness(old: Texts, new: Texts, expected: float) -> None:
    assert likeness(old, new) == pytest.approx(expected)
