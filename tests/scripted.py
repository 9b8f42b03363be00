"""What the local fake endpoints share: answers queued by a test, and a record of what was sent."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class ScriptedAnswers:
    """Mixed into a fake endpoint that has `script` (answers still to give, in order),
    `sent` (requests, each with `.text` and `.answer`) and `_lock`."""

    script: deque[str]
    sent: list[Any]
    _lock: threading.Lock

    def answer_next(self, *modes: str) -> None:
        """Queue answers ("ok", "429:1", "drop", …) for the next requests, in order."""
        with self._lock:
            self.script.extend(modes)

    def ok_texts(self) -> list[str]:
        """Texts answered with their whole audio, in the order they were answered."""
        with self._lock:
            return [s.text for s in self.sent if s.answer == "ok"]
