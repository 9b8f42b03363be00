"""Clip synthesis on a Dask cluster: `--cluster tcp://HOST:8786` or `--cluster local:N`.

Only the clips (synthesis and mastering, nearly all of a build's CPU time) go to
the cluster's workers; they write them into the clip cache, which every worker
must reach at the same path, and send back only the entry's key, frame count
and size. Joining the book stays on this machine and streams from the cache, so
memory stays flat. Cache writes are atomic and content-addressed, so a clip
made twice (a task re-run after its worker died) is harmless.

dask.distributed is an optional dependency (`pip install 'bilingual-reader[cluster]'`),
imported only here and only when a cluster is asked for.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import secrets
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path
from urllib.parse import urlsplit

from .. import __version__
from ..audio import ffmpeg
from ..errors import ConfigError, ReaderError

#: How often a clip's task is run again after it raised; a worker that dies is
#: handled by the scheduler itself (it re-runs the task elsewhere, up to
#: distributed.scheduler.allowed-failures times).
RETRIES = 2
#: The one scheme taken: tls:// would need certificates, which nothing here passes on.
SCHEME = "tcp://"
_PROBE = ".cluster-probe"
#: How long to wait for a scheduler to answer.
CONNECT_TIMEOUT = "10s"


def parse_cluster(spec: str) -> tuple[str, int | str]:
    """("local", N) or ("remote", "tcp://HOST:PORT"); ConfigError for anything else."""
    usage = ("expected tcp://HOST:PORT (a running Dask scheduler) or local:N (N worker "
             "processes on this machine)")
    if spec.startswith("local:"):
        count = spec.removeprefix("local:")
        if count.isascii() and count.isdigit() and int(count) >= 1:
            return ("local", int(count))
        raise ConfigError(f"--cluster {spec}: N must be a whole number of workers, 1 or more; "
                          f"{usage}")
    if not spec.startswith(SCHEME):
        raise ConfigError(f"--cluster {spec}: {usage}")
    try:
        parts = urlsplit(spec)
    except ValueError as exc:
        raise ConfigError(f"--cluster {spec}: not an address ({exc}); {usage}") from None
    try:
        port = parts.port
    except ValueError:
        port = 0
    if not parts.hostname:
        raise ConfigError(f"--cluster {spec}: no host; {usage}")
    if not port:
        raise ConfigError(f"--cluster {spec}: give a port from 1 to 65535 after the host, "
                          f"e.g. tcp://{parts.netloc.rpartition(':')[0] or parts.netloc}:8786")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"--cluster {spec}: only a host and a port may follow tcp://; {usage}")
    return ("remote", spec)


def _worker_facts(probe: str) -> tuple[str, str, str | None]:
    """Run on every worker: its reader and ffmpeg versions, and what it reads in the probe."""
    try:
        seen: str | None = Path(probe).read_text(encoding="utf-8")
    except OSError:
        seen = None
    return __version__, ffmpeg.version(), seen


def check_workers(client: object, cache_root: Path) -> None:
    """ConfigError unless every worker has this reader and ffmpeg and sees the same cache.

    The probe is a file with a random token written here into the cache: a
    worker that reads another token (or none) has another folder at that path.
    """
    cache_root.mkdir(parents=True, exist_ok=True)
    probe = cache_root / _PROBE
    token = secrets.token_hex(16)
    probe.write_text(token, encoding="utf-8")
    try:
        facts = client.run(_worker_facts, str(probe))  # type: ignore[attr-defined]
    finally:
        probe.unlink(missing_ok=True)
    if not facts:
        raise ConfigError("the Dask cluster has no workers; start some with "
                          "`dask worker SCHEDULER --nthreads 1`")
    for worker, (version, ffmpeg_version, seen) in sorted(facts.items()):
        if seen != token:
            raise ConfigError(
                f"Dask worker {worker} does not see the clip cache {cache_root}; give --cache "
                "a shared folder mounted at the same path on every worker"
            )
        if (version, ffmpeg_version) != (__version__, ffmpeg.version()):
            raise ConfigError(
                f"Dask worker {worker} runs reader {version} with {ffmpeg_version!r}; this "
                f"machine has reader {__version__} with {ffmpeg.version()!r}; install the same "
                "versions on every worker"
            )


@contextlib.contextmanager
def cluster_executor(spec: str, cache_root: Path, *,
                     shared_folder: bool = True) -> Iterator[Executor]:
    """A concurrent.futures executor on the Dask cluster `spec` names, open for the block.

    `local:N` starts (and at the end stops) a LocalCluster of N single-threaded
    worker processes; a tcp:// address connects to a running scheduler. With
    `shared_folder` (no --cache URL), every worker must see `cache_root`; with
    an fsspec store each worker mirrors the store in a folder of its own.
    """
    kind, where = parse_cluster(spec)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(f"--cluster {spec}: dask.distributed is not installed; "
                          "pip install 'bilingual-reader[cluster]'") from None
    with contextlib.ExitStack() as stack:
        # Losing the scheduler is reported once, as a ReaderError; the tracebacks distributed
        # and tornado log while the client tries to reconnect (and, from the client's own
        # thread, after it has closed) would only bury that line.
        for name in [*logging.root.manager.loggerDict, "distributed", "tornado"]:
            if name.startswith(("distributed", "tornado")):  # some have levels of their own
                logging.getLogger(name).setLevel(logging.CRITICAL)
        if kind == "local":
            # One thread per worker: an espeak-ng process speaks one utterance at a time.
            cluster = stack.enter_context(LocalCluster(
                n_workers=int(where), threads_per_worker=1, processes=True,
                host="127.0.0.1", silence_logs=logging.ERROR,
                # The HTTP server (dashboard, if bokeh is there) on any free port: never "8787 in use".
                dashboard_address=":0",
            ))
            address = cluster.scheduler_address
        else:
            address = str(where)
        try:
            client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"--cluster {spec}: no Dask scheduler answered ({exc}); start one "
                              "with `dask scheduler` and check the address") from None
        if shared_folder:
            check_workers(client, cache_root.resolve())
        try:
            # The tasks' results are tiny (key, frames, size): the audio stays in the cache.
            yield client.get_executor(pure=False, retries=RETRIES)
        except concurrent.futures.CancelledError:
            raise ReaderError(
                f"--cluster {spec}: the Dask scheduler went away mid-build; the clips finished "
                "so far are kept in the cache; start the scheduler again and run the same "
                "build to finish") from None

