"""A book's output folder changes all at once: new outputs are staged beside it and swapped in.

`output/<id>` is a symbolic link to the live generation under
`output/.books/<id>/`. A build makes a new generation (hard links to every
unchanged file, new files written there under temporary names and renamed),
then points the link at it with one rename, and removes the old one. So a
reader of the folder sees either every old file or every new one, never a new
MP3 beside an old manifest, and a build killed at any moment leaves the live
generation untouched. Writers must replace files (temp + rename), never edit
them in place: an unchanged file is shared with the live generation.

`output/<id>` must be that link: a link anywhere else, a folder or a file in
its place is refused (a build would fill it and then delete it as the old
generation), and so is a link to anything in the store but a generation.

The store also records which book folder the outputs were built from, so two
books with the same folder name cannot overwrite each other in one --out.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError

STORE = ".books"
ORIGIN = "origin"


def store_of(out: Path, book_id: str) -> Path:
    """Where a book's generations, lock and origin record live."""
    return out / STORE / book_id


def check_origin(out: Path, book_id: str, root: Path) -> None:
    """Refuse a book whose folder name matches another book's already built into `out`."""
    record = store_of(out, book_id) / ORIGIN
    try:
        recorded = record.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return
    here = str(root.resolve())
    if recorded and recorded != here:
        raise ConfigError(
            f"{out / book_id}: holds the book built from {recorded}, and {here} has the same "
            f"folder name {book_id!r}; build it with another --out or rename its folder "
            f"(if the book was moved, delete {out / book_id} and {store_of(out, book_id)} "
            "and build again: its clips stay cached)")


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link every file under `source` into `target` (same tree), skipping dotted temps."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if any(part.endswith(".part") for part in relative.parts):
            continue
        destination = target / relative
        if path.is_symlink():
            continue  # the tool writes no links; one found here is not carried over
        if path.is_dir():
            destination.mkdir(exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, destination)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                shutil.copy2(path, destination)  # no hard links here: a copy


def _generation(link: Path, store: Path) -> Path | None:
    """The generation `link` points at; raise ConfigError unless it is a link into `store`
    (a folder there, or a name there that is gone: a killed build's).

    Anything else (a link elsewhere, a real folder, a file) is not the tool's: a
    build would fill it with hard links and then delete it as the old generation.
    """
    if not link.is_symlink():
        if not os.path.lexists(link):
            return None
        what = "a folder" if link.is_dir() else "a file"
        raise ConfigError(f"{link}: {what} is in the way of the book's output link (into "
                          f"{store}); move it away or choose another --out; nothing was changed")
    target = Path(os.path.normpath(link.parent / os.readlink(link)))
    if (target.parent != Path(os.path.normpath(store)) or target.is_symlink()
            or (os.path.lexists(target) and not target.is_dir())):
        raise ConfigError(f"{link}: links to {target}, not to a generation in {store}; "
                          "move the link away or choose another --out; nothing was changed")
    return target if target.is_dir() else None


def check_live(out: Path, book_id: str) -> None:
    """Refuse a book whose `out/<id>` is not the tool's link (see `_generation`)."""
    _generation(out / book_id, store_of(out, book_id))


def _remove(generation: Path) -> None:
    """Delete a generation folder (one no link points at)."""
    shutil.rmtree(generation, ignore_errors=True)


class Staging:
    """The next generation of a book's output folder (use `staged` to get one)."""

    def __init__(self, out: Path, book_id: str, root: Path) -> None:
        self.link = out / book_id
        self.store = store_of(out, book_id)
        self.root = root
        self.folder = self.store  # replaced by the new generation in `begin`
        self.changed = False

    def live(self) -> Path | None:
        """The generation users see now, if any; ConfigError if the link is not the tool's."""
        return _generation(self.link, self.store)

    def begin(self) -> Path:
        """Make the new generation (a copy by hard links of the live one); return its folder."""
        live = self.live()
        self.store.mkdir(parents=True, exist_ok=True)
        for leftover in self.store.iterdir():  # generations of killed builds
            if leftover.is_dir() and not leftover.is_symlink() and leftover != live:
                _remove(leftover)
        self.folder = Path(tempfile.mkdtemp(prefix="g", dir=self.store))
        os.chmod(self.folder, 0o755)
        if live is not None:
            _link_tree(live, self.folder)
        (self.store / ORIGIN).write_text(str(self.root.resolve()) + "\n", encoding="utf-8")
        return self.folder

    def _point_at(self, generation: Path) -> None:
        relative = os.path.relpath(generation, self.link.parent)
        temp = self.link.parent / f".{self.link.name}.link.part"
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        os.symlink(relative, temp)
        os.replace(temp, self.link)

    def commit(self) -> None:
        """Swap the new generation in (one rename), then drop the old; or drop the new one
        when nothing in it changed."""
        old = self.live()
        if not self.changed and old is not None:
            _remove(self.folder)
            self.folder = old
            return
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._point_at(self.folder)
        if old is not None:  # only now: until the link moved, users read from it
            _remove(old)

    def abandon(self) -> None:
        """Forget the new generation; the live one stays as it was."""
        if self.folder != self.store:  # `begin` made it; no link points at it yet
            _remove(self.folder)


@contextlib.contextmanager
def staged(out: Path, book_id: str, root: Path) -> Iterator[Staging]:
    """A new generation to write into; swapped in when the block ends without error.

    Call under the book's lock. Set `changed` when something was written.
    """
    staging = Staging(out, book_id, root)
    staging.begin()
    try:
        yield staging
    except BaseException:
        staging.abandon()
        raise
    staging.commit()
