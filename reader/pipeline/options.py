"""How a build runs: where it writes, how many workers, which clip cache."""

from __future__ import annotations

import os
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .cache import ClipCache

#: Concurrent requests for a network engine when neither --jobs nor book.toml says.
DEFAULT_NETWORK_JOBS = 4


@dataclass(frozen=True)
class BuildOptions:
    """How to build: where to write, how many workers, which cache."""

    out: Path = Path("output")
    jobs: int = max(1, os.cpu_count() or 1)
    #: Concurrent requests for network engines (they wait on I/O, not on a core);
    #: None: the book's `jobs` for the language, else DEFAULT_NETWORK_JOBS.
    network_jobs: int | None = None
    cache: Path | None = None
    #: A shared clip store as an fsspec URL (s3://…, gs://…, file://…); the local cache
    #: (`cache`, else OUT/.cache/clips) then mirrors it.
    cache_url: str | None = None
    offline: bool = False
    #: A pool owned by the caller and shared by builds (a shelf build's one pool,
    #: a Dask cluster's executor); None: each build makes its own.
    executor: Executor | None = field(default=None, compare=False, repr=False)
    #: Keep a lossless master beside each clip (for the M4B, encoded from them).
    masters: bool = False

    def clip_cache(self) -> ClipCache:
        """The clip cache: the local folder, mirroring `cache_url` when there is one."""
        return ClipCache(self.cache_root, remote=self.cache_url)

    @property
    def cache_root(self) -> Path:
        """The clip cache (shared by every book written under `out`)."""
        return self.cache or self.out / ".cache" / "clips"

    def check(self) -> None:
        """Refuse an output or cache folder that is a file, or lies below one."""
        for what, folder in (("--out", self.out), ("the clip cache", self.cache_root)):
            for place in (folder, *folder.parents):
                if place.exists() and not place.is_dir():
                    raise ConfigError(f"{folder}: {place} is a file, so {what} cannot be a "
                                      "folder there; choose another --out")
                if place.exists():
                    break
