"""Piper's voice catalogue (`voices.json`) read into typed records, or refused.

Every name and path in a catalogue comes from whoever serves it, and they
become folder and file names under the voices folder. So the whole catalogue
is checked before anything is cached or downloaded: a voice's name is one
plain file name, a file's path is relative and stays below the source's root,
sizes are whole numbers, digests are MD5 hex, and every voice lists a model
with its config. A catalogue that breaks any rule is refused as a whole, with
one line naming the entry and what is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

#: Piper's own voices.json is a few hundred KB; a catalogue this large is not one.
MAX_BYTES = 16 * 1024 * 1024
#: What an installed voice folder holds besides the catalogue's files.
RECORD = "voice.json"

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}")
_MD5 = re.compile(r"[0-9a-fA-F]{32}")


class CatalogueError(InputError):
    """A voice catalogue (voices.json) that does not have Piper's shape, or names unsafe paths."""


@dataclass(frozen=True)
class VoiceFile:
    """One file of a voice: its path below the source's root, size and MD5."""

    path: str
    size: int
    md5: str

    @property
    def name(self) -> str:
        """The file's name inside the voice folder."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class CatalogueEntry:
    """One voice of the catalogue, checked; `record` is the entry as served (kept in voice.json)."""

    key: str
    files: tuple[VoiceFile, ...]
    quality: str
    language: str
    num_speakers: int
    aliases: tuple[str, ...]
    record: dict[str, Any]

    @property
    def size(self) -> int:
        """Bytes of all its files."""
        return sum(file.size for file in self.files)


def is_plain_name(name: str) -> bool:
    """Whether `name` can be one folder or file name under the voices folder and nothing else."""
    return bool(_PLAIN.fullmatch(name)) and name not in (".", "..")


def check_voice_name(name: str, where: str) -> str:
    """`name` if it is a plain voice name, else a CatalogueError naming `where`."""
    if not isinstance(name, str) or not is_plain_name(name):
        raise CatalogueError(f"{where}: {name!r} is not a voice name (letters, digits, _ . + - "
                             "only, no folders); refusing this catalogue, nothing was installed")
    return name


def check_relative_path(path: str, where: str) -> str:
    """`path` if it is relative and stays below the source's root, else a CatalogueError."""
    parts = path.split("/") if isinstance(path, str) else []
    if not parts or path.startswith("/") or "\\" in path or ":" in path \
            or not all(is_plain_name(part) for part in parts):
        raise CatalogueError(f"{where}: file path {path!r} is not relative to the catalogue's "
                             "folder (absolute, `..`, `.` or an odd character); refusing this "
                             "catalogue, nothing was installed")
    return path


def _int(value: Any, what: str, where: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise CatalogueError(f"{where}: {what} is {json.dumps(value)}, expected a whole number "
                             f"of at least {least}; refusing this catalogue, nothing was installed")
    return value


def _file(path: str, meta: Any, where: str) -> VoiceFile:
    check_relative_path(path, where)
    if not isinstance(meta, dict):
        raise CatalogueError(f"{where}: file {path!r} is described by {json.dumps(meta)}, "
                             "expected an object with size_bytes and md5_digest; refusing this "
                             "catalogue, nothing was installed")
    size = _int(meta.get("size_bytes"), f"size_bytes of {path!r}", where, 0)
    md5 = meta.get("md5_digest")
    if not isinstance(md5, str) or not _MD5.fullmatch(md5):
        raise CatalogueError(f"{where}: md5_digest of {path!r} is {json.dumps(md5)}, expected "
                             "32 hex digits; refusing this catalogue, nothing was installed")
    return VoiceFile(path, size, md5.lower())


def _entry(name: str, value: Any, where: str) -> CatalogueEntry:
    here = f"{where}, voice {name!r}"
    if not isinstance(value, dict):
        raise CatalogueError(f"{here}: expected an object, found {type(value).__name__}; "
                             "refusing this catalogue, nothing was installed")
    key = value.get("key", name)
    if key != name:
        raise CatalogueError(f"{here}: its key is {json.dumps(key)}, not its own name; refusing "
                             "this catalogue, nothing was installed")
    files_in = value.get("files")
    if not isinstance(files_in, dict) or not files_in:
        raise CatalogueError(f"{here}: no files listed (expected an object of path → size and "
                             "MD5); refusing this catalogue, nothing was installed")
    files = tuple(_file(path, meta, here) for path, meta in files_in.items())
    names = [file.name for file in files]
    clash = next((n for n in names if names.count(n) > 1 or n == RECORD or n.endswith(".part")),
                 None)
    if clash:
        raise CatalogueError(f"{here}: file name {clash!r} is listed twice or is one reader "
                             "keeps for itself; refusing this catalogue, nothing was installed")
    if not any(n.endswith(".onnx") and f"{n}.json" in names for n in names):
        raise CatalogueError(f"{here}: the files hold no model with its config (<voice>.onnx "
                             "and <voice>.onnx.json, Piper needs both); refusing this catalogue, "
                             "nothing was installed")
    language = value.get("language", {})
    code = language.get("code", "") if isinstance(language, dict) else None
    quality = value.get("quality", "")
    aliases = value.get("aliases") or []
    if not isinstance(code, str) or not isinstance(quality, str) or not isinstance(
            aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        raise CatalogueError(f"{here}: language, quality or aliases do not have Piper's shape "
                             "(an object with a code, a word, a list of names); refusing this "
                             "catalogue, nothing was installed")
    speakers = _int(value.get("num_speakers", 1), "num_speakers", here, 1)
    return CatalogueEntry(key=name, files=files, quality=quality, language=code,
                          num_speakers=speakers, aliases=tuple(aliases), record=dict(value))


def parse(data: bytes, where: str) -> dict[str, CatalogueEntry]:
    """Every voice of a catalogue's bytes, checked (raises CatalogueError naming the first fault)."""
    if len(data) > MAX_BYTES:
        raise CatalogueError(f"{where}: {len(data)} bytes, more than a voice catalogue's "
                             f"{MAX_BYTES // (1024 * 1024)} MB; refusing it, nothing was installed")
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise CatalogueError(f"{where}: not JSON ({exc}); refusing this catalogue, nothing was "
                             "installed; check the address (--from)") from None
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: not a Piper voice catalogue (expected an object of "
                             "voices); nothing was installed")
    return {check_voice_name(name, where): _entry(name, entry, where)
            for name, entry in value.items()}
