"""Recorded Kimi-K2, Qwen3 and DeepSeek-R1 output (replay core) through the Responses API.

The reasoning and the calls must be what Chat Completions gives for the same recording (one
core, one parser: the APIs only render), and the stream, rebuilt by the SDK's own accumulator,
must equal the unary response.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ggserve.engine.replay import ReplayEngine
from tests.integration.test_formats import RECORDINGS, _template

from .conftest import StartGateway
from .test_recorded_formats import ASK, TOOLS, _openai_unary
from .test_responses import raw_events, raw_response

# The same tools in the Responses shape.
RESPONSES_TOOLS: Any = [{"type": "function", **tool["function"]} for tool in TOOLS]


def _items(response: Any, *, native: bool) -> list[dict[str, Any]]:
    # Item ids are made per request, call ids too unless the model wrote them (Kimi's); the
    # SDK's accumulator adds `parsed_arguments` to calls.
    skip = {"id", "parsed_arguments"} | (set() if native else {"call_id"})
    return [
        {k: v for k, v in item.model_dump(exclude_none=True).items() if k not in skip}
        for item in response.output
    ]


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_responses_shape(replay_gateway: StartGateway, name: str) -> None:
    recording = RECORDINGS[name]
    gw = replay_gateway(ReplayEngine(recording.pieces), _template(recording))
    chat = _openai_unary(gw, model="replay", messages=ASK, tools=TOOLS)
    options: Any = {"model": "replay", "input": ASK, "tools": RESPONSES_TOOLS}
    unary = gw.openai.responses.create(**options)
    with gw.openai.responses.stream(**options) as stream:
        final = stream.get_final_response()
    native = bool(recording.native_ids)
    assert _items(final, native=native) == _items(unary, native=native)
    # Off the wire, every event and the unary object validate as the SDK declares them.
    events = raw_events(gw, options)
    assert _items(events[-1].response, native=native) == _items(unary, native=native)
    assert _items(raw_response(gw, options), native=native) == _items(unary, native=native)
    types = {e.type for e in events}
    assert "response.function_call_arguments.done" in types
    if recording.reasoning:
        assert "response.reasoning_text.delta" in types
    assert unary.status == final.status == "completed"
    # Reasoning, content and calls equal Chat Completions' for the same recording.
    reasoning = [
        part.text
        for item in unary.output
        if item.type == "reasoning"
        for part in item.content or []
    ]
    assert "".join(reasoning) == chat["reasoning"]
    assert "".join(reasoning).strip() == recording.reasoning
    assert unary.output_text == chat["content"]
    calls = [item for item in unary.output if item.type == "function_call"]
    assert [(c.name, c.arguments) for c in calls] == [
        (c["name"], c["arguments"]) for c in chat["calls"]
    ]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == recording.calls
    if native:
        assert [c.call_id for c in calls] == recording.native_ids
    # Items come in the model's order: reasoning first, the calls last.
    kinds = [item.type for item in unary.output]
    assert kinds[-len(calls) :] == ["function_call"] * len(calls)
    if recording.reasoning:
        assert kinds[0] == "reasoning"
