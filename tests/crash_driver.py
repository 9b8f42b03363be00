"""Run `reader build` in this process and SIGKILL it at a chosen point.

Used by test_producers.py as a subprocess:
    python -m tests.crash_driver POINT N BOOK_DIR OUT_DIR
POINT is synthesis (inside mastering of the N-th clip), assembly (after the
N-th piece is copied into the book) tagging (after mutagen has moved the
audio to make room for the tag, before the tag is written), after-mp3
(the new MP3 is complete under its final name in the new generation, which
is not yet swapped in), removing-old / old-removed (as the N-th generation folder starts
to be removed / once it is gone: the first is the replaced generation of a
rebuild that changed something); or, with worker
processes running (--jobs 2), made-sigkill / made-sigint / made-sigterm: that
signal to this process once the N-th clip has been made.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import time


def main() -> None:
    # A test that finds this process hung asks it (SIGUSR1) where every thread is.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    point, n, book, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    calls = {"count": 0}

    def kill_on_nth(real):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls["count"] += 1
            if point != "assembly" and calls["count"] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(*args, **kwargs)
            if point == "assembly" and calls["count"] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return wrapper

    if point == "synthesis":
        from reader.audio import mastering
        mastering.master = kill_on_nth(mastering.master)  # type: ignore[assignment]
    elif point == "assembly":
        from reader.outputs import mp3
        mp3.shutil.copyfileobj = kill_on_nth(mp3.shutil.copyfileobj)  # type: ignore[assignment]
    elif point == "after-mp3":
        from reader.pipeline import build as build_module

        real_write = build_module.write_mp3

        def write_then_die(*args, **kwargs):  # type: ignore[no-untyped-def]
            real_write(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)

        build_module.write_mp3 = write_then_die  # type: ignore[assignment]
    elif point in ("removing-old", "old-removed"):
        from reader.pipeline import staging

        real_remove = staging._remove
        removed = {"count": 0}

        def remove(generation):  # type: ignore[no-untyped-def]
            removed["count"] += 1
            if point == "removing-old" and removed["count"] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            real_remove(generation)
            if removed["count"] == n:
                os.kill(os.getpid(), signal.SIGKILL)

        staging._remove = remove  # type: ignore[assignment]
    elif point.startswith("made-"):
        from reader.cli.book_commands import _ProgressEvents

        signum = {"made-sigkill": signal.SIGKILL, "made-sigint": signal.SIGINT,
                  "made-sigterm": signal.SIGTERM}[point]
        real_done = _ProgressEvents.clip_done
        made = {"count": 0}

        def clip_done(self, job, was_made):  # type: ignore[no-untyped-def]
            real_done(self, job, was_made)
            made["count"] += was_made
            if was_made and made["count"] == n:
                # When the signal left, for tests that time how fast the build stops.
                sys.stderr.write(f"signal sent at {time.time():.3f}\n")
                sys.stderr.flush()
                os.kill(os.getpid(), signum)

        _ProgressEvents.clip_done = clip_done  # type: ignore[method-assign]
        sys.argv = ["reader", "build", book, "--out", out, "--jobs", "2"]
        from reader.cli import main as cli_main

        cli_main()
        return
    elif point == "tagging":
        import mutagen.id3._file as id3file
        id3file.insert_bytes = kill_on_nth(id3file.insert_bytes)
    else:
        raise SystemExit(f"unknown point {point}")
    from reader.cli import app

    app(["build", book, "--out", out, "--jobs", "1"], prog_name="reader")


if __name__ == "__main__":
    main()
