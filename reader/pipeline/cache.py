"""Content-addressed store of mastered clips.

A clip's key hashes everything that changes its sound; its file holds bare MP3
frames and a sidecar records the frame count and a SHA-256 of the bytes, which
is checked on every read so a corrupt entry is re-made, never stitched in.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import fsutil
from ..audio.frames import Stream, audio_frames
from ..audio.pcm import WordMark
from ..digest import json_digest
from ..errors import ConfigError
from ..records import load_json, mismatch


def clip_key(**fields: Any) -> str:
    """Stable hash of the fields that decide a clip's sound."""
    return json_digest(fields)


#: What a clip's record must hold (written by `put`).
RECORD_SHAPE = {"frames": int, "bytes": int, "sha256": str, "seal": str}
#: The record's fields a build relies on, covered by its seal.
_SEALED = ("frames", "bytes", "sha256", "samples", "padding")
#: Sealed too when present: a speech clip's word times (see docs/read-along.md).
#: A record made before them has neither; its seal still holds.
_SEALED_IF_PRESENT = ("timing", "marks", "edges")
#: What it may hold besides, read by planning and cleaning.
_OPTIONAL = {"duration": float, "book": str, "lang": str, "text": str, "pair": int,
             "engine": str, "voice": str, "kind": str, "padding": int, "samples": int,
             "timing": str, "edges": list}


def _seal(meta: dict[str, Any]) -> str:
    """A digest binding the record's sealed fields together (the audio's SHA-256 among them)."""
    sealed = {name: meta.get(name) for name in _SEALED}
    sealed.update({name: meta[name] for name in _SEALED_IF_PRESENT if name in meta})
    return json_digest(sealed)


def _marks(meta: dict[str, Any]) -> tuple[WordMark, ...] | None:
    """The record's word marks (master samples, spoken-text characters); None if malformed."""
    marks = meta.get("marks", [])
    if not isinstance(marks, list):
        return None
    if not all(isinstance(mark, list) and len(mark) == 4
               and all(type(n) is int for n in mark) for mark in marks):
        return None
    return tuple(WordMark(*mark) for mark in marks)


@dataclass(frozen=True)
class CachedClip:
    """A verified cache entry."""

    key: str
    path: Path
    frames: int
    size: int
    #: Where its words are in its samples (speech clips; see docs/read-along.md) and
    #: how they were found; None for a record written before clips had word times.
    timing: str | None = None
    marks: tuple[WordMark, ...] = ()


class ClipCache:
    """Clips under ``root/<k[:2]>/<key>.mp3`` with a ``.json`` sidecar each.

    With `remote` (an fsspec URL such as ``s3://bucket/reader-cache``), the local
    folder is a mirror of a shared store: a clip missing here is fetched from
    the store (and verified like any entry), and a clip made here is uploaded to
    it, its record last, so an entry without a record is incomplete there too.
    Every machine of a cluster then shares clips through the store while
    reading and joining frames from its own disk.
    """

    def __init__(self, root: Path, remote: str | None = None) -> None:
        self.root = Path(root)
        self.remote = remote.rstrip("/") if remote else None
        self.warnings: list[str] = []
        self._fs: Any = None

    def _store(self) -> tuple[Any, str]:
        """The remote store's fsspec file system and its root path (opened once)."""
        if self._fs is None:
            import fsspec

            self._fs, self._base = fsspec.core.url_to_fs(self.remote)
        return self._fs, self._base

    def _remote_name(self, key: str, suffix: str) -> str:
        fs, base = self._store()
        return f"{base}/{key[:2]}/{key}{suffix}"

    def _fetch(self, key: str) -> None:
        """Copy an entry from the remote store into the local mirror, its record last."""
        fs, _ = self._store()
        try:
            record = fs.cat_file(self._remote_name(key, ".json"))
            data = fs.cat_file(self._remote_name(key, ".mp3"))
        except (FileNotFoundError, OSError):
            return
        try:
            master = fs.cat_file(self._remote_name(key, ".flac"))
        except (FileNotFoundError, OSError):
            master = None
        if master is not None:
            fsutil.write_bytes(self.path(key).with_suffix(".flac"), master)
        fsutil.write_bytes(self.path(key), data)
        fsutil.write_bytes(self._meta_path(key), record)

    def _upload(self, key: str) -> None:
        """Send an entry to the remote store: audio (and master) first, the record last."""
        fs, _ = self._store()
        for suffix in (".flac", ".mp3", ".json"):
            local = self.path(key).with_suffix(suffix)
            if local.exists():
                target = self._remote_name(key, suffix)
                fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
                fs.pipe_file(target, local.read_bytes())

    def path(self, key: str) -> Path:
        """Where a clip lives."""
        return self.root / key[:2] / f"{key}.mp3"

    def _meta_path(self, key: str) -> Path:
        return self.path(key).with_suffix(".json")

    def get(self, key: str) -> CachedClip | None:
        """The clip if present and intact; a damaged entry is dropped with a warning.

        Everything a build takes from an entry is checked: the audio against its
        size and SHA-256, and the record's frame count and gapless fields against
        the seal written with them (recounting every frame on every build would
        cost seconds per hour of audio).
        """
        path, meta_path = self.path(key), self._meta_path(key)
        if self.remote and not path.exists() and not meta_path.exists():
            self._fetch(key)
        if not path.exists() and not meta_path.exists():
            return None
        problem = None
        meta, unreadable = load_json(meta_path, RECORD_SHAPE)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        if data is None or (meta is None and unreadable is None):
            problem = "half of the entry is missing"
        elif meta is None:
            problem = "its record is unreadable"
        elif len(data) != meta["bytes"]:
            problem = f"{len(data)} bytes where {meta['bytes']} were written"
        elif hashlib.sha256(data).hexdigest() != meta["sha256"]:
            problem = "its content changed since it was written"
        elif _seal(meta) != meta["seal"]:
            problem = "its record was changed since it was written"
        elif _marks(meta) is None or not isinstance(meta.get("timing", ""), str):
            problem = "its word times are unreadable"
        if problem or meta is None:
            self.warnings.append(f"cached clip {path} is damaged ({problem}); making it again")
            path.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            return None
        return CachedClip(key, path, meta["frames"], meta["bytes"], meta.get("timing"),
                          _marks(meta) or ())

    def put(self, key: str, data: bytes | Stream, *, marks: tuple[WordMark, ...] = (),
            timing: str | None = None, **info: Any) -> CachedClip:
        """Store an MP3's audio frames (given as bytes, or already parsed) under a key,
        with its word marks and their timing for a speech clip; returns the entry."""
        stream = data if isinstance(data, Stream) else audio_frames(data)
        path = self.path(key)
        fsutil.write_bytes(path, stream.frames)
        meta = {
            "frames": stream.count,
            "bytes": len(stream.frames),
            "sha256": hashlib.sha256(stream.frames).hexdigest(),
            "duration": round(stream.duration, 3),
            **info,
        }
        if timing is not None:
            meta["timing"] = timing
            meta["marks"] = [[m.start, m.end, m.text_start, m.text_end] for m in marks]
        meta["seal"] = _seal(meta)
        # The sidecar is written last: an entry without one is incomplete.
        fsutil.write_bytes(self._meta_path(key), json.dumps(meta, ensure_ascii=False).encode())
        if self.remote:
            self._upload(key)
        return CachedClip(key, path, stream.count, len(stream.frames), timing, tuple(marks))

    def record(self, key: str) -> dict[str, Any] | None:
        """An entry's sidecar record, without checking the audio (for planning).

        A record of the wrong shape counts as no record; optional fields of the
        wrong type are left out.
        """
        meta, _ = load_json(self._meta_path(key), RECORD_SHAPE)
        if meta is None or not self.path(key).exists():
            return None
        return {name: value for name, value in meta.items()
                if name not in _OPTIONAL or mismatch(value, _OPTIONAL[name]) is None}

    def padding(self, key: str) -> int:
        """The samples of padding LAME added at the end of a clip (0 when not recorded)."""
        record = self.record(key) or {}
        return int(record.get("padding", 0))

    def records(self) -> dict[str, dict[str, Any]]:
        """Every entry's record, by key."""
        found = {}
        for meta_path in self.root.glob("??/*.json"):
            record = self.record(meta_path.stem)
            if record is not None:
                found[meta_path.stem] = record
        return found

    def sweep_partials(self, older_than: float = 3600) -> int:
        """Remove temporary files left by killed builds; returns how many.

        Only files older than `older_than` seconds go: a younger one may belong
        to a build of another book running right now.
        """
        removed = 0
        now = time.time()
        for path in self.root.glob("??/.*.part"):
            try:
                if now - path.stat().st_mtime >= older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def remove(self, key: str) -> int:
        """Delete an entry (and its lossless master, if it has one); returns the bytes freed."""
        freed = 0
        for path in (self.path(key), self._meta_path(key), self.path(key).with_suffix(".flac")):
            if path.exists():
                freed += path.stat().st_size
                path.unlink()
        return freed


def check_store(url: str) -> None:
    """Refuse (ConfigError) a --cache URL whose protocol fsspec does not know or that cannot
    be reached, before anything is synthesised."""
    import fsspec

    try:
        fs, base = fsspec.core.url_to_fs(url)
        fs.makedirs(base, exist_ok=True)
        fs.ls(base)
    except (ImportError, ValueError) as exc:
        raise ConfigError(f"--cache {url}: {exc}; install the fsspec driver for it "
                          "(s3fs for s3://, gcsfs for gs://)") from None
    except OSError as exc:
        raise ConfigError(f"--cache {url}: the store cannot be reached ({exc})") from None


def cache_location(value: str) -> tuple[Path | None, str | None]:
    """--cache → (a local folder, None) or (None, a store's URL); ConfigError when unusable.

    A ``file:`` URL must name an absolute path on this machine (``file:///srv/cache``,
    percent-escapes decoded): a relative or empty one would scatter clip folders
    into the working directory, and another host's is not reachable as a file.
    """
    if not value.strip():
        raise ConfigError("--cache: empty; give a folder or a store's URL (s3://…, file:///…)")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() != "file":
        return (None, value) if "://" in value else (Path(value), None)
    example = "e.g. file:///srv/reader-cache, or give the folder itself"
    if parts.netloc not in ("", "localhost"):
        raise ConfigError(f"--cache {value}: names the host {parts.netloc!r}; a file: URL "
                          f"must name a folder on this machine ({example})")
    if parts.query or parts.fragment:
        raise ConfigError(f"--cache {value}: a file: URL has no '?' or '#' part; "
                          "write them as %3F and %23 in a folder's name")
    from urllib.request import url2pathname  # http.client and email with it: file: URLs only

    path = url2pathname(parts.path)
    if not path or not Path(path).is_absolute():
        raise ConfigError(f"--cache {value}: a file: URL needs an absolute path ({example})")
    return None, "file://" + path
