"""Word marks from Piper's phoneme alignments: where each word of a sentence is heard. Pure.

Piper speaks a paragraph sentence by sentence; with alignments each sentence's
phonemes come with the samples they last. espeak's phonemes (Piper's) separate
words with " ", so the stream splits into phoneme words; word k of a
sentence's stream is word k of its text.
For Mandarin, espeak's phoneme words are dictionary words (公里 is one, 很好
may be one) while the text's words are characters: each syllable carries one
tone number, so a phoneme word with n tones covers the next n characters.
Where the counts disagree (a word espeak spells out, merges or drops) the
sentence cannot be matched; the caller estimates it instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..text.words import tokens

#: The punctuation espeak ends a clause with (then a space, or the sentence's end).
PUNCTUATION = frozenset(",.!?;:")
#: Piper's markers of a sentence's start and end and of padding: no sound of a word.
SILENT = frozenset("^$_")
#: espeak's Mandarin tone numbers (ɜ is its rising tone); one per syllable.
TONES = frozenset("12345ɜ")

#: What joins two words into one for espeak: hyphen-minus, hyphen, non-breaking hyphen.
HYPHENS = frozenset("-\u2010\u2011")

#: (start sample, end sample, tones) of one phoneme word in its sentence's audio.
PhonemeWord = tuple[int, int, int]


def phoneme_words(alignments: Sequence[tuple[str, int]]) -> list[PhonemeWord]:
    """The words of one sentence's (phoneme, samples) alignments, in order.

    A word runs from its first phoneme's first sample to its last sounding
    phoneme's last: a clause's punctuation after it is a pause, not part of it
    (inside a word, as in Mandarin's "s." for ʂ, it is a letter like any other).
    """
    words: list[PhonemeWord] = []
    at = 0
    start: int | None = None
    end = tones = 0
    for phoneme, samples in alignments:
        if phoneme == " " or phoneme in SILENT:
            if start is not None:
                words.append((start, end, tones))
                start, tones = None, 0
        elif phoneme not in PUNCTUATION:
            if start is None:
                start = at
            end = at + samples
            tones += sum(char in TONES for char in phoneme)
        at += samples
    if start is not None:
        words.append((start, end, tones))
    return words


def matched(text: str, words: Sequence[PhonemeWord]) -> list[tuple[int, int, int, int]] | None:
    """Marks (start, end, char start, char end) for the phoneme words of `text`, one per
    phoneme word; None when the words and the text's words do not pair up.

    A word of letters (hyphenated ones whole) takes one phoneme word; Han
    characters take one phoneme word per run, as many characters as it has tones.
    """
    spans = _words(text)
    marks: list[tuple[int, int, int, int]] = []
    k = 0
    for start, end, tones in words:
        if k >= len(spans):
            return None
        if _is_han(text, spans[k]):
            last = k + tones - 1
            if tones < 1 or last >= len(spans) or not all(
                    _is_han(text, span) for span in spans[k:last + 1]):
                return None
        else:
            last = k
        marks.append((start, end, spans[k][0], spans[last][1]))
        k = last + 1
    return marks if k == len(spans) and marks else None


def _words(text: str) -> list[tuple[int, int]]:
    """The text's words as espeak says them: tokens() joined across a hyphen (әдіс-амал is
    one word to espeak)."""
    spans: list[tuple[int, int]] = []
    for start, end in tokens(text):
        if spans and text[spans[-1][1]:start] in HYPHENS and not _is_han(text, (start, end)):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _is_han(text: str, span: tuple[int, int]) -> bool:
    """Whether the token is one Han character (or kana): tokens() makes each its own word."""
    start, end = span
    code = ord(text[start])
    return end - start == 1 and (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF
                                 or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF)
