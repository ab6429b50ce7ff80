"""The blocking `Client` against a real server over a replay engine."""

from __future__ import annotations

import grpc
import pytest

from ggserve_client import Client, errors
from ggserve_client.types import (
    ChatDone,
    ContentDelta,
    FinishReason,
    ReasoningDelta,
    Role,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStatus,
    fold_deltas,
)
from tests.integration.harness import ServerThread

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def test_chat_returns_a_typed_result(server: ServerThread) -> None:
    with Client(server.target, timeout=30) as client:
        result = client.chat("Hi", max_tokens=16, temperature=0, request_id="req-1")
    assert result.message.content == "Hello, world!"
    assert result.message.role is Role.ASSISTANT
    assert result.finish_reason is FinishReason.STOP
    assert result.id == "req-1"
    assert result.model == "replay"
    assert result.usage.completion_tokens == 4
    assert result.usage.total_tokens == result.usage.prompt_tokens + 4


def test_stream_yields_deltas_then_one_done(server: ServerThread) -> None:
    with Client(server.target, timeout=30) as client:
        events = list(client.chat_stream("Hi", system="Be brief."))
    texts = [e.text for e in events[:-1] if isinstance(e, ContentDelta)]
    assert texts  # pieces may be coalesced into fewer messages when the client lags
    assert "".join(texts) == "Hello, world!"
    done = events[-1]
    assert isinstance(done, ChatDone)
    assert fold_deltas(events) == done.result.message


def test_stream_with_reasoning_and_a_tool_call(tool_server: ServerThread) -> None:
    with Client(tool_server.target, timeout=30) as client:
        events = list(client.chat_stream("Weather in Paris?", tools=[WEATHER]))
    kinds = {type(e) for e in events}
    assert {ReasoningDelta, ContentDelta, ToolCallDelta, ChatDone} <= kinds
    starts = [e for e in events if isinstance(e, ToolCallDelta) and e.name]
    assert [(s.index, s.name) for s in starts] == [(0, "get_weather")]
    assert starts[0].id
    ends = [e for e in events if isinstance(e, ToolCallEnd)]
    assert ends == [ToolCallEnd(0, ToolCallStatus.COMPLETE)]
    done = events[-1]
    assert isinstance(done, ChatDone)
    assert done.result.finish_reason is FinishReason.TOOL_CALLS
    call = done.result.message.tool_calls[0]
    assert call.name == "get_weather"
    assert call.arguments.replace(" ", "") == '{"city":"Paris"}'
    assert fold_deltas(events) == done.result.message


def test_models_and_tokenize(server: ServerThread) -> None:
    with Client(server.target, timeout=30) as client:
        models = client.list_models()
        model = client.get_model()
        tokens = client.tokenize("hé")
    assert [m.alias for m in models] == ["replay"]
    assert model == models[0]
    assert model.is_default
    assert model.tool_call_format == "hermes"
    assert tokens == list("hé".encode())


def test_unknown_model_raises_not_found(server: ServerThread) -> None:
    with Client(server.target, timeout=30) as client, pytest.raises(errors.NotFoundError) as info:
        client.chat("Hi", model="nope")
    assert info.value.code is grpc.StatusCode.NOT_FOUND
    assert "nope" in info.value.message
    assert info.value.request_id


def test_bad_request_raises_invalid_argument_in_a_stream(server: ServerThread) -> None:
    with Client(server.target, timeout=30) as client, pytest.raises(errors.InvalidArgumentError):
        list(client.chat_stream("Hi", temperature=-1))


def test_unreachable_server_raises_unavailable() -> None:
    with Client("127.0.0.1:1", timeout=5) as client, pytest.raises(errors.UnavailableError):
        client.list_models()


def test_deadline_raises_deadline_exceeded() -> None:
    from .servers import replay_model, running

    with (
        running(replay_model(piece_delay_s=0.5)) as slow,
        Client(slow.target) as client,
        pytest.raises(errors.DeadlineExceededError),
    ):
        client.chat("Hi", timeout=0.2)


def test_a_prompt_too_long_carries_its_reason_and_numbers(server: ServerThread) -> None:
    """The ErrorInfo of the status details, read without googleapis-common-protos."""
    with Client(server.target, timeout=30) as client:
        with pytest.raises(errors.InvalidArgumentError) as info:
            list(client.chat_stream("x" * 5000))
        error = info.value
        assert error.reason == "CONTEXT_LENGTH_EXCEEDED"
        assert error.info is not None
        assert error.info.domain == "ggserve.dev"
        prompt_tokens = int(error.info.metadata["prompt_tokens"])
        assert prompt_tokens > 5000
        assert error.info.metadata["context_length"] == "4096"
        assert f"prompt is too long: {prompt_tokens} tokens" in error.message
        with pytest.raises(errors.NotFoundError) as missing:
            client.chat("Hi", model="nope")
        assert missing.value.reason  # every service error names its reason


def test_error_info_ignores_bytes_that_are_not_a_status() -> None:
    from ggserve_client.status_details import error_info

    assert error_info(b"\xff\xfe not protobuf") is None
    assert error_info(b"") is None


def test_load_unload_and_embed_reach_the_server(server: ServerThread) -> None:
    with Client(server.target, timeout=30) as client:
        loaded = client.load_model("replay")
        with pytest.raises(errors.GgserveError) as unload:
            client.unload_model("replay")
        with pytest.raises(errors.GgserveError) as embed:
            client.embed(["a", [1, 2]])
    assert loaded.alias == "replay"
    assert loaded.state == "loaded"
    # A model given to the server already loaded cannot be unloaded.
    assert unload.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert "replay" in unload.value.message
    # The request reached the server whole: it answers about the model, not the inputs.
    assert embed.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert "Embed needs an embedding model" in embed.value.message
