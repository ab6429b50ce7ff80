"""Recorded model output (replay engine) of Kimi-K2, Qwen3 and DeepSeek-R1 through both APIs.

Reasoning must arrive as `reasoning_content` (OpenAI) and `thinking` blocks (Anthropic), tool
calls as `tool_calls` and `tool_use` blocks, and each API's stream must rebuild exactly its unary
answer. Calls that are not whole (invalid arguments, output cut inside the call) are never
presented as calls by either API: their text comes back as content.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve.templates import ChatTemplate
from tests.integration.test_formats import RECORDINGS, Recording, _template

from .conftest import Gateway, StartGateway, blocks

TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
        },
    },
]
ANTHROPIC_TOOLS: Any = [
    {"name": t["function"]["name"], "input_schema": t["function"]["parameters"]} for t in TOOLS
]
ASK: Any = [{"role": "user", "content": "Weather?"}]


def _openai_stream(gw: Gateway, **options: Any) -> dict[str, Any]:
    """Fold an OpenAI stream like an agent would."""
    content, reasoning, finish = "", "", None
    calls: dict[int, dict[str, str]] = {}
    for chunk in gw.openai.chat.completions.create(stream=True, **options):
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        delta = choice.delta
        content += delta.content or ""
        reasoning += getattr(delta, "reasoning_content", None) or ""
        for part in delta.tool_calls or []:
            call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
            if part.id:
                assert not call["id"], "id sent twice"
                call["id"] = part.id
            if part.function and part.function.name:
                call["name"] = part.function.name
            if part.function and part.function.arguments:
                call["arguments"] += part.function.arguments
        finish = choice.finish_reason or finish
    return {
        "content": content,
        "reasoning": reasoning,
        "calls": [calls[i] for i in sorted(calls)],
        "finish": finish,
    }


def _openai_unary(gw: Gateway, **options: Any) -> dict[str, Any]:
    choice = gw.openai.chat.completions.create(**options).choices[0]
    message = choice.message
    return {
        "content": message.content or "",
        "reasoning": getattr(message, "reasoning_content", None) or "",
        "calls": [
            {"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
            for c in message.tool_calls or []
        ],
        "finish": choice.finish_reason,
    }


def _same_ids_aside(a: list[dict[str, Any]], b: list[dict[str, Any]], *, native: bool) -> bool:
    if native:
        return a == b
    return [{**x, "id": None} for x in a] == [{**x, "id": None} for x in b]


def _start(replay_gateway: StartGateway, recording: Recording) -> Gateway:
    return replay_gateway(ReplayEngine(recording.pieces), _template(recording))


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_openai_shape(replay_gateway: StartGateway, name: str) -> None:
    recording = RECORDINGS[name]
    gw = _start(replay_gateway, recording)
    options: Any = {"model": "replay", "messages": ASK, "tools": TOOLS}
    unary = _openai_unary(gw, **options)
    streamed = _openai_stream(gw, **options)
    assert streamed["content"] == unary["content"]
    assert streamed["reasoning"] == unary["reasoning"]
    assert unary["reasoning"].strip() == recording.reasoning
    assert unary["content"].strip() == recording.content
    assert unary["finish"] == streamed["finish"] == "tool_calls"
    calls = [(c["name"], json.loads(c["arguments"])) for c in unary["calls"]]
    assert calls == recording.calls
    assert [(c["name"], c["arguments"]) for c in streamed["calls"]] == [
        (c["name"], c["arguments"]) for c in unary["calls"]
    ]
    if recording.native_ids:
        assert [c["id"] for c in unary["calls"]] == recording.native_ids


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_anthropic_shape(replay_gateway: StartGateway, name: str) -> None:
    recording = RECORDINGS[name]
    gw = _start(replay_gateway, recording)
    options: Any = {
        "model": "replay", "messages": ASK, "tools": ANTHROPIC_TOOLS, "max_tokens": 512
    }  # fmt: skip
    unary = gw.anthropic.messages.create(**options)
    with gw.anthropic.messages.stream(**options) as stream:
        final = stream.get_final_message()
    # Equal but for the ids generated per request (a native id, like Kimi's, is the same).
    assert _same_ids_aside(blocks(final), blocks(unary), native=bool(recording.native_ids))
    assert unary.stop_reason == final.stop_reason == "tool_use"
    thinking = [b.thinking for b in unary.content if b.type == "thinking"]
    assert "".join(thinking).strip() == recording.reasoning
    text = "".join(b.text for b in unary.content if b.type == "text")
    assert text.strip() == recording.content
    uses = [(b.name, b.input) for b in unary.content if b.type == "tool_use"]
    assert uses == recording.calls
    # Blocks come in the model's order: thinking first, the calls last.
    kinds = [b.type for b in unary.content]
    assert kinds[-len(recording.calls) :] == ["tool_use"] * len(recording.calls)
    if recording.reasoning:
        assert kinds[0] == "thinking"


BROKEN = {
    # The output ends inside the arguments: a truncated call.
    "truncated": (
        "Checking. <tool_call>\n",
        '{"name": "get_weather", "argu',
        'ments": {"city": "Par',
    ),
    # The arguments are not JSON: an invalid call.
    "invalid": (
        "Checking. <tool_call>\n",
        '{"name": "get_weather", "arguments": {"city": Paris}}\n',
        "</tool_call>",
    ),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_calls_are_never_presented_as_calls(replay_gateway: StartGateway, kind: str) -> None:
    pieces = BROKEN[kind]
    gw = replay_gateway(ReplayEngine(pieces), ChatTemplate(None, tool_format="hermes"))
    options: Any = {"model": "replay", "messages": ASK, "tools": TOOLS}
    for answer in (_openai_unary(gw, **options), _openai_stream(gw, **options)):
        assert answer["calls"] == []
        assert answer["finish"] == "stop"
        assert answer["content"].startswith("Checking. ")
        assert "get_weather" in answer["content"], "the call's text comes back as content"
    anthropic_options: Any = {
        "model": "replay", "messages": ASK, "tools": ANTHROPIC_TOOLS, "max_tokens": 512
    }  # fmt: skip
    unary = gw.anthropic.messages.create(**anthropic_options)
    with gw.anthropic.messages.stream(**anthropic_options) as stream:
        final = stream.get_final_message()
    for message in (unary, final):
        assert [b.type for b in message.content] == ["text"]
        assert message.stop_reason == "end_turn"
    assert blocks(final) == blocks(unary)
