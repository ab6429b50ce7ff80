"""The official `openai` SDK against the gateway, over the real bundled model (greedy, 1 thread)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageFunctionToolCall

from ggserve.engine.replay import ReplayEngine

from .conftest import Gateway, StartGateway, wait_for

pytestmark = pytest.mark.e2e

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 20}},
            "required": ["city"],
        },
    },
}
TIME: Any = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Get the local time in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 20}},
            "required": ["city"],
        },
    },
}
ASK: Any = [{"role": "user", "content": "What's the weather like in Paris today?"}]


def _model(gw: Gateway) -> str:
    return gw.openai.models.list().data[0].id


def test_models_list(model_gateway: Gateway) -> None:
    models = model_gateway.openai.models.list().data
    assert [m.object for m in models] == ["model"]
    assert model_gateway.openai.models.retrieve(models[0].id).id == models[0].id


def test_unary_and_streamed_chat_agree(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    messages: Any = [{"role": "user", "content": "Name three colors."}]
    unary = client.chat.completions.create(
        model=model, messages=messages, max_tokens=24, temperature=0, seed=1
    )
    choice = unary.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert unary.usage is not None
    assert unary.usage.total_tokens == unary.usage.prompt_tokens + unary.usage.completion_tokens
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=messages,
            max_tokens=24,
            temperature=0,
            seed=1,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == choice.message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    # The usage comes in a last chunk without choices; the one before carries the finish reason.
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == unary.usage.completion_tokens
    assert chunks[-2].choices[0].finish_reason == choice.finish_reason
    assert all(c.usage is None for c in chunks[:-1])


def test_forced_named_tool_call(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    unary = client.chat.completions.create(
        model=model,
        messages=ASK,
        tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=64,
        temperature=0,
    )
    choice = unary.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)
    # Streamed: index, id and name once, then argument fragments that fold to the same call.
    stream = client.chat.completions.create(
        model=model,
        messages=ASK,
        tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=64,
        temperature=0,
        stream=True,
    )
    parts = [
        d
        for chunk in stream
        for d in (chunk.choices[0].delta.tool_calls or [] if chunk.choices else [])
    ]
    assert parts[0].index == 0
    assert parts[0].id
    assert parts[0].function is not None
    assert parts[0].function.name == "get_weather"
    assert all(p.id is None and p.index == 0 for p in parts[1:])
    arguments = "".join(p.function.arguments or "" for p in parts if p.function)
    assert json.loads(arguments) == json.loads(call.function.arguments)


def test_required_tool_call(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    result = client.chat.completions.create(
        model=model,
        messages=ASK,
        tools=[WEATHER, TIME],
        tool_choice="required",
        parallel_tool_calls=False,
        max_tokens=64,
        temperature=0,
    )
    calls = result.choices[0].message.tool_calls or []
    assert calls
    for call in calls:
        assert isinstance(call, ChatCompletionMessageFunctionToolCall)
        assert call.function.name in ("get_weather", "get_time")
        assert isinstance(json.loads(call.function.arguments), dict)


def test_multi_turn_with_a_tool_result(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    messages: Any = [
        *ASK,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 24 degrees Celsius."},
    ]
    result = client.chat.completions.create(
        model=model, messages=messages, tools=[WEATHER], max_tokens=32, temperature=0
    )
    assert result.choices[0].message.content
    assert result.choices[0].finish_reason in ("stop", "length")


def test_json_schema_output_validates(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 12},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    result = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Describe a person as JSON."}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": schema, "strict": True},
        },
        max_tokens=48,
        temperature=0,
    )
    person = json.loads(result.choices[0].message.content or "")
    assert set(person) == {"name", "age"}
    assert isinstance(person["name"], str)
    assert len(person["name"]) <= 12
    assert isinstance(person["age"], int)
    assert 0 <= person["age"] <= 150


def test_error_classes(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    with pytest.raises(openai.NotFoundError) as not_found:
        client.chat.completions.create(model="no-such-model", messages=ASK, max_tokens=4)
    assert "no-such-model" in not_found.value.message
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model=model, messages=ASK, max_tokens=4, temperature=-1)
    assert "temperature" in bad.value.message
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=model, messages=[], max_tokens=4)
    with pytest.raises(openai.BadRequestError):  # the same from a stream, before its first chunk
        client.chat.completions.create(
            model=model, messages=ASK, max_tokens=4, temperature=-1, stream=True
        )


def test_full_queue_is_a_rate_limit_error(replay_gateway: StartGateway) -> None:
    # One slot and a queue of one: a slow stream runs, one request waits, the third is refused.
    engine = ReplayEngine(["x"] * 1000, piece_delay_s=0.02, queue_size=1)
    client = replay_gateway(engine).openai
    running = client.chat.completions.create(model="replay", messages=ASK, stream=True)
    next(iter(running))
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(
            client.chat.completions.create, model="replay", messages=ASK, max_tokens=2
        )
        wait_for(lambda: engine.stats().waiting == 1)
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="replay", messages=ASK, max_tokens=2)
        assert limited.value.response.headers["retry-after"] == "1"
        assert limited.value.body is not None
        # Leaving the stream disconnects, which cancels its generation: the waiting one runs.
        running.close()
        assert waiting.result(timeout=10).choices[0].message.content == "xx"
