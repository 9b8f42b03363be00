"""Pairs → spoken units → the clips each pattern step needs.

A unit is what is spoken at a time: a whole paragraph pair (unit "paragraph")
or one aligned sentence pair (unit "sentence": each side split by
reader.text.sentences, then aligned within the pair by the Gale–Church
aligner of reader.text.align, so a sentence translated as two pairs 1–2).
For every unit and every language step of the pattern a clip is planned:
the normal-speed clip is keyed exactly as a paragraph clip would be (a
one-sentence paragraph shares its clip with the paragraph book); a slower or
faster step is its own clip, made by the engine's own rate where it has one
(espeak), else by a pitch-preserving time stretch of the same synthesis.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import speech
from ..audio import ffmpeg, mastering
from ..audio.timeline import Beat, UnitBeats, gap_frames
from ..config import Book
from ..errors import PairingError
from ..text.align import UNPAIRED_SENTENCE, align_texts
from ..text.pairing import Pair
from ..text.paragraphs import Paragraph, is_unspaced
from ..text.patterns import Step
from ..text.sentence_alignment import check_counts, read_sentence_corrections
from ..text.sentences import split_sentences
from .cache import ClipCache, clip_key
from .clips import ClipJob, plan_clips
from .loading import LoadedBook


@dataclass(frozen=True)
class Unit:
    """What is spoken at a time: one text per language (a side may be missing)."""

    pair: Pair
    number: int  # 1-based within the pair
    texts: tuple[tuple[str, str], ...]  # (lang, text) in book order
    #: The aligner's step ("1–1", "2–1", "1–0", …) and its posterior; "" and 1.0 for
    #: a paragraph unit.
    kind: str = ""
    confidence: float = 1.0
    #: True when alignment.toml gave this pairing (not the aligner).
    fixed: bool = False

    def text(self, lang: str) -> str | None:
        """The unit's text in a language (None when that side is missing)."""
        return dict(self.texts).get(lang)


def _join(lang: str, parts: list[str]) -> str:
    return ("" if is_unspaced(lang) else " ").join(parts)


def sentence_units(
    pair: Pair, fixed: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] | None = None
) -> tuple[Unit, ...]:
    """A pair's aligned sentences, as units (1–1, 2–1, 1–2, 1–0, 0–1).

    `fixed` is a pairing written by hand (positions per side, 0-based, already
    checked against the sentence counts); its units have confidence 1 and `fixed` set.
    """
    sides = [(lang, split_sentences(paragraph.text, lang)) for lang, paragraph in pair.texts]
    if len(sides) == 1:  # a paragraph spoken alone: every sentence is its own unit
        lang, sentences = sides[0]
        return tuple(Unit(pair, k, ((lang, s),), "1–0") for k, s in enumerate(sentences, 1))
    (la, sa), (lb, sb) = sides
    steps: list[tuple[tuple[int, ...], tuple[int, ...], float]]
    if fixed is not None:
        steps = [(a, b, 1.0) for a, b in fixed]
    elif len(sa) == len(sb) == 1:  # nothing to choose
        steps = [((0,), (0,), 1.0)]
    else:
        proposal = align_texts(sa, sb, la, lb, unpaired=UNPAIRED_SENTENCE)
        steps = [(step.a, step.b, step.confidence) for step in proposal.steps]
    units = []
    for k, (a, b, confidence) in enumerate(steps, 1):
        texts = tuple((lang, _join(lang, [side[i] for i in positions]))
                      for lang, side, positions in ((la, sa, a), (lb, sb, b))
                      if positions)
        units.append(Unit(pair, k, texts, f"{len(a)}–{len(b)}", confidence, fixed is not None))
    return tuple(units)


def units_of(loaded: LoadedBook) -> tuple[Unit, ...]:
    """Every unit of the book in order, by its `unit` setting.

    Sentence pairings written in alignment.toml replace the aligner's for their
    pairs; one that names a missing pair or no longer fits raises PairingError.
    """
    book = loaded.book
    if book.unit == "sentence":
        corrections, path = read_sentence_corrections(book.root, book.order)
        by_index = {pair.index: pair for pair in loaded.pairs}
        for number in corrections:
            pair = by_index.get(number)
            if pair is None or len(pair.texts) != 2:
                raise PairingError(f"{path}: [[sentences]] pair {number}: the book has no such "
                                   f"pair of two paragraphs (it has {len(loaded.pairs)} pairs); "
                                   "fix the number or remove the table")
            (_, first), (_, second) = pair.texts
            counts = (len(split_sentences(first.text, book.order[0])),
                      len(split_sentences(second.text, book.order[1])))
            check_counts(corrections, path, number, counts, book.order)
        return tuple(unit for pair in loaded.pairs
                     for unit in sentence_units(pair, corrections.get(pair.index)))
    return tuple(Unit(pair, 1, tuple((lang, p.text) for lang, p in pair.texts))
                 for pair in loaded.pairs)


@dataclass(frozen=True)
class UnitClips:
    """The units, the clip for each (unit, language, speed), and the engines chosen."""

    units: tuple[Unit, ...]
    #: (unit's 0-based place in `units`, lang, speed) → the clip's job.
    clips: dict[tuple[int, str, float], ClipJob]
    chosen: dict[str, str]

    @property
    def jobs(self) -> list[ClipJob]:
        """Every clip job (a repeat of a clip is one job)."""
        return list(self.clips.values())


def _as_pairs(units: tuple[Unit, ...]) -> tuple[Pair, ...]:
    """Units dressed as pairs numbered 1…n, so plan_clips keys them like paragraphs."""
    return tuple(
        Pair(i + 1, unit.pair.section, unit.pair.section_title,
             tuple((lang, Paragraph(text, dict(unit.pair.texts)[lang].line))
                   for lang, text in unit.texts))
        for i, unit in enumerate(units)
    )


def _with_voice(book: Book, lang: str, engine: str, options: dict[str, object]) -> Book:
    voices = dict(book.voices)
    voice = dataclasses.replace(book.voice(lang), engines=(engine,),
                                options=tuple(sorted(options.items())))
    voices[lang] = voice
    return dataclasses.replace(book, voices=tuple(voices.items()))


def plan_unit_clips(loaded: LoadedBook, *, offline: bool = False,
                    skipped: list[str] | None = None) -> UnitClips:
    """Choose the engines and describe every clip the units and the pattern need.

    Every unit gets its normal-speed clip in each of its languages (the Anki
    deck takes them from the cache even when the pattern skips a language);
    each other speed the pattern asks for is planned as its own clip.
    """
    book = loaded.book
    units = units_of(loaded)
    as_pairs = _as_pairs(units)
    jobs, chosen = plan_clips(LoadedBook(book, as_pairs), offline=offline, skipped=skipped)
    engines = {job.lang: job.engine for job in jobs}
    clips: dict[tuple[int, str, float], ClipJob] = {
        (job.pair - 1, job.lang, 1.0): job for job in jobs}
    speeds = sorted({(step.lang, step.speed) for step in loaded.steps
                     if step.lang is not None and step.speed != 1.0})
    for lang, speed in speeds:
        if lang not in engines:
            continue  # no unit speaks it (every paragraph of it was left unpaired)
        engine = speech.get(engines[lang])
        options = engine.options_at_speed(dict(book.voice(lang).options), speed)
        if options is not None:
            slowed = _with_voice(book, lang, engine.name, options)
            other, _ = plan_clips(LoadedBook(slowed, as_pairs), offline=offline)
            normal = {job.pair: job for job in jobs if job.lang == lang}
            for job in other:
                if job.lang == lang:  # the engine's own rate, brought to the exact speed
                    key = clip_key(kind="paced", clip=job.key, speed=speed,
                                   mastering=mastering.MASTERING_VERSION, ffmpeg=ffmpeg.version())
                    clips[(job.pair - 1, lang, speed)] = dataclasses.replace(
                        job, speed=speed, key=key, normal=normal[job.pair].options)
        else:
            for (place, job_lang, job_speed), job in list(clips.items()):
                if job_lang == lang and job_speed == 1.0:
                    key = clip_key(kind="stretched", clip=job.key, speed=speed,
                                   mastering=mastering.MASTERING_VERSION, ffmpeg=ffmpeg.version())
                    clips[(place, lang, speed)] = dataclasses.replace(job, speed=speed, key=key)
    for (place, lang, speed), job in clips.items():
        unit = units[place]
        where = (f"{book.text_path(lang)}:{dict(unit.pair.texts)[lang].line} "
                 f"(paragraph {unit.pair.index}, sentence {unit.number}"
                 + (f", {speed:g}×" if speed != 1.0 else "") + ")")
        clips[(place, lang, speed)] = dataclasses.replace(job, pair=unit.pair.index, where=where)
    return UnitClips(units, clips, chosen)


def unit_beats(planned: UnitClips, steps: tuple[Step, ...], frames: dict[str, int],
               cache: ClipCache, book: Book) -> tuple[UnitBeats, ...]:
    """Each unit's pattern steps as beats: its clips (by frames) and its gaps' silences.

    A language the unit lacks (a 1–0 sentence) is skipped, and so is a gap
    with nothing heard before it in the unit.
    """
    silences: dict[int, tuple[str, int]] = {}

    def encoded(frames: int) -> tuple[str, int]:
        seconds = frames * book.audio.frame_seconds
        key = clip_key(kind="silence", seconds=round(seconds, 3),
                       format=dataclasses.asdict(book.audio), ffmpeg=ffmpeg.version())
        found = cache.get(key) or cache.put(key, mastering.silence(seconds, book.audio),
                                            kind="silence")
        return key, found.frames

    def silence(length: int) -> tuple[str, int]:
        # The encoder pads silence by a frame or two; ask for that much less once.
        if length not in silences:
            first = encoded(length)
            if first[1] != length and length - (first[1] - length) > 0:
                second = encoded(length - (first[1] - length))
                first = min(first, second, key=lambda found: abs(found[1] - length))
            silences[length] = first
        return silences[length]

    blocks = []
    for place, unit in enumerate(planned.units):
        beats: list[Beat] = []
        heard: int | None = None
        for number, step in enumerate(steps, 1):
            if step.lang is None:
                if heard is not None:
                    beats.append(Beat(*silence(gap_frames(heard, step.gap)), number))
                continue
            job = planned.clips.get((place, step.lang, step.speed))
            if job is None:
                heard = None  # the gap after a missing side would echo nothing
                continue
            heard = frames[job.key]
            beats.append(Beat(job.key, heard, number, step.lang, step.speed))
        blocks.append(UnitBeats(unit.pair, place + 1, tuple(beats)))
    return tuple(blocks)
