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

import difflib
import errno
import hashlib
import http.client
import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, ReaderError

#: Piper's published catalogue; a mirror with the same layout works with --from.
DEFAULT_SOURCE = "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
CATALOGUE = "voices.json"
RECORD = "voice.json"
CACHED_CATALOGUE = "catalogue.json"
_QUALITY_RANK = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
_CHUNK = 1 << 16
_TIMEOUT = 30.0
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
    if (folder / RECORD).is_file():
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
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


def _is_url(source: str) -> bool:
    return urllib.parse.urlparse(source).scheme in ("http", "https")


def _join(source: str, relative: str) -> str:
    if _is_url(source):
        return source.rstrip("/") + "/" + urllib.parse.quote(relative)
    return str(Path(source) / relative)


def cached_catalogue(root: Path | None = None) -> dict[str, Any]:
    """The catalogue fetched by the last install (empty when none was)."""
    path = (root or voices_dir()) / CACHED_CATALOGUE
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def fetch_catalogue(source: str, root: Path | None = None) -> dict[str, Any]:
    """Read `voices.json` from a source (URL or folder) and keep a copy for `voices list`."""
    where = _join(source, CATALOGUE)
    try:
        if _is_url(source):
            with urllib.request.urlopen(where, timeout=_TIMEOUT) as answer:
                data = answer.read()
        else:
            data = Path(where).read_bytes()
        catalogue = json.loads(data)
    except (OSError, ValueError) as exc:
        raise VoiceError(f"{where}: cannot read Piper's voice catalogue ({exc}); "
                         "check the address, or use --from with a mirror or a folder") from None
    if not isinstance(catalogue, dict):
        raise VoiceError(f"{where}: not a Piper voice catalogue (expected an object of voices)")
    root = root or voices_dir()
    from ..fsutil import write_bytes

    root.mkdir(parents=True, exist_ok=True)
    write_bytes(root / CACHED_CATALOGUE, data)
    return catalogue


def _entry(catalogue: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    entry = catalogue.get(name)
    if entry is None:  # Piper lists old names under "aliases"
        entry = next((value for value in catalogue.values()
                      if name in (value.get("aliases") or [])), None)
    if entry is None:
        close = difflib.get_close_matches(name, sorted(catalogue), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"no voice {name!r} in the catalogue at {source}{hint}; "
                         "see `reader voices list`")
    if not entry.get("files"):
        raise VoiceError(f"{source}: the catalogue lists no files for {name}")
    return dict(entry)


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


class _Interrupted(Exception):
    """A download stopped before its end; what arrived is kept in the .part file."""


def _fetch(url: str, part: Path, size: int, progress: Progress | None) -> None:
    """Download `url` into `part`, resuming from what `part` already holds.

    Raises _Interrupted when the transfer stops early (the caller retries with
    a Range request), VoiceError for an answer that retrying will not fix.
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
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:
            # A server that ignores Range answers 200 with the whole file: start over.
            mode = "ab" if have and answer.status == 206 else "wb"
            done = have if mode == "ab" else 0
            with open(part, mode) as handle:
                while block := answer.read(_CHUNK):
                    try:
                        handle.write(block)
                    except OSError as exc:
                        if exc.errno == errno.ENOSPC:
                            raise _disk_full(part, exc) from None
                        raise VoiceError(f"{part}: cannot write ({exc})") from None
                    done += len(block)
                    if progress:
                        progress(part.name.removesuffix(".part"), done, size)
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


def _copy(path: Path, part: Path, size: int, progress: Progress | None) -> None:
    """Copy a file from a local catalogue folder into `part`."""
    if not path.is_file():
        raise VoiceError(f"{path}: listed in the catalogue but missing from the folder")
    done = 0
    try:
        with open(path, "rb") as src, open(part, "wb") as dst:
            while block := src.read(_CHUNK):
                dst.write(block)
                done += len(block)
                if progress:
                    progress(part.name.removesuffix(".part"), done, size)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _disk_full(part, exc) from None
        raise VoiceError(f"{path}: cannot copy ({exc})") from None


def _download(url: str, part: Path, size: int, progress: Progress | None) -> None:
    """Fetch one file, resuming with Range requests after each interruption."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            _fetch(url, part, size, progress)
            return
        except _Interrupted as exc:
            if attempt == _ATTEMPTS:
                kept = part.stat().st_size if part.exists() else 0
                raise VoiceError(f"{url}: the download stopped ({exc}); nothing was "
                                 f"installed; run the same command again to resume "
                                 f"({kept} of {size} bytes kept)") from None


def _stage(name: str, entry: dict[str, Any], source: str, staging: Path,
           progress: Progress | None) -> None:
    """Fetch and check every file of one voice into `staging/<name>/`."""
    folder = staging / name
    folder.mkdir(parents=True, exist_ok=True)
    for relative, meta in sorted(entry["files"].items()):
        size, md5 = int(meta["size_bytes"]), str(meta["md5_digest"]).lower()
        target = folder / Path(relative).name
        if target.exists() and target.stat().st_size == size and _md5(target) == md5:
            continue
        part = folder / f"{Path(relative).name}.part"
        if _is_url(source):
            _download(_join(source, relative), part, size, progress)
        else:
            _copy(Path(_join(source, relative)), part, size, progress)
        got = part.stat().st_size
        if got != size or _md5(part) != md5:
            # A wrong file is not resumed from: the next try downloads it afresh.
            part.unlink()
            what = (f"{got} bytes where the catalogue says {size}" if got != size
                    else "its MD5 differs from the catalogue's")
            raise VoiceError(f"{relative}: {what}; nothing was installed "
                             f"(the file at {source} is damaged or changed; try again later "
                             "or another mirror)")
        os.replace(part, target)
    card = next((folder / Path(rel).name for rel in entry["files"]
                 if Path(rel).name == "MODEL_CARD"), None)
    record = {**entry, "licence": "unknown", "source": source}
    if card is not None and card.is_file():
        record["licence"] = licence_from_card(card.read_text(encoding="utf-8",
                                                             errors="replace"))
    (folder / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=1),
                                 encoding="utf-8")


def _up_to_date(folder: Path, entry: dict[str, Any]) -> bool:
    """Whether `folder` holds this catalogue entry's files already (by record and size)."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if record.get("files") != entry["files"]:
        return False
    return all((folder / Path(path).name).is_file()
               and (folder / Path(path).name).stat().st_size == int(meta["size_bytes"])
               for path, meta in entry["files"].items())


def install(names: Iterable[str], *, source: str = DEFAULT_SOURCE, root: Path | None = None,
            progress: Progress | None = None) -> list[InstalledVoice]:
    """Install voices from a catalogue: all of them, checked, or none (raises VoiceError)."""
    names = list(dict.fromkeys(names))
    root = root or voices_dir()
    catalogue = fetch_catalogue(source, root)
    entries = {name: _entry(catalogue, name, source) for name in names}
    entries = {str(entry.get("key") or name): entry for name, entry in entries.items()
               if not _up_to_date(root / str(entry.get("key") or name), entry)}
    staging = root / ".partial"
    needed = sum(int(meta["size_bytes"]) for entry in entries.values()
                 for meta in entry["files"].values())
    free = shutil.disk_usage(root).free
    if needed > free:
        raise VoiceError(f"{root}: {needed // 1_000_000 + 1} MB needed, {free // 1_000_000} MB "
                         "free; nothing was installed; free some space or set READER_VOICES")
    for name, entry in entries.items():
        _stage(name, entry, source, staging, progress)
    done = [read_voice(root / name) for name in names
            if (root / name).is_dir() and name not in entries]
    for name in entries:
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging / name, final)
        done.append(read_voice(final))
    shutil.rmtree(staging, ignore_errors=True)
    return done


def remove(names: Iterable[str], root: Path | None = None) -> list[str]:
    """Remove installed voices (raises InputError naming any that is not installed)."""
    root = root or voices_dir()
    names = list(dict.fromkeys(names))
    for name in names:
        if not name or "/" in name or name.startswith(".") or not (root / name).is_dir():
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
        files = entry.get("files") or {}
        rows.append({
            "name": name, "language": (entry.get("language") or {}).get("code")
            or _name_parts(name)[0], "quality": entry.get("quality", ""),
            "speakers": int(entry.get("num_speakers", 1)),
            "size": sum(int(meta.get("size_bytes", 0)) for meta in files.values()),
            "licence": KNOWN.get(name, {}).get("licence", ""),
        })
    if not catalogue:
        for name, info in KNOWN.items():
            rows.append({"name": name, "language": _name_parts(name)[0],
                         "quality": info["quality"], "speakers": info["num_speakers"],
                         "size": 0, "licence": info.get("licence", "")})
    return rows


def _installed_row(voice: InstalledVoice) -> dict[str, Any]:
    return {"name": voice.name, "language": voice.language, "quality": voice.quality,
            "speakers": voice.num_speakers, "speaker_names": sorted(voice.speakers,
                                                                    key=lambda n: voice.speakers[n]),
            "size": voice.size, "licence": voice.licence, "path": str(voice.folder)}


def listing(langs: Iterable[str] = (), root: Path | None = None) -> list[dict[str, Any]]:
    """Per language family: what each engine offers and which Piper voices are installed.

    Languages are those asked for, else every language of the Piper catalogue
    known here and of the installed voices.
    """
    from . import registry

    root = root or voices_dir()
    catalogue = catalogue_rows(root)
    mine = installed(root)
    wanted = sorted({family(lang) for lang in langs}) or sorted(
        {family(row["language"]) for row in catalogue} | {voice.family for voice in mine})
    result = []
    for lang in wanted:
        engines: dict[str, list[str]] = {}
        for name in registry.names():
            engine = registry.get(name)
            if name == "piper" or not engine.supports(lang):
                continue
            offered = getattr(engine, "voices_for", None)
            try:
                engines[name] = list(offered(lang)) if offered else [engine.default_voice(lang)]
            except ReaderError:
                continue
        result.append({
            "lang": lang, "engines": engines,
            "piper": [row for row in catalogue if family(row["language"]) == lang],
            "installed": [_installed_row(voice) for voice in mine if voice.family == lang],
        })
    return result
