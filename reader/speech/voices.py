"""Where Piper voices live, and installing, listing and removing them.

A voice is a folder `<voices>/<name>/` holding the model (`<name>.onnx`), its
config (`<name>.onnx.json`), the MODEL_CARD that carries its licence, and
`voice.json`: the catalogue's record of it (language, quality, speakers,
files with size and MD5) plus the licence read from the card. `<voices>` is
$READER_VOICES, else the user's data folder (platformdirs).

Installing follows Piper's published catalogue (`voices.json` at the root of
a source: per voice, its files as paths relative to that root with
`size_bytes` and `md5_digest`). Each file is downloaded to a `.part` file
under `<voices>/.partial/` (an interrupted download resumes there with an
HTTP Range request), checked against the catalogue, and only when every file
of every voice asked for is good are the voices renamed into place. A build
never downloads anything: it only reads what is installed here.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import hashlib
import http.client
import json
import os
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, ReaderError
from . import voice_catalogue
from .voice_catalogue import CatalogueEntry

#: Piper's published catalogue; a mirror with the same layout works with --from.
DEFAULT_SOURCE = "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
CATALOGUE = "voices.json"
RECORD = voice_catalogue.RECORD
CACHED_CATALOGUE = "catalogue.json"
_QUALITY_RANK = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
_CHUNK = 1 << 16
_ATTEMPTS = 3

#: Voices worth knowing about here when no catalogue has been fetched yet (issue 11).
KNOWN: dict[str, dict[str, Any]] = {
    "kk_KZ-issai-high": {"quality": "high", "num_speakers": 6, "licence": "CC BY 4.0"},
    "kk_KZ-iseke-x_low": {"quality": "x_low", "num_speakers": 1},
    "kk_KZ-raya-x_low": {"quality": "x_low", "num_speakers": 1},
    "zh_CN-huayan-medium": {"quality": "medium", "num_speakers": 1},
    "zh_CN-huayan-x_low": {"quality": "x_low", "num_speakers": 1},
}

#: The voice a language gets when book.toml names none and several are installed, or
#: none is (then the error names it so that one command installs it).
RECOMMENDED = {"kk": "kk_KZ-issai-high", "zh": "zh_CN-huayan-medium"}


class VoiceError(ReaderError):
    """Installing or removing a voice failed (network, disk, a file that does not match)."""


Progress = Callable[[str, int, int], None]
"""progress(file name, bytes done, bytes in all) while a file is fetched."""


def voices_dir() -> Path:
    """Where voices are installed: $READER_VOICES, else the user data folder's voices/."""
    env = os.environ.get("READER_VOICES")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("reader", appauthor=False)) / "voices"


def family(lang: str) -> str:
    """The language family of a BCP-47 tag or a Piper code: zh-TW → zh, kk_KZ → kk."""
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


@dataclass(frozen=True)
class InstalledVoice:
    """A voice in the voices folder: its model, config and what its record says."""

    name: str
    folder: Path
    model: Path
    config: Path
    language: str  # Piper code, e.g. kk_KZ
    quality: str
    speakers: dict[str, int] = field(default_factory=dict)
    num_speakers: int = 1
    licence: str = "unknown"
    model_md5: str = ""
    size: int = 0

    @property
    def family(self) -> str:
        """The language family the voice speaks (kk, zh, …)."""
        return family(self.language)


def _name_parts(name: str) -> tuple[str, str]:
    """(language code, quality) from a Piper voice name like kk_KZ-issai-high."""
    parts = name.split("-")
    return (parts[0], parts[-1]) if len(parts) >= 3 else ("", "")


def licence_from_card(text: str) -> str:
    """The licence a Piper MODEL_CARD states (its `License:` line), or "unknown"."""
    for line in text.splitlines():
        match = re.match(r"^\s*[*-]?\s*licen[cs]e\s*:\s*(.+?)\s*$", line, re.IGNORECASE)
        if match:
            return match.group(1)
    return "unknown"


def read_voice(folder: Path) -> InstalledVoice:
    """Describe the installed voice in `folder` (raises InputError when it is incomplete)."""
    name = folder.name
    model = folder / f"{name}.onnx"
    if not model.is_file():
        models = sorted(folder.glob("*.onnx"))
        if not models:
            raise InputError(f"{folder}: no .onnx model in the voice folder; "
                             f"reinstall it: reader voices install {name}")
        model = models[0]
    return read_voice_file(model, name=name)


def read_voice_file(model: Path, *, name: str | None = None) -> InstalledVoice:
    """Describe a voice from its model file (the .onnx.json must sit beside it)."""
    folder = model.parent
    name = name or model.name.removesuffix(".onnx")
    config = Path(f"{model}.json")
    if not config.is_file():
        raise InputError(f"{model}: the model has no {config.name} beside it (Piper needs "
                         f"both); reinstall it: reader voices install {name}")
    record: dict[str, Any] = {}
    try:
        if (folder / RECORD).is_file():
            record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        settings = json.loads(config.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or not isinstance(settings, dict):
            raise ValueError("expected a JSON object")
    except (OSError, ValueError) as exc:
        raise InputError(f"{config}: not a readable Piper voice config ({exc}); "
                         f"reinstall it: reader voices install {name}") from None
    code, quality = _name_parts(name)
    language = (record.get("language") or settings.get("language") or {}).get("code") or code
    card = folder / "MODEL_CARD"
    licence = record.get("licence") or (
        licence_from_card(card.read_text(encoding="utf-8", errors="replace"))
        if card.is_file() else "unknown")
    files = record.get("files", {})
    model_md5 = next((meta.get("md5_digest", "") for path, meta in files.items()
                      if path.endswith(".onnx")), "")
    return InstalledVoice(
        name=name, folder=folder, model=model, config=config, language=language,
        quality=record.get("quality") or quality or "unknown",
        speakers=dict(settings.get("speaker_id_map") or {}),
        num_speakers=int(settings.get("num_speakers", 1)), licence=licence,
        model_md5=model_md5,
        size=sum(path.stat().st_size for path in folder.iterdir() if path.is_file()),
    )


def installed(root: Path | None = None) -> list[InstalledVoice]:
    """Every installed voice, by name (incomplete folders are left out)."""
    root = root or voices_dir()
    found = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.is_dir() and not folder.name.startswith("."):
                try:
                    found.append(read_voice(folder))
                except InputError:
                    continue
    return found


def find(name: str, root: Path | None = None) -> InstalledVoice:
    """The installed voice called `name`, or an InputError naming the closest ones."""
    root = root or voices_dir()
    folder = root / name
    if name and "/" not in name and folder.is_dir():
        return read_voice(folder)
    names = [voice.name for voice in installed(root)]
    known = set(names) | set(KNOWN) | set(cached_catalogue(root))
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    where = f"installed in {root}: {', '.join(names)}" if names else f"none is installed in {root}"
    if name in known:
        return _not_installed(name, where)
    raise InputError(f"unknown Piper voice {name!r}{hint} ({where}); "
                     "see `reader voices list`")


def _not_installed(name: str, where: str) -> InstalledVoice:
    raise InputError(f"Piper voice {name!r} is not installed ({where}); "
                     f"install it with `reader voices install {name}` (a build never downloads)")


def best_for(lang: str, root: Path | None = None) -> str | None:
    """The installed voice for a language: the recommended one, else the best quality."""
    voices = [voice for voice in installed(root) if voice.family == family(lang)]
    if not voices:
        return None
    names = {voice.name for voice in voices}
    if RECOMMENDED.get(family(lang)) in names:
        return RECOMMENDED[family(lang)]
    voices.sort(key=lambda voice: (_QUALITY_RANK.get(voice.quality, 9), voice.name))
    return voices[0].name


def credits(voice: InstalledVoice | str, root: Path | None = None) -> str:
    """One line crediting a voice and its licence, for tags, the manifest and the page."""
    if isinstance(voice, str):
        voice = find(voice, root)
    return f"Piper voice {voice.name} ({voice.language}), licence: {voice.licence}"


# --- the catalogue ---------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How long and how much one transfer may take (tests pass a clock of their own).

    A transfer may take `grace` seconds, plus one second for every `min_rate`
    bytes it has brought: a server that trickles a byte every few seconds is
    given up on after about `grace` seconds, a slow but steady one never.
    """

    timeout: float = 30.0
    grace: float = 60.0
    min_rate: float = 10_000.0
    clock: Callable[[], float] = time.monotonic


LIMITS = Limits()


def _is_url(source: str) -> bool:
    return urllib.parse.urlparse(source).scheme in ("http", "https")


def _join(source: str, relative: str) -> str:
    if _is_url(source):
        return source.rstrip("/") + "/" + urllib.parse.quote(relative)
    return str(Path(source) / relative)


def cached_catalogue(root: Path | None = None) -> dict[str, CatalogueEntry]:
    """The catalogue fetched by the last install (empty when none was, or it does not parse)."""
    path = (root or voices_dir()) / CACHED_CATALOGUE
    try:
        with open(path, "rb") as handle:
            return voice_catalogue.parse(handle.read(voice_catalogue.MAX_BYTES + 1), str(path))
    except (OSError, ReaderError):
        return {}


class _Transfer:
    """Reads one HTTP answer in blocks, within the limits: at most `most` bytes, never too slow."""

    def __init__(self, answer: http.client.HTTPResponse, url: str, limits: Limits,
                 done: int = 0) -> None:
        self.answer, self.url, self.limits = answer, url, limits
        self.started, self.done, self.first = limits.clock(), done, done

    def blocks(self, most: int) -> Iterator[bytes]:
        """The answer's blocks; raises _TooLarge past `most` bytes in all, VoiceError when too slow."""
        while block := self.answer.read1(_CHUNK):
            self.done += len(block)
            if self.done > most:
                raise _TooLarge(self.done)
            yield block
            took = self.limits.clock() - self.started
            if took > self.limits.grace + (self.done - self.first) / self.limits.min_rate:
                raise VoiceError(f"{self.url}: the server sent {self.done - self.first} bytes "
                                 f"in {took:.0f} s, too slow to finish; nothing was installed; "
                                 "try again later or another mirror (--from); what arrived is "
                                 "kept and the same command resumes it")


class _TooLarge(Exception):
    """An answer went past the size it was allowed."""


def fetch_catalogue(source: str, root: Path | None = None,
                    limits: Limits | None = None) -> dict[str, CatalogueEntry]:
    """Read and check `voices.json` from a source (URL or folder), then keep a copy for `list`.

    A catalogue that does not parse or breaks a rule is refused (CatalogueError)
    and not kept.
    """
    limits = limits or LIMITS
    where = _join(source, CATALOGUE)
    most = voice_catalogue.MAX_BYTES
    too_big = voice_catalogue.CatalogueError(
        f"{where}: more than {most // (1024 * 1024)} MB, too large for a voice catalogue "
        "(Piper's own is a small fraction of that); refusing it, nothing was installed")
    try:
        if _is_url(source):
            with urllib.request.urlopen(where, timeout=limits.timeout) as answer:
                if int(answer.headers.get("Content-Length") or 0) > most:
                    raise too_big
                data = b"".join(_Transfer(answer, where, limits).blocks(most))
        else:
            with open(where, "rb") as handle:
                data = handle.read(most + 1)
                if len(data) > most:
                    raise too_big
    except _TooLarge:
        raise too_big from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise VoiceError(f"{where}: cannot read Piper's voice catalogue ({exc}); "
                         "check the address, or use --from with a mirror or a folder") from None
    catalogue = voice_catalogue.parse(data, where)
    root = root or voices_dir()
    from ..fsutil import write_bytes

    root.mkdir(parents=True, exist_ok=True)
    write_bytes(root / CACHED_CATALOGUE, data)
    return catalogue


def _entry(catalogue: dict[str, CatalogueEntry], name: str, source: str) -> CatalogueEntry:
    entry = catalogue.get(name)
    if entry is None:  # Piper lists old names under "aliases"
        entry = next((value for value in catalogue.values() if name in value.aliases), None)
    if entry is None:
        close = difflib.get_close_matches(name, sorted(catalogue), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"no voice {name!r} in the catalogue at {source}{hint}; "
                         "see `reader voices list`")
    return entry


# --- downloading ---------------------------------------------------------------------


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _disk_full(path: Path, exc: OSError) -> VoiceError:
    return VoiceError(f"{path}: the disk is full ({exc.strerror}); nothing was installed; "
                      "free some space (or set READER_VOICES to another disk) and run the "
                      "install again: it resumes")


def _too_large(where: str, size: int) -> VoiceError:
    return VoiceError(f"{where}: the server sent more than the catalogue's {size} bytes; "
                      "nothing was installed; the mirror (--from) is damaged or not Piper's")


class _Interrupted(Exception):
    """A download stopped before its end; what arrived is kept in the .part file."""


def _write(handle: IO[Any], part: Path, block: bytes) -> None:
    try:
        handle.write(block)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _disk_full(part, exc) from None
        raise VoiceError(f"{part}: cannot write ({exc})") from None


def _fetch(url: str, part: Path, size: int, progress: Progress | None, limits: Limits) -> None:
    """Download `url` into `part`, resuming from what `part` already holds.

    Raises _Interrupted when the transfer stops early (the caller retries with
    a Range request), VoiceError for an answer that retrying will not fix: one
    longer than the catalogue's size, or one too slow to finish.
    """
    have = part.stat().st_size if part.exists() else 0
    if have > size:  # longer than the catalogue says: start again
        part.unlink()
        have = 0
    if have == size:
        return
    request = urllib.request.Request(url)
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        with urllib.request.urlopen(request, timeout=limits.timeout) as answer:
            # A server that ignores Range answers 200 with the whole file: start over.
            mode = "ab" if have and answer.status == 206 else "wb"
            done = have if mode == "ab" else 0
            if done + int(answer.headers.get("Content-Length") or 0) > size:
                part.unlink(missing_ok=True)
                raise _too_large(url, size)
            with open(part, mode) as handle:
                for block in _Transfer(answer, url, limits, done).blocks(size):
                    _write(handle, part, block)
                    done += len(block)
                    if progress:
                        progress(part.name.removesuffix(".part"), done, size)
    except _TooLarge:
        part.unlink(missing_ok=True)
        raise _too_large(url, size) from None
    except VoiceError:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the range starts at the end: already complete
            return
        if exc.code in (408, 429) or exc.code >= 500:
            raise _Interrupted(f"the server answered {exc.code} {exc.reason}") from None
        raise VoiceError(f"{url}: the server answered {exc.code} {exc.reason}; "
                         "check the voice name and the source (--from)") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise _Interrupted(str(getattr(exc, "reason", exc)) or type(exc).__name__) from None
    if part.stat().st_size < size:
        raise _Interrupted(f"the connection closed after {part.stat().st_size} of {size} bytes")


def _copy(source: str, relative: str, part: Path, size: int, progress: Progress | None) -> None:
    """Copy a file from a local catalogue folder into `part` (never from outside that folder)."""
    path = Path(source) / relative
    if not path.resolve().is_relative_to(Path(source).resolve()):
        raise voice_catalogue.CatalogueError(
            f"{path}: a link to {path.resolve()}, outside the catalogue's folder {source}; "
            "refusing it, nothing was installed; copy the real files into the folder (cp -rL)")
    if not path.is_file():
        raise VoiceError(f"{path}: listed in the catalogue but missing from the folder")
    done = 0
    try:
        with open(path, "rb") as src, open(part, "wb") as dst:
            while block := src.read(_CHUNK):
                done += len(block)
                if done > size:
                    raise _too_large(str(path), size)
                _write(dst, part, block)
                if progress:
                    progress(part.name.removesuffix(".part"), done, size)
    except VoiceError:
        part.unlink(missing_ok=True)
        raise
    except OSError as exc:
        raise VoiceError(f"{path}: cannot copy ({exc})") from None


def _download(url: str, part: Path, size: int, progress: Progress | None,
              limits: Limits) -> None:
    """Fetch one file, resuming with Range requests after each interruption."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            _fetch(url, part, size, progress, limits)
            return
        except _Interrupted as exc:
            if attempt == _ATTEMPTS:
                kept = part.stat().st_size if part.exists() else 0
                raise VoiceError(f"{url}: the download stopped ({exc}); nothing was "
                                 f"installed; run the same command again to resume "
                                 f"({kept} of {size} bytes kept)") from None


def _stage(entry: CatalogueEntry, source: str, staging: Path, progress: Progress | None,
           limits: Limits) -> Path:
    """Fetch, check and load every file of one voice into `staging/<key>/`; return that folder."""
    folder = staging / entry.key
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {file.name for file in entry.files} | {f"{file.name}.part" for file in entry.files}
    for stale in folder.iterdir():  # left by an earlier catalogue: not this voice's
        if stale.name not in wanted:
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    for file in sorted(entry.files, key=lambda file: file.path):
        target = folder / file.name
        if target.exists() and target.stat().st_size == file.size and _md5(target) == file.md5:
            continue
        part = folder / f"{file.name}.part"
        if _is_url(source):
            _download(_join(source, file.path), part, file.size, progress, limits)
        else:
            _copy(source, file.path, part, file.size, progress)
        got = part.stat().st_size
        if got != file.size or _md5(part) != file.md5:
            # A wrong file is not resumed from: the next try downloads it afresh.
            part.unlink()
            what = (f"{got} bytes where the catalogue says {file.size}" if got != file.size
                    else "its MD5 differs from the catalogue's")
            raise VoiceError(f"{file.path}: {what}; nothing was installed "
                             f"(the file at {source} is damaged or changed; try again later "
                             "or another mirror)")
        os.replace(part, target)
    card = folder / "MODEL_CARD"
    record = {**entry.record, "licence": "unknown", "source": source}
    if "MODEL_CARD" in wanted and card.is_file():
        record["licence"] = licence_from_card(card.read_text(encoding="utf-8",
                                                             errors="replace"))
    (folder / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=1),
                                 encoding="utf-8")
    try:
        read_voice(folder)
    except InputError as exc:
        raise VoiceError(f"{entry.key}: the files from {source} match the catalogue but do not "
                         f"make a voice ({exc}); nothing was installed") from None
    return folder


def _up_to_date(folder: Path, entry: CatalogueEntry) -> bool:
    """Whether `folder` holds this catalogue entry's files already (by record and size)."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("files") != entry.record["files"]:
        return False
    return all((folder / file.name).is_file() and (folder / file.name).stat().st_size == file.size
               for file in entry.files)


def _put_in_place(staged: dict[str, Path], root: Path, aside: Path) -> None:
    """Rename each staged voice into `root`, all or none: a voice it replaces is moved aside
    first and put back if any rename fails (or Ctrl-C comes), and deleted only at the end."""
    moved_aside: list[str] = []
    put: list[str] = []
    try:
        for key, folder in staged.items():
            final = root / key
            if final.exists() or final.is_symlink():
                aside.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(aside / key, ignore_errors=True)
                os.replace(final, aside / key)
                moved_aside.append(key)
            os.replace(folder, final)
            put.append(key)
    except BaseException:
        for src, dst in [(root / key, staged[key]) for key in reversed(put)] + [
                (aside / key, root / key) for key in reversed(moved_aside)]:
            with contextlib.suppress(OSError):  # put back all that can be
                os.replace(src, dst)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def install(names: Iterable[str], *, source: str = DEFAULT_SOURCE, root: Path | None = None,
            progress: Progress | None = None,
            limits: Limits | None = None) -> list[InstalledVoice]:
    """Install voices from a catalogue: all of them, checked, or none (raises VoiceError).

    Every voice is downloaded and loaded in `<voices>/.partial/` first; only
    then are they renamed into place, and a voice they replace is removed
    last, so a failure at any step leaves the installed voices as they were.
    """
    limits = limits or LIMITS
    names = list(dict.fromkeys(names))
    root = root or voices_dir()
    catalogue = fetch_catalogue(source, root, limits)
    wanted = {entry.key: entry for entry in (_entry(catalogue, name, source) for name in names)}
    todo = {key: entry for key, entry in wanted.items() if not _up_to_date(root / key, entry)}
    staging = root / ".partial"
    needed = sum(entry.size for entry in todo.values())
    free = shutil.disk_usage(root).free
    if needed > free:
        raise VoiceError(f"{root}: {needed // 1_000_000 + 1} MB needed, {free // 1_000_000} MB "
                         "free; nothing was installed; free some space or set READER_VOICES")
    staged = {key: _stage(entry, source, staging, progress, limits)
              for key, entry in todo.items()}
    _put_in_place(staged, root, staging / ".replaced")
    shutil.rmtree(staging, ignore_errors=True)
    return [read_voice(root / key) for key in wanted]


def remove(names: Iterable[str], root: Path | None = None) -> list[str]:
    """Remove installed voices (raises InputError naming any that is not installed)."""
    root = root or voices_dir()
    names = list(dict.fromkeys(names))
    for name in names:
        if not voice_catalogue.is_plain_name(name) or name.startswith(".") \
                or not (root / name).is_dir():
            find(name, root)  # raises with the closest names
            raise InputError(f"{name!r} is not a voice folder in {root}")
    for name in names:
        shutil.rmtree(root / name)
    return names


def catalogue_rows(root: Path | None = None) -> list[dict[str, Any]]:
    """Every Piper voice known here (cached catalogue, else the few in KNOWN), installed or not."""
    root = root or voices_dir()
    catalogue = cached_catalogue(root)
    rows = []
    for name, entry in sorted(catalogue.items()):
        rows.append({
            "name": name, "language": entry.language or _name_parts(name)[0],
            "quality": entry.quality, "speakers": entry.num_speakers, "size": entry.size,
            "licence": KNOWN.get(name, {}).get("licence", ""),
        })
    if not catalogue:
        for name, info in KNOWN.items():
            rows.append({"name": name, "language": _name_parts(name)[0],
                         "quality": info["quality"], "speakers": info["num_speakers"],
                         "size": 0, "licence": info.get("licence", "")})
    return rows


def installed_row(voice: InstalledVoice) -> dict[str, Any]:
    """An installed voice as `reader voices list --json` shows it."""
    return {"name": voice.name, "language": voice.language, "quality": voice.quality,
            "speakers": voice.num_speakers, "speaker_names": sorted(voice.speakers,
                                                                    key=lambda n: voice.speakers[n]),
            "size": voice.size, "licence": voice.licence, "path": str(voice.folder)}
