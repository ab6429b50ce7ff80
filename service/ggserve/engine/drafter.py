"""What speculative decoding asks of a drafter, whatever proposes the tokens: prompt lookup
(`ngram.NgramDrafter`) or a second, small model (`draft_model.ModelDrafter`). `LlamaBackend`
holds one per speculating generation and verifies its proposals the same way for both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol


class Drafter(Protocol):
    """One generation's drafter; used on the engine thread only."""

    def extend(self, tokens: Iterable[int]) -> None:
        """Append tokens the generation now has for sure (sampled, or accepted drafts)."""

    def draft(self, limit: int) -> list[int]:
        """At most `limit` tokens likely to follow the history; [] for none."""

    def checked(self, drafted: int, accepted: int) -> None:
        """How the last draft fared: `accepted` of its `drafted` tokens were kept (the
        history has been extended by them and by the token sampled after them)."""

    def close(self) -> None:
        """The generation is over: free what the drafter holds."""


class DrafterSource(Protocol):
    """Makes the drafters of one backend's slots from a resource they share (a draft model's
    context, one sequence per slot)."""

    def drafter(self, seq_id: int, prompt: Sequence[int]) -> Drafter:
        """The drafter of the generation starting in slot `seq_id` with `prompt`."""

    def draft(self, limits: Mapping[int, int]) -> dict[int, list[int]]:
        """The drafts of the generations of several slots (slot → most tokens), made together;
        a slot left out of the answer gets no draft this step."""

    def clear(self) -> None:
        """Forget everything cached (the backend's cache was cleared too)."""

    def close(self) -> None:
        """Free the shared resource (idempotent)."""
