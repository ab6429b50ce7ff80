"""A one-line progress bar on stderr (no dependency): requests done, errors, current level."""

from __future__ import annotations

import time
from typing import TextIO

from ggserve_client.loadgen.runner import RequestRecord

WIDTH = 30


class ProgressBar:
    """Redraws `[#####.....] done/total  errors  label  elapsed` in place; silent if disabled."""

    def __init__(self, total: int, out: TextIO, *, enabled: bool) -> None:
        self._total = max(total, 1)
        self._out = out
        self._enabled = enabled
        self._done = 0
        self._errors = 0
        self._label = ""
        self._start = time.perf_counter()
        self._drawn = 0.0

    def level(self, label: str) -> None:
        """Name the level now running."""
        self._label = label
        self._draw(force=True)

    def advance(self, record: RequestRecord) -> None:
        """Count one finished request."""
        self._done += 1
        self._errors += not record.ok
        self._draw(force=self._done == self._total)

    def close(self) -> None:
        """End the bar's line."""
        if self._enabled:
            self._draw(force=True)
            self._out.write("\n")
            self._out.flush()

    def _draw(self, *, force: bool) -> None:
        now = time.perf_counter()
        if not self._enabled or (not force and now - self._drawn < 0.1):
            return
        self._drawn = now
        filled = WIDTH * min(self._done, self._total) // self._total
        bar = "#" * filled + "." * (WIDTH - filled)
        self._out.write(
            f"\r[{bar}] {self._done}/{self._total} errors {self._errors} "
            f"{self._label} {now - self._start:5.1f}s"
        )
        self._out.flush()
