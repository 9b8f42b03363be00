"""What a build would do, before it does it: clips to make, clips to reuse, clips
no longer used — and cleaning those away.

Each cached speech clip records the book that made it, so "unused" means: made
for this book, and not needed by its current texts, nor by any other book whose
manifest sits in the same output folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..text.paragraphs import is_unspaced
from .cache import ClipCache
from .clips import ClipJob, plan_clips
from .loading import LoadedBook
from .options import BuildOptions

#: Characters per second of speech, for estimating before anything is cached.
_DEFAULT_RATE = {"unspaced": 4.0, "spaced": 13.0}


@dataclass(frozen=True)
class Entry:
    """One clip in a plan."""

    pair: int | None
    lang: str | None
    key: str
    seconds: float
    text: str


@dataclass(frozen=True)
class Plan:
    """The three lists a build decides between, and the engines it would use."""

    synthesise: tuple[Entry, ...]
    reuse: tuple[Entry, ...]
    unused: tuple[Entry, ...]
    engines: dict[str, str]

    @property
    def seconds_to_synthesise(self) -> float:
        """Estimated audio time of the clips to make."""
        return sum(entry.seconds for entry in self.synthesise)

    def as_json(self) -> dict[str, Any]:
        """The plan as plain data (for --json)."""
        def rows(entries: tuple[Entry, ...]) -> list[dict[str, Any]]:
            return [asdict(entry) for entry in entries]

        return {
            "synthesise": rows(self.synthesise), "reuse": rows(self.reuse),
            "unused": rows(self.unused), "engines": self.engines,
            "seconds_to_synthesise": round(self.seconds_to_synthesise, 1),
        }


def _speech_rates(records: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Characters per second by language, learnt from clips already made."""
    chars: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for record in records.values():
        lang, text, duration = record.get("lang"), record.get("text"), record.get("duration")
        if lang and text and duration:
            chars[lang] = chars.get(lang, 0) + len(text)
            seconds[lang] = seconds.get(lang, 0) + float(duration)
    return {lang: chars[lang] / seconds[lang] for lang in chars if seconds[lang] > 0}


def _protected_keys(out: Path, book_id: str) -> set[str]:
    """Clip keys listed by the manifests of other books in the same output folder."""
    keys: set[str] = set()
    for manifest in out.glob("*/*.manifest.json"):
        if manifest.parent.name == book_id:
            continue
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for pair in data.get("pairs", []):
                keys.update(pair.get("clips", {}).values())
        except (OSError, ValueError, AttributeError):
            continue
    return keys


def make_plan(loaded: LoadedBook, options: BuildOptions) -> Plan:
    """Compare what the book needs with what the cache holds; changes nothing."""
    cache = ClipCache(options.cache_root)
    jobs, chosen = plan_clips(loaded, offline=options.offline)
    records = cache.records()
    rates = _speech_rates(records)
    needed = {job.key for job in jobs}

    def estimate(job: ClipJob) -> float:
        default = _DEFAULT_RATE["unspaced" if is_unspaced(job.lang) else "spaced"]
        return round(len(job.text) / rates.get(job.lang, default), 1)

    synthesise, reuse, seen = [], [], set()
    for job in jobs:
        record = records.get(job.key)
        if record is not None:
            reuse.append(Entry(job.pair, job.lang, job.key, float(record.get("duration", 0)),
                               job.text))
        elif job.key not in seen:
            synthesise.append(Entry(job.pair, job.lang, job.key, estimate(job), job.text))
        seen.add(job.key)
    protected = _protected_keys(options.out, loaded.book.id)
    unused = [
        Entry(None, record.get("lang"), key, float(record.get("duration", 0)), record.get("text", ""))
        for key, record in sorted(records.items())
        if record.get("book") == loaded.book.id and key not in needed and key not in protected
    ]
    return Plan(tuple(synthesise), tuple(reuse), tuple(unused), chosen)


@dataclass(frozen=True)
class Cleaned:
    """What `clean` removed (or would remove)."""

    clips: int
    bytes: int


def clean(loaded: LoadedBook, options: BuildOptions, *, dry_run: bool = False) -> Cleaned:
    """Remove the book's cached clips that its current texts no longer use."""
    cache = ClipCache(options.cache_root)
    unused = make_plan(loaded, options).unused
    freed = 0
    for entry in unused:
        if dry_run:
            freed += sum(p.stat().st_size for p in (cache.path(entry.key),
                         cache.path(entry.key).with_suffix(".json"),
                         cache.path(entry.key).with_suffix(".flac")) if p.exists())
        else:
            freed += cache.remove(entry.key)
    if not dry_run:
        cache.sweep_partials()
    return Cleaned(len(unused), freed)
