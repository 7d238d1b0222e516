"""A progress bar on a terminal, for runs long enough to want one: drawn on standard error once a second has
passed, redrawn at most ten times a second, and wiped when the run ends, so reports and pipes never see it."""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY = 1.0  # seconds before the bar appears: a quick run shows nothing
INTERVAL = 0.1
WIDTH = 30


class Progress:
    def __init__(self, enabled: bool, stream: TextIO | None = None, clock=time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._clock = clock
        self._start = clock()
        self._drawn_at = 0.0
        self._shown = False
        self.label, self.done, self.total = "", 0, 0

    @classmethod
    def on_terminal(cls, wanted: bool = True) -> Progress:
        stream = sys.stderr
        return cls(wanted and hasattr(stream, "isatty") and stream.isatty())

    def phase(self, label: str, total: int) -> None:
        self.label, self.done, self.total = label, 0, total
        self._draw()

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._draw()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def line(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * WIDTH)
        return f"pipelint: {self.label} {self.done}/{self.total} [{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%}"

    def _draw(self) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if now - self._start < DELAY or (now - self._drawn_at < INTERVAL and self.done < self.total):
            return
        self._drawn_at = now
        self._shown = True
        self.stream.write("\r" + self.line())
        self.stream.flush()
