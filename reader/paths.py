"""Where a book may read, and what its folder may be called.

Every file a book names (its texts, cover, lexicons, alignment) must resolve
inside its folder, links followed, so a book never reads from wherever a path
happens to point; the folder's name becomes output file names, so it must be
one a file system takes.
"""

from __future__ import annotations

from pathlib import Path

from .characters import control_character, shown
from .errors import ConfigError

#: Longest tail the tool adds to a book's folder name in a file name it writes:
#: "." + id + ".kk-zh.999.mp3" + ".XXXXXXXX.part" (a temporary name).
_NAME_TAIL = len(".") + len(".kk-zh.999.mp3") + len(".XXXXXXXX.part") + 8
#: File names longer than this many bytes are refused by common file systems.
NAME_MAX = 255


def inside(root: Path, relative: str | Path, what: str, named_in: str = "") -> Path:
    """`root/relative`, refused (ConfigError) unless it resolves inside the book folder.

    Symbolic links are followed before the check, so a link inside the folder
    that points elsewhere is refused too. `named_in` says where the path was
    written ("texts/x/book.toml: cover").
    """
    path = root / relative
    if not path.resolve().is_relative_to(root.resolve()):
        where = f"{named_in}: " if named_in else ""
        raise ConfigError(f"{where}{path}: {what} must be inside the book folder {root}; "
                          "copy the file there")
    return path


def check_folder_name(root: Path) -> str:
    """The book folder's name (its id), refused when output file names made from it could not
    be written: a control character, or too many bytes."""
    name = root.resolve().name
    if control_character(name):
        raise ConfigError(f"{shown(root)}: the folder name holds the control character "
                          f"{control_character(name)}; rename the folder")
    size = len(name.encode("utf-8"))
    if size + _NAME_TAIL > NAME_MAX:
        raise ConfigError(
            f"{root}: the folder name is {size} bytes long; output file names made from it "
            f"would pass the {NAME_MAX}-byte limit of file systems; rename the folder to at "
            f"most {NAME_MAX - _NAME_TAIL} bytes (a Cyrillic or Chinese letter takes 2–3)")
    return name
