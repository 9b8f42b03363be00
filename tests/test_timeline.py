"""Laying out the book and its table of contents: pure functions, tables."""

from __future__ import annotations

import pytest

from reader.audio.timeline import Chapter, Pauses, chapter_title, lay_out
from reader.outputs.id3 import MAX_CHILDREN, toc_nodes
from reader.text.pairing import Pair
from reader.text.paragraphs import Paragraph
from reader.text.shorten import snippet


def pair(index: int, kk: str, zh: str, section: int = 0, title: str | None = None) -> Pair:
    return Pair(index, section, title, (("kk", Paragraph(kk, 1)), ("zh", Paragraph(zh, 1))))


PAUSES = {"lead_in": ("L", 10), "paragraph": ("P", 20), "pair": ("G", 40)}


def test_lay_out_alternates_languages_with_pauses_and_places_chapters() -> None:
    pairs = (pair(1, "а", "一"), pair(2, "б", "二"))
    clips = {(1, "kk"): ("k1", 100), (1, "zh"): ("z1", 50), (2, "kk"): ("k2", 70), (2, "zh"): ("z2", 30)}
    timeline = lay_out(pairs, clips, PAUSES, 0.024)
    assert [(p.key, p.start) for p in timeline.pieces] == [
        ("L", 0), ("k1", 10), ("P", 110), ("z1", 130), ("G", 180), ("k2", 220), ("P", 290),
        ("z2", 310), ("G", 340),
    ]
    assert timeline.total_frames == 380
    # chapter 2 starts halfway through the pause before it: frame 180 + 20
    assert [(c.index, c.start_ms, c.end_ms) for c in timeline.chapters] == [
        (1, 0, 4800), (2, 4800, 9120),
    ]
    assert timeline.clip(2, "zh").start == 310


def test_gapless_ends_the_book_and_its_last_chapter_where_the_decoded_audio_does() -> None:
    pairs = (pair(1, "а", "一"), pair(2, "б", "二"))
    clips = {(1, "kk"): ("k1", 100), (1, "zh"): ("z1", 50), (2, "kk"): ("k2", 70), (2, "zh"): ("z2", 30)}
    timeline = lay_out(pairs, clips, PAUSES, 576 / 24000).gapless(576 + 1000, 24000)
    # 380 frames of 576 samples at 24 kHz, less 1576 samples: 9120 - 65.67 ms
    assert timeline.duration == pytest.approx((380 * 576 - 1576) / 24000)
    assert timeline.end_ms == 9054
    assert timeline.total_frames == 380  # the file still holds every frame
    assert [(c.start_ms, c.end_ms) for c in timeline.chapters] == [(0, 4800), (4800, 9054)]
    assert lay_out((), {}, PAUSES, 0.024).gapless(576, 24000).chapters == ()


def test_lay_out_skips_zero_pauses_and_handles_a_lone_paragraph() -> None:
    lone = Pair(2, 0, None, (("zh", Paragraph("二", 3)),))
    pauses = {"lead_in": ("", 0), "paragraph": ("", 0), "pair": ("G", 4)}
    timeline = lay_out((pair(1, "а", "一"), lone), {(1, "kk"): ("k", 5), (1, "zh"): ("z", 5),
                                                      (2, "zh"): ("z2", 6)}, pauses, 0.024)
    assert [p.key for p in timeline.pieces] == ["k", "z", "G", "z2", "G"]
    assert chapter_title(lone) == "2 · 二"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Қысқа", 32, "Қысқа"),
        ("Кедейлікпен күрестің бірінші шебіндегі жұмыс күшін", 32, "Кедейлікпен күрестің бірінші…"),
        ("为加强脱贫攻坚一线工作力量，中央要求", 14, "为加强脱贫攻坚一线工作力量…"),
        # A clause boundary in the second half wins over a bare character boundary.
        ("习近平在多个场合指出，要实施贫困村", 14, "习近平在多个场合指出…"),
        # No punctuation late enough: between two Han characters, the only boundary there is.
        ("跋山涉水翻越高山来到村里看望群众", 8, "跋山涉水翻越高山…"),
        ("他说：跋山涉水翻越高山来到村里", 8, "他说：跋山涉水翻…"),
        # Kazakh: never inside a word; a dash between words is a boundary, and is dropped.
        ("«Ең соңғы бір шақырым»–бастапқыда ұзақ", 32, "«Ең соңғы бір шақырым»…"),
        ("Кедейлікпен күрестің бірінші шебіндегі", 30, "Кедейлікпен күрестің бірінші…"),
        ("Ауылшаруашылығындағы жаңа технологиялар", 12, "Ауылшаруашылығындағы…"),
        ("Ауыл, шаруашылығындағы жаңа", 12, "Ауыл…"),
        ("Xi Jinping 习近平在多个场合指出", 14, "Xi Jinping…"),
    ],
)
def test_snippet(text: str, limit: int, expected: str) -> None:
    assert snippet(text, limit) == expected


def chapters(n: int, sections: int = 1) -> tuple[Chapter, ...]:
    per = -(-n // sections)
    return tuple(
        Chapter(i, f"{i}", i * 10, i * 10 + 10, (i - 1) // per, f"S{(i - 1) // per + 1}" if sections > 1 else None)
        for i in range(1, n + 1)
    )


def leaves(nodes, node_id: str = "toc") -> list[str]:  # type: ignore[no-untyped-def]
    by_id = {n.id: n for n in nodes}
    if node_id not in by_id:
        return [node_id]
    assert len(by_id[node_id].children) <= MAX_CHILDREN
    return [leaf for child in by_id[node_id].children for leaf in leaves(nodes, child)]


@pytest.mark.parametrize(("n", "sections", "depth"), [(4, 1, 1), (255, 1, 1), (256, 1, 2),
                                                       (1000, 1, 2), (70000, 1, 3), (600, 3, 2),
                                                       (900, 2, 3)])
def test_toc_nesting_keeps_every_chapter_in_order(n: int, sections: int, depth: int) -> None:
    nodes = toc_nodes(chapters(n, sections), "Book")
    assert nodes[-1].id == "toc"
    assert leaves(nodes) == [f"ch{i}" for i in range(1, n + 1)]
    by_id = {node.id: node for node in nodes}

    def height(node_id: str) -> int:
        return 0 if node_id not in by_id else 1 + max(height(c) for c in by_id[node_id].children)

    assert height("toc") == depth
    if sections > 1:
        assert [by_id[c].title for c in by_id["toc"].children] == [f"S{i}" for i in range(1, sections + 1)]


def test_a_pause_piece_is_the_pause_less_the_clips_silent_edges() -> None:
    """Between two clips, the piece makes the heard silence the pause: asked − the first
    clip's silent end − the next one's silent start, in the nearest whole frames."""
    edges = {"a": (1.0, 2.0), "b": (1.5, 0.5)}
    pauses = Pauses({"lead_in": 19.14, "paragraph": 30.6, "pair": 0.0},
                    {0: "", **{n: f"S{n}" for n in range(2, 32)}},
                    lambda key: edges.get(key, (0.0, 0.0)), skipped=1.0)
    table = [
        (("paragraph", "a", "b"), ("S27", 27)),  # 30.6 − 2.0 − 1.5 = 27.1
        (("paragraph", "b", "a"), ("S29", 29)),  # 30.6 − 0.5 − 1.0 = 29.1
        (("paragraph", None, None), ("S31", 31)),
        (("paragraph", "silence", "b"), ("S29", 29)),  # a silence has no edges of its own
        (("lead_in", None, "a"), ("S19", 19)),  # 19.14 − 1.0 + the decoder's skipped 1.0
        (("pair", "a", "b"), ("", 0)),  # no pause asked: none laid
    ]
    for (name, before, after), expected in table:
        assert pauses.between(name, before, after) == expected, (name, before, after)
    # Too little asked for a piece: the nearest length there is (none, or the shortest).
    assert Pauses({"paragraph": 1.2}, {0: "", 2: "S2"}).between("paragraph", None, None) == ("S2", 2)
    assert Pauses({"paragraph": 0.9}, {0: "", 2: "S2"}).between("paragraph", None, None) == ("", 0)


def test_lay_out_fits_each_pause_to_the_clips_around_it() -> None:
    pairs = (pair(1, "а", "一"), pair(2, "б", "二"))
    clips = {(1, "kk"): ("k1", 100), (1, "zh"): ("z1", 50), (2, "kk"): ("k2", 70), (2, "zh"): ("z2", 30)}
    edges = {"k1": (1.0, 2.0), "z1": (2.0, 3.0), "k2": (1.0, 1.0), "z2": (1.0, 4.0)}
    pauses = Pauses({"lead_in": 10.0, "paragraph": 20.0, "pair": 40.0},
                    {0: "", **{n: f"S{n}" for n in range(2, 41)}}, edges.__getitem__)
    timeline = lay_out(pairs, clips, pauses, 0.024)
    assert [p.key for p in timeline.pieces] == [
        "S9", "k1", "S16", "z1", "S36", "k2", "S18", "z2", "S36"]
