"""Bad requests get the right status code and an actionable message; the server keeps serving."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from ggserve.engine.replay import ReplayEngine
from ggserve_client.v1 import api_pb2 as pb

from .conftest import StartServer
from .harness import Client, chat_request, code, details, user

INVALID = grpc.StatusCode.INVALID_ARGUMENT
WEATHER = pb.Tool(
    name="get_weather",
    description="Current weather of a city",
    parameters='{"type": "object", "properties": {"city": {"type": "string"}}}',
)


def assistant_call(
    call_id: str = "call_1", name: str = "get_weather", args: str = "{}"
) -> pb.Message:
    """An assistant message with one tool call."""
    call = pb.ToolCall(id=call_id, name=name, arguments=args)
    return pb.Message(role=pb.ROLE_ASSISTANT, tool_calls=[call])


def sampling(**values: float) -> pb.ChatRequest:
    """A request with the given sampling values."""
    return chat_request(sampling=pb.SamplingParams(**values))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    """One bad request: what to send, the expected code and a substring of the message."""

    request: pb.ChatRequest
    code: grpc.StatusCode
    message: str


CASES: dict[str, Case] = {
    "no messages": Case(pb.ChatRequest(), INVALID, "messages: at least one message is required"),
    "unset role": Case(
        chat_request(pb.Message(content="hi")), INVALID, "messages[0].role: must be ROLE_SYSTEM"
    ),
    "unknown role number": Case(
        chat_request(pb.Message(role=99, content="hi")),  # type: ignore[arg-type]
        INVALID,
        "messages[0].role",
    ),
    "tool message without tool_call_id": Case(
        chat_request(user("hi"), assistant_call(), pb.Message(role=pb.ROLE_TOOL, content="3")),
        INVALID,
        "messages[2].tool_call_id: a tool message must name the call it answers",
    ),
    "tool message answering no call": Case(
        chat_request(user("hi"), pb.Message(role=pb.ROLE_TOOL, tool_call_id="x9", content="3")),
        INVALID,
        "'x9' answers no earlier assistant tool call",
    ),
    "tool calls on a user message": Case(
        chat_request(pb.Message(role=pb.ROLE_USER, tool_calls=[pb.ToolCall(id="a", name="f")])),
        INVALID,
        "only assistant messages carry tool calls",
    ),
    "call arguments not JSON": Case(
        chat_request(user("hi"), assistant_call(args='{"city": ')),
        INVALID,
        "messages[1].tool_calls[0].arguments: not valid JSON",
    ),
    "call arguments not an object": Case(
        chat_request(user("hi"), assistant_call(args="[1, 2]")),
        INVALID,
        "messages[1].tool_calls[0].arguments: must be a JSON object",
    ),
    "call without a name": Case(
        chat_request(user("hi"), assistant_call(name="")),
        INVALID,
        "messages[1].tool_calls[0].name: a tool call needs the function name",
    ),
    "call without an id": Case(
        chat_request(user("hi"), assistant_call(call_id="")),
        INVALID,
        "messages[1].tool_calls[0].id",
    ),
    "duplicate call ids": Case(
        chat_request(
            user("hi"),
            pb.Message(
                role=pb.ROLE_ASSISTANT,
                tool_calls=[pb.ToolCall(id="c", name="f"), pb.ToolCall(id="c", name="g")],
            ),
        ),
        INVALID,
        "duplicate id 'c'",
    ),
    "tool schema not JSON": Case(
        chat_request(tools=[pb.Tool(name="f", parameters="{type: object}")]),
        INVALID,
        "tools[0].parameters: not valid JSON",
    ),
    "tool schema not an object": Case(
        chat_request(tools=[pb.Tool(name="f", parameters="[]")]),
        INVALID,
        "tools[0].parameters: must be a JSON Schema object",
    ),
    "tool schema of a string": Case(
        chat_request(tools=[pb.Tool(name="f", parameters='{"type": "string"}')]),
        INVALID,
        'must describe an object, not "string"',
    ),
    "duplicate tool names": Case(
        chat_request(tools=[WEATHER, WEATHER]), INVALID, "duplicate tool name 'get_weather'"
    ),
    "bad tool name": Case(
        chat_request(tools=[pb.Tool(name="get weather")]),
        INVALID,
        "'get weather' is not a function name",
    ),
    "tool_choice names an unknown tool": Case(
        chat_request(tools=[WEATHER], tool_choice=pb.ToolChoice(function_name="get_time")),
        INVALID,
        "tool_choice.function_name: 'get_time' is not one of the request's tools",
    ),
    "tool_choice required without tools": Case(
        chat_request(tool_choice=pb.ToolChoice(mode=pb.ToolChoice.MODE_REQUIRED)),
        INVALID,
        "required needs at least one tool",
    ),
    "tool_choice unknown mode": Case(
        chat_request(tool_choice=pb.ToolChoice(mode=42)),  # type: ignore[arg-type]
        INVALID,
        "tool_choice.mode: unknown mode 42",
    ),
    "response_format with a forced call": Case(
        chat_request(
            tools=[WEATHER],
            tool_choice=pb.ToolChoice(function_name="get_weather"),
            response_format=pb.ResponseFormat(json_schema='{"type": "object"}'),
        ),
        INVALID,
        "response_format: cannot be combined",
    ),
    "negative temperature": Case(
        sampling(temperature=-0.5), INVALID, "sampling.temperature: -0.5 is outside [0, 10]"
    ),
    "huge temperature": Case(sampling(temperature=11), INVALID, "sampling.temperature: 11"),
    "NaN temperature": Case(sampling(temperature=math.nan), INVALID, "sampling.temperature: nan"),
    "top_p zero": Case(sampling(top_p=0), INVALID, "sampling.top_p: 0 is outside (0, 1]"),
    "top_p above one": Case(sampling(top_p=1.5), INVALID, "sampling.top_p: 1.5"),
    "min_p above one": Case(sampling(min_p=2), INVALID, "sampling.min_p: 2 is outside [0, 1]"),
    "presence penalty": Case(sampling(presence_penalty=3), INVALID, "sampling.presence_penalty"),
    "frequency penalty": Case(
        sampling(frequency_penalty=-2.5), INVALID, "sampling.frequency_penalty"
    ),
    "repeat penalty": Case(sampling(repeat_penalty=-1), INVALID, "sampling.repeat_penalty"),
    "max_tokens zero": Case(
        chat_request(max_tokens=0), INVALID, "max_tokens: must be at least 1 when set"
    ),
    "empty stop string": Case(
        chat_request(stop=["ok", ""]), INVALID, "stop[1]: a stop string must not be empty"
    ),
    "too many stop strings": Case(
        chat_request(stop=[f"s{i}" for i in range(17)]), INVALID, "at most 16 stop strings"
    ),
    "json_schema not JSON": Case(
        chat_request(response_format=pb.ResponseFormat(json_schema="{")),
        INVALID,
        "response_format.json_schema: not valid JSON",
    ),
    "empty grammar": Case(
        chat_request(response_format=pb.ResponseFormat(grammar=" ")),
        INVALID,
        "response_format.grammar: must not be empty",
    ),
    "invalid grammar": Case(
        chat_request(response_format=pb.ResponseFormat(grammar='answer ::= "yes"')),
        INVALID,
        "response_format.grammar: the grammar defines no `root` rule",
    ),
    "bad request_id": Case(
        chat_request(request_id="has space"), INVALID, "request_id: 1-128 printable ASCII"
    ),
    "unknown model": Case(
        chat_request(model="gpt-9"), grpc.StatusCode.NOT_FOUND, "model 'gpt-9' is not served here"
    ),
    "prompt longer than the context": Case(
        chat_request(user("x" * 600)), INVALID, "but the model's context holds 512 (n_ctx)"
    ),
}


@pytest.fixture
def client(start_server: StartServer) -> Client:
    """A server over a replay engine with a small context."""
    return start_server(ReplayEngine(("ok",), n_ctx=512))


def assert_still_serves(client: Client) -> None:
    """A good request succeeds after a bad one."""
    assert client.chat.Chat(chat_request(), timeout=30).message.content == "ok"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_chat_request(client: Client, name: str) -> None:
    case = CASES[name]
    for call in (
        lambda: client.chat.Chat(case.request, timeout=30),
        lambda: list(
            client.chat.ChatStream(pb.ChatStreamRequest(request=case.request), timeout=30)
        ),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call()
        error = caught.value
        assert code(error) == case.code, details(error)
        assert case.message in details(error)
    assert_still_serves(client)


def _details(error: grpc.RpcError) -> list[object]:
    status = rpc_status.from_call(cast(grpc.Call, error))
    assert status is not None, "expected a google.rpc.Status in the trailers"
    unpacked: list[object] = []
    for detail in status.details:
        for kind in (
            error_details_pb2.BadRequest,
            error_details_pb2.ErrorInfo,
            error_details_pb2.RetryInfo,
        ):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                unpacked.append(message)
    return unpacked


def _error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_field_violations_travel_as_bad_request_details(client: Client) -> None:
    error = _error(lambda: client.chat.Chat(sampling(top_p=0, temperature=-1), timeout=30))
    (bad_request,) = _details(error)
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    fields = {v.field for v in bad_request.field_violations}
    assert fields == {"sampling.temperature", "sampling.top_p"}
    assert "(and 1 more problems)" in details(error)
    trailers = cast(grpc.Call, error).trailing_metadata() or ()
    (request_id,) = [value for key, value in trailers if key == "x-request-id"]
    assert str(request_id).startswith("req_")


def test_context_overflow_carries_error_info(client: Client) -> None:
    error = _error(lambda: client.chat.Chat(chat_request(user("y" * 700)), timeout=30))
    (info,) = _details(error)
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.reason == "CONTEXT_LENGTH_EXCEEDED"
    assert info.metadata["context_length"] == "512"
    prompt_tokens = int(info.metadata["prompt_tokens"])
    assert prompt_tokens > 700
    assert f"prompt is too long: {prompt_tokens} tokens" in details(error)
    assert "--n-ctx" in details(error)


def test_max_tokens_beyond_the_context_is_a_ceiling(start_server: StartServer) -> None:
    """A budget far larger than the context is served; the full context ends the answer."""
    client = start_server(ReplayEngine(tuple("abcdefghij" * 60), n_ctx=512))
    prompt_tokens = client.models.RenderChat(
        pb.RenderChatRequest(request=chat_request()), timeout=30
    ).prompt_tokens
    result = client.chat.Chat(chat_request(max_tokens=100_000), timeout=30)
    assert result.finish_reason == pb.FINISH_REASON_LENGTH
    assert result.length_limit == pb.LENGTH_LIMIT_CONTEXT
    assert result.usage.completion_tokens == 512 - prompt_tokens
    budget = client.chat.Chat(chat_request(max_tokens=5), timeout=30)
    assert budget.finish_reason == pb.FINISH_REASON_LENGTH
    assert budget.length_limit == pb.LENGTH_LIMIT_MAX_TOKENS
    assert budget.message.content == "abcde"


def test_missing_inner_request(client: Client) -> None:
    error = _error(lambda: list(client.chat.ChatStream(pb.ChatStreamRequest(), timeout=30)))
    assert code(error) == INVALID
    assert "request: the chat request is required" in details(error)
    assert_still_serves(client)


def test_invalid_utf8_is_invalid_argument(client: Client) -> None:
    raw = chat_request(user("XX")).SerializeToString().replace(b"XX", b"\xff\xfe")
    call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = client.channel.unary_unary(
        "/ggserve.v1.ChatService/Chat"
    )
    error = _error(lambda: call(raw, timeout=30))
    assert code(error) == INVALID
    assert "valid UTF-8" in details(error)
    assert_still_serves(client)


def test_oversized_message_is_refused(client: Client) -> None:
    huge = chat_request(user("z" * (65 * 1024 * 1024)))
    error = _error(lambda: client.chat.Chat(huge, timeout=60))
    assert code(error) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert_still_serves(client)


def test_unknown_method_is_unimplemented(client: Client) -> None:
    call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = client.channel.unary_unary(
        "/ggserve.v1.ChatService/Complete"
    )
    error = _error(lambda: call(b"", timeout=30))
    assert code(error) == grpc.StatusCode.UNIMPLEMENTED
    assert_still_serves(client)


def test_unsupported_json_schema_is_invalid_argument(client: Client) -> None:
    schema = json.dumps({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}})
    request = chat_request(response_format=pb.ResponseFormat(json_schema=schema))
    error = _error(lambda: client.chat.Chat(request, timeout=30))
    assert code(error) == INVALID
    assert "response_format.json_schema" in details(error)


def test_model_service_errors(client: Client) -> None:
    error = _error(lambda: client.models.GetModel(pb.GetModelRequest(model="nope"), timeout=30))
    assert code(error) == grpc.StatusCode.NOT_FOUND
    bad = pb.RenderChatRequest(request=pb.ChatRequest())
    error = _error(lambda: client.models.RenderChat(bad, timeout=30))
    assert code(error) == INVALID
    assert_still_serves(client)
