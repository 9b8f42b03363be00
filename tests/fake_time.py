"""A clock that moves only when slept on: retries, backoff and pacing tested without waiting."""

from __future__ import annotations

import threading


class FakeTime:
    """`clock()` and `sleep()` for a Runner or Throttle: sleeping moves the clock at once.

    `slept` lists every sleep asked for, in order. Safe to share between threads
    (a fake server may read the clock while the engine sleeps).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds
