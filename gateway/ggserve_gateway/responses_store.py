"""Stored responses: a bounded in-memory LRU, by count and by bytes.

A stored response keeps what `GET /v1/responses/{id}` returns, the input items of its request
(for `/input_items`), and the whole conversation as core messages (the instructions aside), so
that `previous_response_id` continues exactly what the model saw and wrote. The least recently
used responses are evicted when either bound is passed; the ids are random (`ids.new_id`), so
one caller cannot read another's response by guessing. Everything runs on the event loop: no
locks.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ggserve_client.types import Message
from ggserve_gateway.sse import compact_json

DEFAULT_MAX_COUNT = 1000
DEFAULT_MAX_BYTES = 256 * 2**20


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """One response: its object, its request's input items, its whole conversation."""

    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    conversation: tuple[Message, ...]
    size: int

    @classmethod
    def of(
        cls,
        response: dict[str, Any],
        input_items: list[dict[str, Any]],
        conversation: tuple[Message, ...],
    ) -> StoredResponse:
        """A stored response, its size measured as the JSON and text it holds."""
        text = sum(
            len(m.content) + len(m.reasoning_content) + sum(len(c.arguments) for c in m.tool_calls)
            for m in conversation
        )
        size = len(compact_json(response)) + len(compact_json(input_items)) + text
        return cls(response, input_items, conversation, size)


class ResponseStore:
    """At most `max_count` responses and `max_bytes` (as `StoredResponse.size` counts)."""

    def __init__(self, max_count: int = DEFAULT_MAX_COUNT, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, StoredResponse] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """The size of what is stored."""
        return self._bytes

    def put(self, response_id: str, entry: StoredResponse) -> None:
        """Store `entry` (one larger than `max_bytes` is not kept), evicting the least recently
        used entries past either bound."""
        self.delete(response_id)
        if entry.size > self.max_bytes or self.max_count < 1:
            return
        self._entries[response_id] = entry
        self._bytes += entry.size
        while len(self._entries) > self.max_count or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def get(self, response_id: str) -> StoredResponse | None:
        """The entry (now the most recently used), or None if unknown or evicted."""
        entry = self._entries.get(response_id)
        if entry is not None:
            self._entries.move_to_end(response_id)
        return entry

    def delete(self, response_id: str) -> bool:
        """Forget a response; whether it was stored."""
        entry = self._entries.pop(response_id, None)
        if entry is None:
            return False
        self._bytes -= entry.size
        return True
