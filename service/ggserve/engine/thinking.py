"""A thinking budget: at most N generated tokens inside a reasoning block, then its close.

The engine follows the generated text: a generation starts inside a reasoning block when the
prompt left it open (`starts_open`, a template that ends with `<think>`), enters one when the
model writes an opening marker and leaves it at a closing marker. Every token generated while
inside counts. Once `budget` of them are spent and the block is still open, the next tokens are
not sampled but forced: `close_tokens`, the format's close-of-thinking marker as the model's
vocabulary spells it (its special token where it has one), so the model and the parser see an
ordinary close and generation goes on with the answer.

Markers are matched in the text rather than in token ids: a model may spell `<think>` in
several tokenizations, and the text is what the parser reads too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThinkingBudget:
    """What a request asks for: `budget` reasoning tokens, then `close_tokens` forced."""

    budget: int
    close_tokens: tuple[int, ...]
    open_markers: tuple[str, ...]
    close_markers: tuple[str, ...]
    starts_open: bool


class ThinkingTracker:
    """Follows one generation's text and says when the close marker must be forced.

    `push` takes each generated token's text (the backend calls it as tokens are accepted,
    forced ones included); `due` says whether the next token must be the close marker.
    """

    def __init__(self, budget: ThinkingBudget) -> None:
        self._budget = budget
        self._inside = budget.starts_open
        self._spent = 0  # tokens generated inside reasoning blocks
        self._tail = ""  # recent text, long enough to find a marker split across tokens
        self._keep = max((len(m) for m in (*budget.open_markers, *budget.close_markers)), default=1)

    @property
    def inside(self) -> bool:
        """Whether the text so far leaves the model inside a reasoning block."""
        return self._inside

    @property
    def left(self) -> int | None:
        """Reasoning tokens that may still be generated before the close is forced (None:
        outside a block, no limit from here)."""
        return max(self._budget.budget - self._spent, 0) if self._inside else None

    def due(self) -> tuple[int, ...]:
        """The tokens to force now instead of sampling: the close marker once the budget is
        spent inside a block, else none."""
        if self._inside and self._spent >= self._budget.budget:
            return self._budget.close_tokens
        return ()

    def push(self, text: str) -> None:
        """One generated token's text (possibly empty: part of a UTF-8 character)."""
        if self._inside:
            self._spent += 1
        self._tail = (self._tail + text)[-(self._keep + len(text)) :]
        self._follow()

    def closed(self, text: str) -> None:
        """The forced close was generated (`text`, its rendering): the block is over, whatever
        the text looks like (so a close that renders unexpectedly is never forced again)."""
        self._tail = text[-self._keep :]
        self._inside = False

    def _follow(self) -> None:
        """Move in or out of a block at the last marker in the recent text."""
        markers = self._budget.close_markers if self._inside else self._budget.open_markers
        for marker in markers:
            at = self._tail.rfind(marker)
            if at >= 0:
                self._inside = not self._inside
                self._tail = self._tail[at + len(marker) :]
                self._follow()  # a close and a new open in one piece of text
                return
