"""ggserve results → OpenAI chat completion objects and `chat.completion.chunk` SSE events.

The stream has OpenAI's exact shape: a first chunk with the role, then one chunk per content,
reasoning (`reasoning_content`, as DeepSeek and llama.cpp send it) or tool-call fragment — a
call's first chunk carries its index, id, type and name, later ones argument text — then a chunk
with the finish reason, then (with `stream_options.include_usage`) a chunk with no choices and
the usage, then `data: [DONE]`. Every chunk carries `usage: null` when usage was asked for.
With `logprobs`, the tokens' entries come in chunks of their own (an empty delta and
`logprobs.content`), right after the chunks of the text those tokens produced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ContentDelta,
    LogprobsDelta,
    ReasoningDelta,
    TokenLogprob,
)
from ggserve_gateway.calls import Call, GatedEvent
from ggserve_gateway.endings import Ending, ending
from ggserve_gateway.errors import HttpError
from ggserve_gateway.openai_errors import error_body
from ggserve_gateway.sse import compact_json, data_event
from ggserve_gateway.usage import openai_chat_usage

_FINISH = {
    Ending.END_TURN: "stop",
    Ending.STOP_SEQUENCE: "stop",
    Ending.MAX_TOKENS: "length",
    Ending.CONTEXT_FULL: "length",
    Ending.TOOL_CALLS: "tool_calls",
}


def _tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def logprobs_content(entries: Iterable[TokenLogprob]) -> list[dict[str, Any]]:
    """OpenAI's `logprobs.content`: token, logprob, bytes and top_logprobs per token."""
    return [
        {
            "token": e.token,
            "logprob": e.logprob,
            "bytes": list(e.bytes),
            "top_logprobs": [
                {"token": t.token, "logprob": t.logprob, "bytes": list(t.bytes)}
                for t in e.top_logprobs
            ],
        }
        for e in entries
    ]


def completion(
    result: ChatResult, *, completion_id: str, created: int, logprobs: bool = False
) -> dict[str, Any]:
    """The `chat.completion` object of a whole turn (`logprobs`: the request asked for them)."""
    message = result.message
    out: dict[str, Any] = {"role": "assistant", "content": message.content or None}
    if message.reasoning_content:
        out["reasoning_content"] = message.reasoning_content
    if message.tool_calls:
        out["tool_calls"] = [_tool_call(c.id, c.name, c.arguments) for c in message.tool_calls]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": result.model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": out,
                "logprobs": (
                    {"content": logprobs_content(result.logprobs), "refusal": None}
                    if logprobs
                    else None
                ),
                "finish_reason": _FINISH[ending(result)],
            }
        ],
        "usage": openai_chat_usage(result.usage),
    }


@dataclass(slots=True)
class ChunkWriter:
    """Builds the SSE chunks of one streamed completion.

    Every chunk but the last ones differs only in its delta, so the JSON around the delta is
    rendered once and each chunk serializes just its delta (the per-token cost of the gateway).
    """

    completion_id: str
    created: int
    model: str
    include_usage: bool
    _head: bytes = field(init=False)
    _tail: bytes = field(init=False)

    def __post_init__(self) -> None:
        template = data_event(self._body({"": 0}, None)).decode()
        # The placeholder is the last `{"":0}` (the id and model are JSON strings before it).
        head, tail = template.rsplit('{"":0}', 1)
        self._head, self._tail = head.encode(), tail.encode()

    def _body(self, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        if finish is not None:
            return data_event(self._body(delta, finish))
        return self._head + compact_json(delta).encode() + self._tail

    def _text(self, key: bytes, text: str) -> bytes:
        # The per-token path: only the text is encoded.
        return b"".join((self._head, key, compact_json(text).encode(), b"}", self._tail))

    def start(self) -> bytes:
        """The first chunk: the role."""
        return self._chunk({"role": "assistant", "content": ""})

    def call(self, call: Call) -> list[bytes]:
        """A complete call: index, id and name once, then its argument fragments."""
        head = {"index": call.index, **_tool_call(call.id, call.name, "")}
        chunks = [self._chunk({"tool_calls": [head]})]
        chunks.extend(
            self._chunk({"tool_calls": [{"index": call.index, "function": {"arguments": part}}]})
            for part in call.fragments
        )
        return chunks

    def event(self, event: GatedEvent) -> list[bytes]:
        """The chunks of one upstream event."""
        if isinstance(event, ContentDelta):
            return [self._text(b'{"content":', event.text)]
        if isinstance(event, ReasoningDelta):
            return [self._text(b'{"reasoning_content":', event.text)]
        if isinstance(event, LogprobsDelta):
            return [self.logprobs(event)]
        if isinstance(event, Call):
            return self.call(event)
        return self.done(event)

    def logprobs(self, delta: LogprobsDelta) -> bytes:
        """A chunk with an empty delta and the entries of the tokens just generated."""
        body = self._body({}, None)
        content = logprobs_content(delta.entries)
        body["choices"][0]["logprobs"] = {"content": content, "refusal": None}
        return data_event(body)

    def done(self, done: ChatDone) -> list[bytes]:
        """The finish chunk, the usage chunk if asked for, and `[DONE]`."""
        result = done.result
        chunks = [self._chunk({}, _FINISH[ending(result)])]
        if self.include_usage:
            chunks.append(
                data_event(
                    {
                        "id": self.completion_id,
                        "object": "chat.completion.chunk",
                        "created": self.created,
                        "model": self.model,
                        "system_fingerprint": None,
                        "choices": [],
                        "usage": openai_chat_usage(result.usage),
                    }
                )
            )
        chunks.append(b"data: [DONE]\n\n")
        return chunks

    def keep_alive(self) -> bytes:
        """A chunk with an empty delta (llama-server's progress chunks have this shape).

        Not an SSE comment: the SDKs drop comments before the caller sees anything, so an
        agent's idle timer between chunks (qwen-code: 240 s) fires while a long prompt is
        evaluated; an empty delta reaches it and adds nothing to the message."""
        return self._chunk({})

    def error(self, error: HttpError) -> bytes:
        """`data: {"error": ...}` (what OpenAI sends when a stream fails)."""
        return data_event(error_body(error))
