"""Stop strings matched across streamed pieces, holding back text that may start one.

Semantics (independent of how the text is split into pieces): generation stops at the stop-string
occurrence that *ends* first in the full text; when several end at the same place the longest
wins. Text before that occurrence is emitted, the stop string and anything after it are not.
Because an occurrence is reported as soon as its last character arrives, and text that could still
become the start of a stop string is held back, no emitted character is ever retracted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StopResult:
    """What one `push` releases: `text` is safe to emit; `matched` is set when a stop was hit."""

    text: str
    matched: str | None = None


class StopMatcher:
    """Incremental stop-string matcher; one per sequence.

    Per push the work is bounded by the piece length plus the longest stop string: only the
    held-back tail (shorter than the longest stop) is re-examined, never the emitted text.
    """

    __slots__ = ("_held", "_longest", "_stops")

    def __init__(self, stops: Sequence[str]) -> None:
        # Empty strings would match everywhere; the API treats them as absent.
        self._stops = tuple(dict.fromkeys(s for s in stops if s))
        self._longest = max((len(s) for s in self._stops), default=0)
        self._held = ""

    @property
    def held(self) -> str:
        """Text received but not yet released (a possible stop-string prefix)."""
        return self._held

    def push(self, text: str) -> StopResult:
        """Add a decoded piece; return the text that can no longer be part of a stop string."""
        if not self._stops:
            return StopResult(text)
        buffer = self._held + text
        match = self._earliest_match(buffer)
        if match is not None:
            start, stop = match
            self._held = ""
            return StopResult(buffer[:start], stop)
        keep = self._partial_suffix_length(buffer)
        self._held = buffer[len(buffer) - keep :]
        return StopResult(buffer[: len(buffer) - keep])

    def flush(self) -> str:
        """End of generation: release the held-back text (it did not become a stop string)."""
        held, self._held = self._held, ""
        return held

    def _earliest_match(self, buffer: str) -> tuple[int, str] | None:
        """(start, stop) of the occurrence ending first; ties go to the longer stop string."""
        best: tuple[int, int, str] | None = None  # (end, -length, stop)
        for stop in self._stops:
            start = buffer.find(stop)
            if start < 0:
                continue
            candidate = (start + len(stop), -len(stop), stop)
            if best is None or candidate < best:
                best = candidate
        if best is None:
            return None
        end, _, stop = best
        return end - len(stop), stop

    def _partial_suffix_length(self, buffer: str) -> int:
        """Length of the longest suffix of `buffer` that is a proper prefix of a stop string."""
        for length in range(min(len(buffer), self._longest - 1), 0, -1):
            tail = buffer[len(buffer) - length :]
            if any(stop.startswith(tail) for stop in self._stops):
                return length
        return 0
