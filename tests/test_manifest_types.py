"""The manifest's types and its shape check say the same: a key the check requires is
required by the types, and a key the types require is checked (tests/test_outputs.py,
test_learners.py and test_word_timings.py read real manifests)."""

from __future__ import annotations

from typing import Any, get_type_hints

from reader.manifest_types import (
    SHAPE,
    UNIT_SHAPE,
    AudioInfo,
    BookInfo,
    ChapterInfo,
    Manifest,
    PairEntry,
    SpokenStep,
    UnitEntry,
)


def _required(kind: Any) -> set[str]:
    return set(kind.__required_keys__)


def test_the_shape_checks_exactly_the_required_keys() -> None:
    pair_shape = SHAPE["pairs"][0]  # type: ignore[index]
    for kind, shape in ((Manifest, SHAPE), (BookInfo, SHAPE["book"]),
                        (AudioInfo, SHAPE["audio"]), (PairEntry, pair_shape),
                        (ChapterInfo, pair_shape["chapter"]), (UnitEntry, UNIT_SHAPE),
                        (SpokenStep, UNIT_SHAPE["spoken"][0])):  # type: ignore[index]
        assert _required(kind) == set(shape), kind.__name__


def test_optional_keys_are_the_ones_older_manifests_lack() -> None:
    assert set(Manifest.__optional_keys__) == {"generator", "timings", "credits", "unit",
                                               "pattern"}
    assert set(PairEntry.__optional_keys__) == {"spoken", "words", "units"}
    assert set(UnitEntry.__optional_keys__) == {"guid", "changed"}
    assert set(SpokenStep.__optional_keys__) == {"lang", "speed", "clip", "words", "gap"}
    assert get_type_hints(UnitEntry)["spoken"] == list[SpokenStep]
