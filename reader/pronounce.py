"""The `[pronounce]` table of book.toml and the shared lexicon files it names.

```toml
[pronounce]
lexicon = ["../lexicon.toml"]   # shared files, read in order (later entries win)
keep_latin = false              # true: Latin acronyms (GDP, 5G) stay as written

[pronounce.kk]                  # the book's own entries win over every file
"Си Цзиньпин" = "Си Жиньпиң"
```

A shared file holds the same per-language tables (`[kk]`, `[zh]`, …). Files must
resolve (symlinks followed) inside the book folder, or inside a *shelf*: the
folder of books (see reader/pipeline/shelf.py) nearest above the book that holds
a `shelf.toml` (it may be empty). So a
set of books shares `texts/lexicon.toml` once `texts/shelf.toml` exists, and a
book never reads a file from wherever a path happens to point.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .characters import control_character
from .errors import ConfigError

#: The file that marks a shelf (a folder of books) as sharing lexicon files.
SHELF_MARKER = "shelf.toml"

Entries = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Pronunciation:
    """How a book wants words said: lexicon entries per language, and Latin acronyms."""

    #: lang → entries, the shared files' first, the book's own last (later wins).
    entries: tuple[tuple[str, Entries], ...] = ()
    #: lang → the keys book.toml itself gives (an unused one earns a warning).
    own_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Lexicon files read, resolved.
    files: tuple[Path, ...] = ()
    keep_latin: bool = False

    def lexicon(self, lang: str) -> Entries:
        """The merged entries for a language: one value per key, the last given wins."""
        merged: dict[str, str] = {}
        for entry_lang, entries in self.entries:
            if entry_lang == lang:
                merged.update(entries)
        return tuple(merged.items())

    def own(self, lang: str) -> tuple[str, ...]:
        """The keys book.toml itself gives for a language."""
        return dict(self.own_keys).get(lang, ())


def _entries(table: Any, where: str, lang: str) -> Entries:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{lang}] must be a table of \"written\" = \"spoken\" "
                          f"entries, e.g. \"Си Цзиньпин\" = \"Си Жиньпиң\"")
    out = []
    for key, value in table.items():
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {lang}.{key!r}: expected a string, got "
                              f"{type(value).__name__}; write \"{key}\" = \"how it is said\"")
        if bad := control_character(key) or control_character(value):
            # An engine stops reading at a NUL: the rest of the text would go unsaid.
            raise ConfigError(f"{where}: {lang}.{key!r}: holds the control character {bad}; "
                              "remove it (speech would stop there)")
        if not key.strip() or not value.strip():
            raise ConfigError(f"{where}: {lang}.{key!r}: empty entry; write both the word "
                              "as written and how it is said, or remove the line")
        out.append((key.strip(), value.strip()))
    return tuple(out)


def _shelf(root: Path) -> Path | None:
    for folder in root.resolve().parents:
        if (folder / SHELF_MARKER).is_file():
            return folder
    return None


def _resolve(name: str, root: Path, where: str) -> Path:
    path = (root / name).resolve()
    inside = [root.resolve()] + ([shelf] if (shelf := _shelf(root)) else [])
    if not any(path.is_relative_to(folder) for folder in inside):
        raise ConfigError(
            f"{where}: lexicon {name!r} resolves to {path}, outside the book folder; "
            f"put it in the book folder, or share it from a folder above the book marked "
            f"by an (empty) {SHELF_MARKER} file")
    if not path.is_file():
        raise ConfigError(f"{where}: lexicon {name!r}: no such file {path}; "
                          "create it or fix the path")
    return path


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file the producer wrote (book.toml, a lexicon), or ConfigError in one line."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}; fix the syntax there") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8; save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def read_pronunciation(table: Any, root: Path, where: Path, languages: tuple[str, ...]
                       ) -> Pronunciation:
    """Read book.toml's `[pronounce]` table (and the files it names) for a book at `root`."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: pronounce: expected a table; write [pronounce.<lang>]")
    files = table.get("lexicon", [])
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ConfigError(f"{where}: pronounce.lexicon: expected a list of file names, "
                          'e.g. lexicon = ["lexicon.toml"]')
    keep_latin = table.get("keep_latin", False)
    if not isinstance(keep_latin, bool):
        raise ConfigError(f"{where}: pronounce.keep_latin: expected true or false")
    entries: list[tuple[str, Entries]] = []
    resolved = []
    for name in files:
        path = _resolve(name, root, f"{where}: pronounce.lexicon")
        resolved.append(path)
        for lang, lang_table in read_toml(path).items():
            entries.append((lang, _entries(lang_table, str(path), lang)))
    own: list[tuple[str, tuple[str, ...]]] = []
    for lang, lang_table in table.items():
        if lang in ("lexicon", "keep_latin"):
            continue
        if lang not in languages:
            raise ConfigError(f"{where}: pronounce.{lang}: the book has no language {lang!r} "
                              f"(it has {', '.join(languages)}); fix the table's name")
        book_entries = _entries(lang_table, f"{where}: pronounce", lang)
        entries.append((lang, book_entries))
        own.append((lang, tuple(key for key, _ in book_entries)))
    return Pronunciation(tuple(entries), tuple(own), tuple(resolved), keep_latin)
