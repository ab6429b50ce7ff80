"""The official `anthropic` SDK against the gateway, over the real bundled model (greedy)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anthropic
import pytest

from ggserve.engine.replay import ReplayEngine

from .conftest import Gateway, StartGateway, blocks, wait_for

pytestmark = pytest.mark.e2e

WEATHER: Any = {
    "name": "get_weather",
    "description": "Get the current weather in a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 20}},
        "required": ["city"],
    },
}
TIME: Any = {
    "name": "get_time",
    "description": "Get the local time in a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 20}},
        "required": ["city"],
    },
}
GREEDY: Any = {"temperature": 0}  # newer SDKs send sampling settings only through extra_body
ASK: Any = [{"role": "user", "content": "What's the weather like in Paris today?"}]


def _model(gw: Gateway) -> str:
    return gw.anthropic.models.list().data[0].id


def test_models_list(model_gateway: Gateway) -> None:
    (model,) = model_gateway.anthropic.models.list().data
    assert model.type == "model"


def test_create_and_stream_agree(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    messages: Any = [{"role": "user", "content": "Name three colors."}]
    unary = client.messages.create(
        model=model, messages=messages, max_tokens=24, extra_body=GREEDY, system="Be brief."
    )
    (block,) = unary.content
    assert block.type == "text"
    assert block.text
    assert unary.stop_reason in ("end_turn", "max_tokens")
    assert unary.usage.output_tokens > 0
    with client.messages.stream(
        model=model, messages=messages, max_tokens=24, extra_body=GREEDY, system="Be brief."
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    assert "content_block_start" in kinds
    assert "content_block_stop" in kinds
    assert blocks(final) == blocks(unary)
    assert final.stop_reason == unary.stop_reason
    assert final.usage.output_tokens == unary.usage.output_tokens
    assert final.usage.input_tokens + (final.usage.cache_read_input_tokens or 0) == (
        unary.usage.input_tokens + (unary.usage.cache_read_input_tokens or 0)
    )


def test_forced_tool_use_streams_input_json(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    options: Any = {
        "model": model,
        "messages": ASK,
        "tools": [WEATHER, TIME],
        "tool_choice": {"type": "tool", "name": "get_weather"},
        "max_tokens": 64,
        "extra_body": GREEDY,
    }
    unary = client.messages.create(**options)
    assert unary.stop_reason == "tool_use"
    (use,) = [b for b in unary.content if b.type == "tool_use"]
    assert use.name == "get_weather"
    assert isinstance(use.input, dict)
    assert isinstance(use.input["city"], str)
    with client.messages.stream(**options) as stream:
        json_deltas = [
            e.delta.partial_json
            for e in stream
            if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
        ]
        final = stream.get_final_message()
    assert len(json_deltas) >= 2, "the input should arrive as several input_json_deltas"
    # The SDK's accumulator rebuilt the input from the deltas.
    (streamed,) = [b for b in final.content if b.type == "tool_use"]
    assert streamed.input == use.input
    assert streamed.name == use.name
    assert final.stop_reason == "tool_use"


def test_any_tool_choice_calls_a_tool(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    result = client.messages.create(
        model=model,
        messages=ASK,
        tools=[WEATHER, TIME],
        tool_choice={"type": "any", "disable_parallel_tool_use": True},
        max_tokens=64,
        extra_body=GREEDY,
    )
    uses = [b for b in result.content if b.type == "tool_use"]
    assert len(uses) == 1
    assert uses[0].name in ("get_weather", "get_time")


def test_multi_turn_with_a_tool_result(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    messages: Any = [
        *ASK,
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny, 24 C."},
            ],
        },
    ]
    result = client.messages.create(
        model=model, messages=messages, tools=[WEATHER], max_tokens=32, extra_body=GREEDY
    )
    assert result.content
    assert result.content[0].type == "text"
    # The tool turn reached the prompt: counting the same conversation without it gives less.
    with_result = client.messages.count_tokens(model=model, messages=messages, tools=[WEATHER])
    without = client.messages.count_tokens(model=model, messages=messages[:1], tools=[WEATHER])
    assert with_result.input_tokens > without.input_tokens


def test_count_tokens_matches_usage(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    messages: Any = [{"role": "user", "content": "Say hi."}]
    counted = client.messages.count_tokens(model=model, messages=messages)
    result = client.messages.create(model=model, messages=messages, max_tokens=4, extra_body=GREEDY)
    used = result.usage.input_tokens + (result.usage.cache_read_input_tokens or 0)
    assert counted.input_tokens == used > 0


def test_json_schema_output_validates(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 12},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    result = client.messages.create(
        model=model,
        messages=[{"role": "user", "content": "Describe a person as JSON."}],
        output_config={"format": {"type": "json_schema", "schema": schema}},
        max_tokens=48,
        extra_body=GREEDY,
    )
    (block,) = result.content
    assert block.type == "text"
    person = json.loads(block.text)
    assert set(person) == {"name", "age"}
    assert isinstance(person["name"], str)
    assert len(person["name"]) <= 12
    assert isinstance(person["age"], int)


IMAGE: Any = [{"role": "user", "content": [{"type": "image", "source": {}}]}]


def test_error_classes(model_gateway: Gateway) -> None:
    client, model = model_gateway.anthropic, _model(model_gateway)
    with pytest.raises(anthropic.NotFoundError) as not_found:
        client.messages.create(model="no-such-model", messages=ASK, max_tokens=4)
    assert not_found.value.body == {
        "type": "error",
        "error": {"type": "not_found_error", "message": not_found.value.body["error"]["message"]},  # type: ignore[index]
    }
    with pytest.raises(anthropic.BadRequestError) as bad:
        client.messages.create(model=model, messages=ASK, max_tokens=0)
    assert "max_tokens" in bad.value.message
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(
            model=model,
            messages=IMAGE,
            max_tokens=4,
        )
    with (
        pytest.raises(anthropic.BadRequestError),
        client.messages.stream(
            model=model, messages=ASK, max_tokens=4, extra_body={"temperature": -1}
        ) as stream,
    ):
        stream.get_final_message()


def test_full_queue_is_a_rate_limit_error(replay_gateway: StartGateway) -> None:
    engine = ReplayEngine(["x"] * 1000, piece_delay_s=0.02, queue_size=1)
    client = replay_gateway(engine).anthropic
    with client.messages.stream(model="replay", messages=ASK, max_tokens=1000) as running:
        next(iter(running))
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(
                client.messages.create, model="replay", messages=ASK, max_tokens=2
            )
            wait_for(lambda: engine.stats().waiting == 1)
            with pytest.raises(anthropic.RateLimitError) as limited:
                client.messages.create(model="replay", messages=ASK, max_tokens=2)
            assert limited.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
            running.close()
            result = waiting.result(timeout=10)
    assert result.content[0].type == "text"
    assert result.content[0].text == "xx"
