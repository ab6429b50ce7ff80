"""Folding parser events into a message, the way a streaming client does."""

from __future__ import annotations

import ggserve_parser as gp


def fold(events: list[gp.Event]) -> dict[str, object]:
    """Folds events the way a client would."""
    content, reasoning = "", ""
    calls: list[dict[str, str]] = []
    for e in events:
        if e.kind == "content":
            content += e.text
        elif e.kind == "reasoning":
            reasoning += e.text
        elif e.kind == "tool_call_start":
            assert e.index == len(calls)
            calls.append({"id": e.id, "name": e.name, "arguments": ""})
        elif e.kind == "tool_call_args":
            assert e.index is not None
            calls[e.index]["arguments"] += e.text
    return {"content": content, "reasoning_content": reasoning, "tool_calls": calls}
