"""Folding parser events into a message, the way a streaming client does."""

from __future__ import annotations

from collections.abc import Iterable

import ggserve_parser as gp


def fold(events: Iterable[gp.Event]) -> dict[str, object]:
    """Folds events the way a client would: a call counts only if it ends "complete".

    An invalid or truncated call is dropped; its raw text arrives as content right after its
    end event, so it is folded into the content like any other text.
    """
    content, reasoning = "", ""
    calls: list[dict[str, str]] = []
    open_call: dict[str, str] | None = None
    started = 0
    for e in events:
        assert (e.status != "") == (e.kind == "tool_call_end"), e
        if e.kind == "content":
            content += e.text
        elif e.kind == "reasoning":
            reasoning += e.text
        elif e.kind == "tool_call_start":
            assert open_call is None, "calls do not interleave"
            assert e.index == started
            started += 1
            open_call = {"id": e.id, "name": e.name, "arguments": ""}
        elif e.kind == "tool_call_args":
            assert open_call is not None
            assert e.index == started - 1
            open_call["arguments"] += e.text
        elif e.kind == "tool_call_end":
            assert open_call is not None
            assert e.index == started - 1
            assert e.status in ("complete", "invalid", "truncated")
            if e.status == "complete":
                calls.append(open_call)
            open_call = None
    assert open_call is None, "every started call ends"
    return {"content": content, "reasoning_content": reasoning, "tool_calls": calls}
