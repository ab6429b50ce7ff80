"""ggserve results → OpenAI `response` objects and the Responses streaming event sequence.

Stream (each event with a `sequence_number` counting from 0): `response.created`,
`response.in_progress`, then per output item in the model's order — reasoning
(`content_part.added`, `reasoning_text.delta`…, `reasoning_text.done`, `content_part.done`), a
message (`content_part.added`, `output_text.delta`…, `output_text.done`, `content_part.done`) or a
complete tool call (`function_call_arguments.delta`…/`.done`, or `custom_tool_call_input.delta`
/`.done`) — each between `output_item.added` and `output_item.done`; then `response.completed`,
or `response.incomplete` when the token budget ran out. The final event carries the whole
response, which is what the SDK's accumulator returns and what Codex requires. A failure after
the stream began is an `error` event followed by `response.failed`.

Log probabilities (`include: ["message.output_text.logprobs"]`): the message's `output_text`
part lists every token of the turn, as Chat Completions' `logprobs.content` does (reasoning and
tool-call markup included: the core does not split tokens by channel). Streamed, they come in
`output_text.delta` events with an empty delta, right after the text of those tokens (those
generated before the message opened come when it opens); the `.done` events and the final
response carry them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ggserve_client.types import ChatDone, ChatResult, LogprobsDelta, TokenLogprob, ToolCall
from ggserve_gateway.block_writer import Block, BlockKind, BlockWriter
from ggserve_gateway.calls import GatedEvent
from ggserve_gateway.endings import Ending, ending
from ggserve_gateway.errors import ErrorKind, HttpError
from ggserve_gateway.ids import new_id
from ggserve_gateway.openai_errors import error_object
from ggserve_gateway.openai_response import logprobs_content
from ggserve_gateway.responses_schema import ResponsesRequest
from ggserve_gateway.responses_tools import CLIENT_TOOLS, ToolMap
from ggserve_gateway.sse import compact_json
from ggserve_gateway.usage import responses_usage

# What the core's context-overflow message says (its gRPC status carries no code the client
# keeps), for OpenAI's `context_length_exceeded`.
_CONTEXT_MARK = "(n_ctx)"
_ITEM_PREFIXES = {BlockKind.TEXT: "msg_", BlockKind.REASONING: "rs_", BlockKind.CALL: "fc_"}


def error_code(error: HttpError) -> str:
    """OpenAI's error `code` for a failure (what Codex decides on: `context_length_exceeded`
    is final, the others are retried)."""
    if _CONTEXT_MARK in error.message:
        return "context_length_exceeded"
    if error.kind is ErrorKind.RATE_LIMIT:
        return "rate_limit_exceeded"
    if error.kind is ErrorKind.INVALID_REQUEST:
        return "invalid_prompt"
    return "server_error"


# The codes an HTTP error body carries (OpenAI leaves most 400s without one).
_BODY_CODES = frozenset({"context_length_exceeded", "rate_limit_exceeded"})


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"error": {...}}` body of a failed request, with a code where OpenAI has one."""
    body = error_object(error)
    if body["code"] is None:
        if error.param == "previous_response_id" and error.kind is ErrorKind.NOT_FOUND:
            body["code"] = "previous_response_not_found"
        elif (code := error_code(error)) in _BODY_CODES:
            body["code"] = code
    return {"error": body}


def text_part(text: str, logprobs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An `output_text` content part (`logprobs`: its tokens', when asked for)."""
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": logprobs or []}


def message_item(
    item_id: str, text: str, status: str, logprobs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An assistant `message` output item."""
    content = [text_part(text, logprobs)] if status != "in_progress" else []
    return {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": status,
        "content": content,
    }


def reasoning_item(item_id: str, text: str, status: str) -> dict[str, Any]:
    """A `reasoning` output item: the model's reasoning as `reasoning_text` content."""
    content = [reasoning_part(text)] if status != "in_progress" else []
    return {"type": "reasoning", "id": item_id, "summary": [], "content": content, "status": status}


def reasoning_part(text: str) -> dict[str, Any]:
    """A `reasoning_text` content part."""
    return {"type": "reasoning_text", "text": text}


@dataclass(frozen=True, slots=True)
class _TextItem:
    """How a text block of one kind is written: its item, its one content part, the name of
    its `.delta`/`.done` events and what they add beside the text."""

    item: Callable[[str, str, str], dict[str, Any]]
    part: Callable[[str], dict[str, Any]]
    events: str
    extra: dict[str, Any]


_TEXT_ITEMS = {
    BlockKind.TEXT: _TextItem(message_item, text_part, "output_text", {"logprobs": []}),
    BlockKind.REASONING: _TextItem(reasoning_item, reasoning_part, "reasoning_text", {}),
}


# The endings of a whole turn; any other (the budget or the context ran out) leaves the response
# `incomplete`, which OpenAI words `max_output_tokens` in either case.
_WHOLE = frozenset({Ending.END_TURN, Ending.STOP_SEQUENCE, Ending.TOOL_CALLS})


def _cut_short(result: ChatResult) -> bool:
    return ending(result) not in _WHOLE


def _item_status(result: ChatResult | None) -> str:
    return "incomplete" if result is not None and _cut_short(result) else "completed"


def _echoed(body: ResponsesRequest) -> dict[str, Any]:
    """The request settings a response object repeats."""
    fmt = body.text.format if body.text is not None else None
    choice = body.tool_choice
    return {
        "background": False,
        "instructions": body.instructions,
        "max_output_tokens": body.max_output_tokens,
        "max_tool_calls": body.max_tool_calls,
        "metadata": body.metadata or {},
        "parallel_tool_calls": body.parallel_tool_calls is not False,
        "previous_response_id": body.previous_response_id,
        "prompt_cache_key": body.prompt_cache_key,
        "reasoning": {
            "effort": body.reasoning.effort if body.reasoning else None,
            "summary": body.reasoning.summary if body.reasoning else None,
        },
        "service_tier": "default",
        "store": body.store,
        "temperature": body.temperature,
        "text": {
            "format": fmt.model_dump(by_alias=True, exclude_none=True) if fmt else {"type": "text"}
        },
        "tool_choice": (
            "auto" if choice is None
            else choice if isinstance(choice, str)
            else choice.model_dump(exclude_none=True)
        ),
        # The tools the model was offered (hosted ones were dropped).
        "tools": [
            tool.model_dump(exclude_none=True)
            for tool in body.tools or ()
            if tool.type in CLIENT_TOOLS
        ],
        "top_p": body.top_p,
        "truncation": body.truncation or "disabled",
        "user": body.user,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Envelope:
    """Everything of a response object but its output, status and usage (from the request)."""

    response_id: str
    created_at: int
    fields: dict[str, Any]  # the request's echoed settings

    @classmethod
    def of(cls, body: ResponsesRequest) -> Envelope:
        """A new response's envelope: a random id, the time now, `body`'s settings."""
        return cls(new_id("resp_"), int(time.time()), _echoed(body))

    def response(
        self,
        model: str,
        status: str,
        output: list[dict[str, Any]],
        result: ChatResult | None = None,
        error: HttpError | None = None,
    ) -> dict[str, Any]:
        """The `response` object."""
        cut_short = result is not None and _cut_short(result)
        incomplete = {"reason": "max_output_tokens"} if cut_short else None
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "completed_at": int(time.time()) if status == "completed" else None,
            "error": None
            if error is None
            else {"code": error_code(error), "message": error.message},
            "incomplete_details": incomplete,
            "model": model,
            "output": output,
            "usage": None if result is None else responses_usage(result.usage),
            **self.fields,
        }


def final_status(result: ChatResult) -> str:
    """`completed`, or `incomplete` when the token budget ran out."""
    return "incomplete" if _cut_short(result) else "completed"


def output_items(result: ChatResult, tools: ToolMap) -> list[dict[str, Any]]:
    """The output items of a whole turn: reasoning, message, then the calls."""
    message = result.message
    items: list[dict[str, Any]] = []
    if message.reasoning_content:
        items.append(reasoning_item(new_id("rs_"), message.reasoning_content, "completed"))
    if message.content:
        logprobs = logprobs_content(result.logprobs)
        items.append(message_item(new_id("msg_"), message.content, "completed", logprobs))
    if message.tool_calls:
        items.extend(tools.call_item(call) for call in message.tool_calls)
    elif items:
        # The item the budget cut short (calls are always whole).
        items[-1]["status"] = _item_status(result)
    return items


def response(
    envelope: Envelope, result: ChatResult, tools: ToolMap
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `response` object of a unary call, and its output items."""
    output = output_items(result, tools)
    return envelope.response(result.model, final_status(result), output, result), output


# Called with the final response object, its output items and the result (to store them).
Finished = Callable[[dict[str, Any], list[dict[str, Any]], ChatResult], None]


class ResponsesWriter(BlockWriter):
    """Builds the events of one streamed response."""

    def __init__(self, envelope: Envelope, model: str, tools: ToolMap, finished: Finished) -> None:
        super().__init__()
        self._envelope = envelope
        self._model = model
        self._tools = tools
        self._finished = finished
        self._sequence = 0
        self._items: list[dict[str, Any]] = []
        self._ids: list[str] = []
        self._result: ChatResult | None = None  # set when the turn ends
        # The bytes around a delta's JSON text in the open text block's delta events (rendered
        # once per block: the per-token path encodes only the text and the sequence number).
        self._delta_head = self._delta_tail = b""
        self._stream_arguments = False  # whether the open call's fragments are sent as deltas
        self._logprobs: list[dict[str, Any]] = []  # every entry so far (asked for)
        self._unsent: list[TokenLogprob] = []  # entries no message was open to carry yet

    def _event(self, kind: str, body: dict[str, Any]) -> bytes:
        sequence = self._sequence
        self._sequence += 1
        data = compact_json({"type": kind, **body, "sequence_number": sequence})
        return f"event: {kind}\ndata: {data}\n\n".encode()

    def start(self) -> bytes:
        """`response.created` and `response.in_progress`."""
        initial = self._envelope.response(self._model, "in_progress", [])
        return self._event("response.created", {"response": initial}) + self._event(
            "response.in_progress", {"response": initial}
        )

    def event(self, event: GatedEvent) -> list[bytes]:
        if isinstance(event, ChatDone):
            self._result = event.result  # the item it closes needs it
        return super().event(event)

    def _place(self, block: Block) -> dict[str, Any]:
        return {"item_id": self._ids[block.index], "output_index": block.index}

    def opened(self, block: Block) -> list[bytes]:
        item_id = new_id(_ITEM_PREFIXES[block.kind])
        self._ids.append(item_id)
        if block.call is not None:
            item = self._tools.call_item(ToolCall(block.call.id, block.call.name, ""), item_id)
            item["status"] = "in_progress"
            # Only function calls stream their arguments; the others are sent whole at the end.
            self._stream_arguments = item["type"] == "function_call"
            return [
                self._event(
                    "response.output_item.added", {"output_index": block.index, "item": item}
                )
            ]
        kind = _TEXT_ITEMS[block.kind]
        events = self._text_opened(block, item_id, kind)
        if block.kind is BlockKind.TEXT and self._unsent:
            events.append(self._logprobs_delta(block, self._unsent))
            self._unsent = []
        return events

    def _text_opened(self, block: Block, item_id: str, kind: _TextItem) -> list[bytes]:
        place = self._place(block)
        name = f"response.{kind.events}.delta"
        head = compact_json({"type": name, **place, "content_index": 0})[:-1]
        self._delta_head = f'event: {name}\ndata: {head},"delta":'.encode()
        extra = compact_json(kind.extra)[1:-1]  # the fields beside the text, if any
        self._delta_tail = f',{extra + "," if extra else ""}"sequence_number":'.encode()
        return [
            self._event(
                "response.output_item.added",
                {"output_index": block.index, "item": kind.item(item_id, "", "in_progress")},
            ),
            self._event(
                "response.content_part.added", {**place, "content_index": 0, "part": kind.part("")}
            ),
        ]

    def logprobs(self, delta: LogprobsDelta) -> list[bytes]:
        """Entries go out with the open message's text; held while none is open."""
        self._logprobs += logprobs_content(delta.entries)
        block = self.open_block
        if block is None or block.kind is not BlockKind.TEXT:
            self._unsent += delta.entries
            return []
        return [self._logprobs_delta(block, delta.entries)]

    def _logprobs_delta(self, block: Block, entries: Iterable[TokenLogprob]) -> bytes:
        # The delta event's entries have no bytes (the SDK's `ResponseTextDeltaEvent`).
        shown = [
            {
                "token": e.token,
                "logprob": e.logprob,
                "top_logprobs": [{"token": t.token, "logprob": t.logprob} for t in e.top_logprobs],
            }
            for e in entries
        ]
        body = {**self._place(block), "content_index": 0, "delta": "", "logprobs": shown}
        return self._event("response.output_text.delta", body)

    def delta(self, block: Block, text: str) -> bytes:
        if block.call is None:  # the per-token path: the text and the number are encoded
            sequence = self._sequence
            self._sequence += 1
            return b"".join(
                (
                    self._delta_head,
                    compact_json(text).encode(),
                    self._delta_tail,
                    str(sequence).encode(),
                    b"}\n\n",
                )
            )
        if not self._stream_arguments:
            return b""
        return self._event(
            "response.function_call_arguments.delta", {**self._place(block), "delta": text}
        )

    def closed(self, block: Block) -> list[bytes]:
        place = self._place(block)
        item_id, text = self._ids[block.index], block.text
        events: list[bytes] = []
        if block.call is not None:
            item = self._tools.call_item(ToolCall(block.call.id, block.call.name, text), item_id)
            events.extend(self._call_done(item, place))
        else:
            kind = _TEXT_ITEMS[block.kind]
            item = kind.item(item_id, text, _item_status(self._result))
            done = {**place, "content_index": 0, "text": text, **kind.extra}
            if block.kind is BlockKind.TEXT:
                item["content"][0]["logprobs"] = done["logprobs"] = list(self._logprobs)
            part = {**place, "content_index": 0, "part": item["content"][0]}
            events.append(self._event(f"response.{kind.events}.done", done))
            events.append(self._event("response.content_part.done", part))
        self._items.append(item)
        item_done = {"output_index": block.index, "item": item}
        events.append(self._event("response.output_item.done", item_done))
        return events

    def _call_done(self, item: dict[str, Any], place: dict[str, Any]) -> list[bytes]:
        if item["type"] == "function_call":
            done = {**place, "name": item["name"], "arguments": item["arguments"]}
            return [self._event("response.function_call_arguments.done", done)]
        if item["type"] == "custom_tool_call":
            return [
                self._event(
                    "response.custom_tool_call_input.delta", {**place, "delta": item["input"]}
                ),
                self._event(
                    "response.custom_tool_call_input.done", {**place, "input": item["input"]}
                ),
            ]
        return []

    def finish(self, done: ChatDone) -> list[bytes]:
        """`response.completed`, or `response.incomplete` when the budget ran out."""
        result = done.result
        status = final_status(result)
        for item in self._items:  # with every entry, as the unary response has them
            if item["type"] == "message":
                item["content"][0]["logprobs"] = logprobs_content(result.logprobs)
        final = self._envelope.response(self._model, status, self._items, result)
        self._finished(final, self._items, result)
        return [self._event(f"response.{status}", {"response": final})]

    def keep_alive(self) -> bytes:
        """`response.in_progress` again, with no output (readers take items from their own
        events: the SDK's accumulator and Codex ignore this one).

        Not an SSE comment: SSE readers drop comments before the caller sees anything, so
        Codex's idle timer between events (`stream_idle_timeout_ms`, 300 s) fires while a long
        prompt is evaluated; an event resets it."""
        initial = self._envelope.response(self._model, "in_progress", [])
        return self._event("response.in_progress", {"response": initial})

    def error(self, error: HttpError) -> bytes:
        """An `error` event, then `response.failed` with the error."""
        failed = self._envelope.response(self._model, "failed", self._items, error=error)
        body = {"code": error_code(error), "message": error.message, "param": error.param}
        return self._event("error", body) + self._event("response.failed", {"response": failed})
