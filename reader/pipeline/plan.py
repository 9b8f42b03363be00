"""What a build would do, before it does it: clips to make, clips to reuse, clips
no longer used — and cleaning those away.

Each cached speech clip records the book that made it. What a book uses is
read from its manifest (what was built); for `clean`, "unused" means: made for
this book and listed by no manifest in the output folder; for a plan, made for
this book, not needed by its current texts, and listed by no other book's
manifest (what `clean` would remove after the build).
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..config import Book
from ..errors import InputError
from ..manifest_types import read_manifest, used_keys
from ..text.paragraphs import is_unspaced
from .clips import ClipJob, plan_clips
from .events import Events
from .loading import LoadedBook
from .lock import cleaning_cache, locked
from .manifest import path_for as manifest_path
from .options import BuildOptions
from .staging import check_origin, store_of
from .units import plan_unit_clips

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


def manifest_keys(out: Path, warnings: list[str] | None = None) -> dict[str, set[str]]:
    """Clip keys each built book in an output folder uses, by book id, from the manifests.

    What a book uses comes from what was built, never from a re-plan (which may
    choose other engines today). A damaged manifest protects nothing and is
    reported in `warnings`.
    """
    used: dict[str, set[str]] = {}
    for folder in sorted(out.glob("*/")):
        path = manifest_path(folder, folder.name)
        document, problem = read_manifest(path)
        if problem and warnings is not None:
            warnings.append(problem)
        if document is not None:
            used[folder.name] = used_keys(document)
    return used


def make_plan(loaded: LoadedBook, options: BuildOptions) -> Plan:
    """Compare what the book needs with what the cache holds; changes nothing."""
    cache = options.clip_cache()
    if loaded.learning:  # by sentence or with a pattern: the clips the units need
        planned = plan_unit_clips(loaded, offline=options.offline)
        jobs, chosen = planned.jobs, planned.chosen
    else:
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
    # The build replaces this book's manifest, so only other books' manifests protect.
    built = manifest_keys(options.out)
    protected = set().union(set(), *(keys for name, keys in built.items()
                                      if name != loaded.book.id))
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
    #: Damaged manifests of other books met on the way (they protect nothing).
    warnings: tuple[str, ...] = ()


def clean(book: Book, options: BuildOptions, *, dry_run: bool = False,
          events: Events | None = None) -> Cleaned:
    """Remove the cached clips this book made that no built book uses.

    "Uses" is read from the manifests in the output folder (this book's
    included): nothing is re-planned, so no engine is asked and a book spoken
    by a network engine keeps its clips offline. Without this book's manifest
    nothing is removed: its clips may be a build's finished work. Every build
    using the clip cache holds it (whatever its book or output folder), and so
    does a build of this book hold the book's lock: clean waits for them, since
    the clips they are making or reusing are in no manifest here. A dry run
    removes nothing and waits only for a build of this book.
    """
    options.check()
    events = events or Events()
    store = store_of(options.out, book.id)
    # No output of this book yet: no manifest, so nothing will be removed; no lock needed.
    building = store.is_dir() or (options.out / book.id).exists()
    # No cache folder yet: nothing to remove, and clean does not make one to lock it.
    removing = not dry_run and options.cache_root.is_dir()
    with contextlib.ExitStack() as held:
        if removing:  # the cache's lock first, then the book's, as a build takes them
            held.enter_context(cleaning_cache(options.cache_root, events))
        if building:
            held.enter_context(locked(store, events, f"a build of {book.id} is writing "
                                      f"{store}; clean waits for it to finish"))
        return _clean(book, options, dry_run=dry_run, removing=removing)


def _clean(book: Book, options: BuildOptions, *, dry_run: bool, removing: bool) -> Cleaned:
    check_origin(options.out, book.id, book.root)
    warnings: list[str] = []
    built = manifest_keys(options.out, warnings)
    if book.id not in built:
        why = next((w for w in warnings if f"/{book.id}/" in w), None)
        raise InputError(
            f"{manifest_path(options.out / book.id, book.id)}: "
            + (f"damaged ({why.split(': ', 1)[1]})" if why else "no manifest")
            + f"; nothing removed — build the book first (`reader build {book.root}`), "
            "so that clean knows which clips it uses")
    if not (dry_run or removing):  # no cache when clean began; one made since is a build's
        return Cleaned(0, 0, tuple(warnings))
    protected = set().union(*built.values())
    cache = options.clip_cache()
    unused = [key for key, record in sorted(cache.records().items())
              if record.get("book") == book.id and key not in protected]
    freed = 0
    for key in unused:
        if dry_run:
            freed += sum(p.stat().st_size for p in (cache.path(key),
                         cache.path(key).with_suffix(".json"),
                         cache.path(key).with_suffix(".flac")) if p.exists())
        else:
            freed += cache.remove(key)
    if not dry_run:
        cache.sweep_partials()
    return Cleaned(len(unused), freed, tuple(warnings))
