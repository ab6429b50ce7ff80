"""JSON forms of stream events, results and models for `--json` output (one object per line)."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any, TextIO

from ggserve_client.errors import GgserveError
from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ChatStarted,
    ContentDelta,
    Model,
    PromptProgress,
    ReasoningDelta,
    StreamEvent,
    ToolCallEnd,
)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def result_json(result: ChatResult) -> dict[str, Any]:
    """A chat result as a JSON object (enums as their lower-case names)."""
    return {"event": "done", **_plain(dataclasses.asdict(result))}


def event_json(event: StreamEvent) -> dict[str, Any]:
    """One stream event as a JSON object with an `event` tag."""
    if isinstance(event, ChatDone):
        return result_json(event.result)
    if isinstance(event, ChatStarted):
        return {"event": "started", **dataclasses.asdict(event)}
    if isinstance(event, PromptProgress):
        return {"event": "prompt_progress", **dataclasses.asdict(event)}
    if isinstance(event, ContentDelta):
        return {"event": "content", "text": event.text}
    if isinstance(event, ReasoningDelta):
        return {"event": "reasoning", "text": event.text}
    if isinstance(event, ToolCallEnd):
        return {"event": "tool_call_end", "index": event.index, "status": event.status.value}
    return {"event": "tool_call", **dataclasses.asdict(event)}


def model_json(model: Model) -> dict[str, Any]:
    """A model description as a JSON object."""
    return dataclasses.asdict(model)


def error_json(error: GgserveError) -> dict[str, Any]:
    """A failed call as a JSON object: status code name, message, request id."""
    return {
        "event": "error",
        "code": error.code.name,
        "message": error.message,
        "request_id": error.request_id,
    }


def write_line(out: TextIO, obj: object) -> None:
    """Write one JSON object on its own line and flush (consumers read events as they come)."""
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()
