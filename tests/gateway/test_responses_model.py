"""The Responses API over the real bundled model (SmolLM2, greedy, 1 thread) with the `openai` SDK.

Forced calls (a named function, `required`) run under the core's tool grammar, so their
arguments must parse; `text.format` json_schema output must validate; a tool result turn and a
`previous_response_id` turn must be answered.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Gateway

pytestmark = pytest.mark.e2e

WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 20}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
TIME: Any = {
    "type": "function",
    "name": "get_time",
    "description": "Get the local time in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 20}},
        "required": ["city"],
    },
    "strict": False,
}
ASK = "What's the weather like in Paris today?"


def _model(gw: Gateway) -> str:
    return gw.openai.models.list().data[0].id


def test_forced_named_call_unary_and_streamed(model_gateway: Gateway) -> None:
    client = model_gateway.openai
    options: Any = {
        "model": _model(model_gateway),
        "input": ASK,
        "tools": [WEATHER, TIME],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "max_output_tokens": 64,
        "temperature": 0,
    }
    unary = client.responses.create(**options)
    (call,) = [item for item in unary.output if item.type == "function_call"]
    assert call.name == "get_weather"
    assert isinstance(json.loads(call.arguments)["city"], str)
    assert call.call_id
    with client.responses.stream(**options) as stream:
        events = list(stream)
        final = stream.get_final_response()
    (streamed,) = [item for item in final.output if item.type == "function_call"]
    assert json.loads(streamed.arguments) == json.loads(call.arguments)
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    (done,) = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert "".join(deltas) == done.arguments == streamed.arguments
    assert events[-1].type == "response.completed"


def test_required_call(model_gateway: Gateway) -> None:
    response = model_gateway.openai.responses.create(
        model=_model(model_gateway),
        input=ASK,
        tools=[WEATHER, TIME],
        tool_choice="required",
        parallel_tool_calls=False,
        max_output_tokens=64,
        temperature=0,
    )
    calls = [item for item in response.output if item.type == "function_call"]
    assert calls
    for call in calls:
        assert call.name in ("get_weather", "get_time")
        assert isinstance(json.loads(call.arguments), dict)


def test_tool_result_turn_and_a_chain(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    first = client.responses.create(
        model=model,
        input=ASK,
        tools=[WEATHER],
        tool_choice={"type": "function", "name": "get_weather"},
        max_output_tokens=64,
        temperature=0,
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    result: Any = [
        {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 24C"}
    ]
    second = client.responses.create(
        model=model,
        input=result,
        previous_response_id=first.id,
        tools=[WEATHER],
        max_output_tokens=32,
        temperature=0,
    )
    assert second.output  # an answer (or another call)
    assert second.status in ("completed", "incomplete")
    # The chain's prompt holds the first turn: the second one read more input tokens.
    assert first.usage is not None
    assert second.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens


def test_json_schema_output_validates(model_gateway: Gateway) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 12},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    text: Any = {
        "format": {"type": "json_schema", "name": "person", "schema": schema, "strict": True}
    }
    response = model_gateway.openai.responses.create(
        model=_model(model_gateway),
        input="Describe a person as JSON.",
        text=text,
        max_output_tokens=48,
        temperature=0,
    )
    person = json.loads(response.output_text)
    assert set(person) == {"name", "age"}
    assert isinstance(person["name"], str)
    assert len(person["name"]) <= 12
    assert isinstance(person["age"], int)
    assert 0 <= person["age"] <= 150
